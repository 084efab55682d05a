/**
 * Attack tests on a real PostgreSQL server with the files rendered for two customers and approved
 * operators: nobody logs in as the superuser over the network, a customer reaches only its own
 * database from its own networks, and a customer admin cannot reach the OS, server files, server
 * settings or server powers (G3, G7, G8).
 */
import * as fs from 'fs';
import { ConnectOptions, PostgresTestServer } from './support/pg-server';
import { ACME, applyCustomer, globex, runAsSuperuser, twoCustomerConfig, twoCustomerHba } from './support/two-customers';
import { CustomerAccess } from '../../lib/postgres';

describe('two customers on a real PostgreSQL server', () => {
  let server: PostgresTestServer;
  let GLOBEX: ReturnType<typeof globex>;
  let serverVersion: number;

  beforeAll(async () => {
    server = await PostgresTestServer.start((starting) => twoCustomerConfig(starting));
    GLOBEX = globex(server.hasIpv6);
    for (const [customer, password] of [[ACME.customer, ACME.password], [GLOBEX.customer, GLOBEX.password]]) {
      const result = applyCustomer(server, customer, password);
      if (!result.ok) {
        throw new Error(`customer ${customer}: ${result.stderr}`);
      }
    }
    serverVersion = Number(server.mustAdmin("SELECT current_setting('server_version_num')"));
  });

  afterAll(() => server?.stop());

  const asAcme = (sql?: string, extra: Partial<ConnectOptions> = {}) => server.connect({
    sslmode: 'require', hostaddr: ACME.address, user: ACME.adminRole, password: ACME.password, dbname: 'acme', sql, ...extra,
  });

  describe('the superuser', () => {
    test('has a real SCRAM password, and a TLS login with it from an allowed network is refused by pg_hba.conf', () => {
      expect(server.mustAdmin("SELECT left(rolpassword, 14) FROM pg_authid WHERE rolname = 'postgres'")).toBe('SCRAM-SHA-256$');
      for (const dbname of ['postgres', 'acme']) {
        const result = server.connect({ sslmode: 'require', hostaddr: '127.0.0.1', user: 'postgres', password: server.superuserPassword, dbname });
        expect(result.ok).toBe(false);
        expect(result.stderr).toMatch(new RegExp(`pg_hba\\.conf rejects connection for host "127\\.0\\.0\\.1", user "postgres", database "${dbname}", SSL encryption`));
      }
      if (server.hasIpv6) {
        expect(server.connect({ sslmode: 'require', hostaddr: '::1', user: 'postgres', password: server.superuserPassword, dbname: 'globex' }).stderr)
          .toMatch(/pg_hba\.conf rejects connection for host "::1", user "postgres", database "globex", SSL encryption/);
      }
    });

    test('the same login succeeds once the reject lines are removed (the refusal is the rendered line, not the password)', () => {
      const mutated = twoCustomerHba(server.hasIpv6)
        .replace(/^hostssl +all +postgres +0\.0\.0\.0\/0 +reject$/m, 'hostssl all postgres 127.0.0.1/32 scram-sha-256')
        .replace(/^hostssl +all +postgres +::\/0 +reject$/m, '');
      expect(mutated).not.toEqual(twoCustomerHba(server.hasIpv6));
      server.reconfigure({ ...twoCustomerConfig(server), hba: mutated });
      try {
        const result = server.connect({ sslmode: 'require', user: 'postgres', password: server.superuserPassword });
        expect(result.stderr).toBe('');
        expect(result.stdout.trim()).toBe('postgres TLSv1.3');
      } finally {
        server.reconfigure(twoCustomerConfig(server));
      }
    });
  });

  describe('customer logins', () => {
    test('a customer admin logs in over TLS to its own database from its own network', () => {
      expect(asAcme().stdout.trim()).toBe('acme_admin TLSv1.3');
      expect(asAcme('SELECT current_database()').stdout.trim()).toBe('acme');
      if (!GLOBEX.address) {
        console.warn('IPv6 loopback (::1) is not available: customer B\'s login from its own network was not attempted.');
        return;
      }
      expect(server.connect({ sslmode: 'require', hostaddr: GLOBEX.address, user: GLOBEX.adminRole, password: GLOBEX.password, dbname: 'globex' })
        .stdout.trim()).toBe('globex_admin TLSv1.3');
    });

    test('customer A\'s network cannot log in to customer B\'s database, as B\'s admin or as A\'s', () => {
      for (const user of [GLOBEX.adminRole, ACME.adminRole]) {
        const password = user === ACME.adminRole ? ACME.password : GLOBEX.password;
        const result = server.connect({ sslmode: 'require', hostaddr: ACME.address, user, password, dbname: 'globex' });
        expect(result.ok).toBe(false);
        expect(result.stderr).toMatch(new RegExp(`no pg_hba\\.conf entry for host "127\\.0\\.0\\.1", user "${user}", database "globex", SSL encryption`));
      }
      // B's admin is refused from A's network even to the database A may reach.
      expect(server.connect({ sslmode: 'require', hostaddr: ACME.address, user: GLOBEX.adminRole, password: GLOBEX.password, dbname: 'acme' }).stderr)
        .toMatch(/no pg_hba\.conf entry for host "127\.0\.0\.1", user "globex_admin", database "acme"/);
    });

    test('customer A\'s role cannot log in to B\'s database (or its own) from B\'s network', () => {
      if (!GLOBEX.address) {
        console.warn('IPv6 loopback (::1) is not available: logins from customer B\'s network were not attempted.');
        expect(server.mustAdmin("SELECT count(*) FROM pg_hba_file_rules WHERE user_name = '{+globex_login}' AND database = '{globex}'")).toBe('1');
        return;
      }
      for (const dbname of ['globex', 'acme']) {
        const result = server.connect({ sslmode: 'require', hostaddr: GLOBEX.address, user: ACME.adminRole, password: ACME.password, dbname });
        expect(result.ok).toBe(false);
        expect(result.stderr).toMatch(new RegExp(`no pg_hba\\.conf entry for host "::1", user "acme_admin", database "${dbname}", SSL encryption`));
      }
    });

    test('a second wall: even a pg_hba.conf that let everyone in leaves A without CONNECT on B\'s database', () => {
      expect(server.mustAdmin("SELECT has_database_privilege('acme_admin', 'globex', 'CONNECT'), has_database_privilege('globex_admin', 'acme', 'CONNECT')"))
        .toBe('f|f');
      const wideOpen = twoCustomerHba(server.hasIpv6).replace(/^(# Unix socket)/m, 'hostssl all all 127.0.0.1/32 scram-sha-256\n$1');
      server.reconfigure({ ...twoCustomerConfig(server), hba: wideOpen });
      try {
        const result = asAcme(undefined, { dbname: 'globex' });
        expect(result.ok).toBe(false);
        expect(result.stderr).toMatch(/permission denied for database "globex"/);
        expect(result.stderr).toMatch(/User does not have CONNECT privilege/);
        // Control: the wide-open file does let A reach its own database, so the refusal above is the privilege.
        expect(asAcme().stdout.trim()).toBe('acme_admin TLSv1.3');
      } finally {
        server.reconfigure(twoCustomerConfig(server));
      }
    });

    test('the login group admits its members: a role the admin adds to it can log in from A\'s network', () => {
      server.mustAdmin("CREATE ROLE acme_app LOGIN PASSWORD 'acme-App-77b2'");
      const before = server.connect({ sslmode: 'require', user: 'acme_app', password: 'acme-App-77b2', dbname: 'acme' });
      expect(before.stderr).toMatch(/no pg_hba\.conf entry for host "127\.0\.0\.1", user "acme_app", database "acme"/);
      // The admin holds the login group WITH ADMIN OPTION, on every version.
      expect(asAcme('GRANT acme_login TO acme_app').stderr).toBe('');
      expect(server.connect({ sslmode: 'require', user: 'acme_app', password: 'acme-App-77b2', dbname: 'acme' }).stdout.trim())
        .toBe('acme_app TLSv1.3');
    });
  });

  describe('as a customer admin, every way to the OS, server files, settings and powers fails', () => {
    beforeAll(() => {
      const setup = asAcme('CREATE TABLE IF NOT EXISTS loot (line text)');
      if (!setup.ok) {
        throw new Error(setup.stderr);
      }
    });

    test.each([
      ['COPY ... TO PROGRAM', "COPY (SELECT 1) TO PROGRAM 'id > /tmp/pwned-by-acme'",
        /must be superuser or have privileges of the pg_execute_server_program role to COPY to or from an external program|permission denied to COPY to or from an external program/],
      ['COPY ... FROM a server file', "COPY loot FROM '/etc/passwd'",
        /must be superuser or have privileges of the pg_read_server_files role to COPY from a file|permission denied to COPY from a file/],
      ['COPY ... TO a server file', "COPY (SELECT 1) TO '/tmp/pwned-by-acme'",
        /must be superuser or have privileges of the pg_write_server_files role to COPY to a file|permission denied to COPY to a file/],
      ['pg_read_file', "SELECT pg_read_file('/etc/passwd')", /permission denied for function pg_read_file/],
      ['lo_import of a server file', "SELECT lo_import('/etc/passwd')", /permission denied for function lo_import/],
      ['ALTER SYSTEM', 'ALTER SYSTEM SET ssl = off', /must be superuser to execute ALTER SYSTEM command|permission denied to set parameter "ssl"/],
      ['CREATE FUNCTION in an untrusted language', "CREATE FUNCTION pwn() RETURNS int AS 'libc.so.6', 'getpid' LANGUAGE c",
        /permission denied for language c/],
      ['CREATE ROLE ... SUPERUSER', 'CREATE ROLE pwn SUPERUSER',
        /must be superuser to create superusers|permission denied to create role/],
      ['GRANT pg_execute_server_program', 'GRANT pg_execute_server_program TO acme_admin',
        /must have admin option on role "pg_execute_server_program"|permission denied to grant role "pg_execute_server_program"/],
      ['GRANT the superuser', 'GRANT postgres TO acme_admin', /must be superuser to alter superusers|permission denied to grant role "postgres"/],
      ['SET ROLE postgres', 'SET ROLE postgres', /permission denied to set role "postgres"/],
    ])('%s fails', (_what, sql, message) => {
      const result = asAcme(sql);
      expect(result.ok).toBe(false);
      expect(result.stderr).toMatch(message);
    });

    test('pg_terminate_backend of a superuser session or server process fails', () => {
      // pg_stat_activity hides other roles' sessions from the admin: the pids come from the superuser.
      const launcher = server.mustAdmin("SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum launcher'");
      expect(launcher).toMatch(/^\d+$/);
      const result = asAcme(`SELECT pg_terminate_backend(${launcher})`);
      expect(result.ok).toBe(false);
      expect(result.stderr).toMatch(/must be a superuser to terminate superuser process|must be a member of the role whose process is being terminated|permission denied to terminate process/);
      expect(server.mustAdmin("SELECT pid FROM pg_stat_activity WHERE backend_type = 'autovacuum launcher'")).toBe(launcher);
    });

    test('nothing those attempts tried took effect', () => {
      expect(server.mustAdmin('SHOW ssl')).toBe('on');
      expect(server.mustAdmin("SELECT count(*) FROM pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'")).toBe('0');
      expect(server.mustAdmin("SELECT count(*) FROM pg_roles WHERE rolname = 'pwn'")).toBe('0');
      expect(server.mustAdmin("SELECT pg_has_role('acme_admin', 'pg_execute_server_program', 'USAGE'), pg_has_role('acme_admin', 'postgres', 'USAGE')"))
        .toBe('f|f');
      expect(fs.existsSync('/tmp/pwned-by-acme')).toBe(false);
      expect(server.mustAdmin("SELECT count(*) FROM pg_proc WHERE proname = 'pwn'", 'acme')).toBe('0');
    });

    test('the admin is no superuser and holds none of the server roles', () => {
      expect(server.mustAdmin(
        "SELECT rolsuper, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'acme_admin'")).toBe('f|f|f|f|t');
      expect(server.mustAdmin(
        "SELECT count(*) FROM pg_roles r WHERE pg_has_role('acme_admin', r.oid, 'MEMBER') AND (r.rolsuper OR r.rolname IN " +
        "('pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program', 'pg_signal_backend'))")).toBe('0');
    });

    test('control: with pg_execute_server_program granted by someone, the same COPY ... TO PROGRAM works, and a re-run takes it back', () => {
      server.mustAdmin('GRANT pg_execute_server_program, pg_signal_backend TO acme_admin');
      try {
        expect(asAcme("COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'").stderr).toBe('');
      } finally {
        const rerun = applyCustomer(server, ACME.customer, ACME.password);
        expect(rerun.ok).toBe(true);
        expect(rerun.stderr).toMatch(/WARNING: {2}revoked role pg_execute_server_program from customer role acme_admin/);
        expect(rerun.stderr).toMatch(/WARNING: {2}revoked role pg_signal_backend from customer role acme_admin/);
      }
      expect(asAcme("COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'").stderr).toMatch(/pg_execute_server_program/);
    });
  });

  describe('what the admin can still do', () => {
    test('creates a schema and a table, and works with its data', () => {
      const result = asAcme('CREATE SCHEMA metrics; CREATE TABLE metrics.readings (at timestamptz NOT NULL, value double precision); ' +
        'INSERT INTO metrics.readings VALUES (now(), 42); SELECT value FROM metrics.readings');
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe('42');
    });

    test(`creates roles only where CREATEROLE is safe (server_version_num >= ${CustomerAccess.CREATEROLE_MIN_SERVER_VERSION})`, () => {
      const canCreateRoles = serverVersion >= CustomerAccess.CREATEROLE_MIN_SERVER_VERSION;
      expect(server.mustAdmin("SELECT rolcreaterole FROM pg_roles WHERE rolname = 'acme_admin'")).toBe(canCreateRoles ? 't' : 'f');
      const result = asAcme("CREATE ROLE acme_reader LOGIN PASSWORD 'acme-Reader-31'");
      if (canCreateRoles) {
        // PostgreSQL 16+: the new role is the admin's to admit; the server roles are still not its to grant.
        expect(result.stderr).toBe('');
        expect(asAcme('GRANT acme_login TO acme_reader').stderr).toBe('');
        expect(asAcme('GRANT pg_execute_server_program TO acme_reader').stderr)
          .toMatch(/permission denied to grant role "pg_execute_server_program"/);
        expect(server.connect({ sslmode: 'require', user: 'acme_reader', password: 'acme-Reader-31', dbname: 'acme' }).stdout.trim())
          .toBe('acme_reader TLSv1.3');
      } else {
        // PostgreSQL 15 and earlier: CREATEROLE could grant pg_execute_server_program, so the admin has none.
        expect(result.ok).toBe(false);
        expect(result.stderr).toMatch(/permission denied to create role/);
        expect(server.mustAdmin("SELECT count(*) FROM pg_roles WHERE rolname = 'acme_reader'")).toBe('0');
      }
    });
  });

  describe('the customer SQL', () => {
    test('is idempotent: a re-run says nothing and changes nothing', () => {
      const state = () => server.mustAdmin(
        "SELECT string_agg(rolname || ':' || rolcanlogin || ':' || rolcreaterole, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'acme%' " +
        "UNION ALL SELECT string_agg(datname || ':' || pg_get_userbyid(datdba) || ':' || datacl::text, ',') FROM pg_database WHERE datname = 'acme'");
      const before = state();
      const rerun = applyCustomer(server, ACME.customer, ACME.password);
      expect([rerun.ok, rerun.stderr]).toEqual([true, '']);
      expect(state()).toBe(before);
      // PUBLIC holds nothing on the database; the owner everything; the login group CONNECT (c) and TEMPORARY (T).
      expect(before).toContain('acme:acme_admin:{acme_admin=CTc/acme_admin,acme_login=Tc/acme_admin}');
    });

    test('keeps the admin password out of the server log, even with log_statement = all', () => {
      expect(server.mustAdmin('SHOW log_statement')).toBe('all');
      const log = server.log();
      expect(log).toMatch(/AUDIT: SESSION,\d+,\d+,ROLE,ALTER ROLE,,,ALTER ROLE acme_admin LOGIN NOSUPERUSER/);
      expect(log).not.toContain(ACME.password);
      expect(log).not.toContain(GLOBEX.password);
    });

    test('refuses to take over a role of that name that it did not create, and creates nothing', () => {
      server.mustAdmin("CREATE ROLE initech_admin LOGIN PASSWORD 'squatter-Pass-1'");
      const result = applyCustomer(server, 'initech', 'initech-Admin-1');
      expect(result.ok).toBe(false);
      expect(result.stderr).toMatch(/role initech_admin exists but was not created for customer initech: refusing to take it over/);
      expect(server.mustAdmin("SELECT string_agg(rolname, ',') FROM pg_roles WHERE rolname LIKE 'initech%'")).toBe('initech_admin');
      expect(server.mustAdmin("SELECT count(*) FROM pg_database WHERE datname = 'initech'")).toBe('0');
    });

    test('refuses to take over a database of that name owned by someone else', () => {
      server.mustAdmin('CREATE DATABASE hooli');
      const result = applyCustomer(server, 'hooli', 'hooli-Admin-1');
      expect(result.ok).toBe(false);
      expect(result.stderr).toMatch(/a database of customer hooli exists and is owned by postgres, not hooli_admin: refusing to take it over/);
      expect(server.mustAdmin("SELECT pg_get_userbyid(datdba), datacl IS NULL FROM pg_database WHERE datname = 'hooli'")).toBe('postgres|t');
    });

    test('refuses a membership that reaches the superuser through another role, and changes nothing', () => {
      server.mustAdmin('CREATE ROLE middleman NOLOGIN; GRANT postgres TO middleman; GRANT middleman TO acme_login');
      try {
        const result = applyCustomer(server, ACME.customer, 'a-New-Password-9');
        expect(result.ok).toBe(false);
        expect(result.stderr).toMatch(/customer acme would hold server powers through role membership \(acme_admin reaches postgres, acme_login reaches postgres\)/);
        // The password was not changed: the transaction rolled back.
        expect(asAcme().stdout.trim()).toBe('acme_admin TLSv1.3');
      } finally {
        server.mustAdmin('REVOKE middleman FROM acme_login; DROP ROLE middleman');
      }
      expect(applyCustomer(server, ACME.customer, ACME.password).ok).toBe(true);
    });

    test('creates and opens every database of a customer with several databases', () => {
      const sql = CustomerAccess.renderSql({ customer: 'umbrella', databases: ['umbrella', 'umbrella_reports'] });
      expect(sql).toContain('umbrella_reports');
      const result = runAsSuperuser(server, 'customer-umbrella', sql, { admin_password: 'umbrella-Admin-1' });
      expect([result.ok, result.stderr]).toEqual([true, '']);
      expect(server.mustAdmin(
        "SELECT string_agg(datname || ':' || pg_get_userbyid(datdba) || ':' || has_database_privilege('umbrella_login', oid, 'CONNECT'), ',' " +
        "ORDER BY datname) FROM pg_database WHERE datname LIKE 'umbrella%'")).toBe('umbrella:umbrella_admin:true,umbrella_reports:umbrella_admin:true');
    });
  });
});
