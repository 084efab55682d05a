import { Lazy } from 'aws-cdk-lib';
import { CustomerAccess } from '../../lib/postgres';

describe('CustomerAccess.roleNames', () => {
  test('names the admin role, the login group and one database after the customer', () => {
    expect(CustomerAccess.roleNames('acme')).toEqual({ customer: 'acme', adminRole: 'acme_admin', loginGroup: 'acme_login', databases: ['acme'] });
    expect(CustomerAccess.roleNames('acme', ['acme_prod', 'acme_reports']).databases).toEqual(['acme_prod', 'acme_reports']);
  });

  test('gives the pg_hba access group: the customer\'s networks, its databases, members of its login group', () => {
    expect(CustomerAccess.pgHbaAccess('acme', ['10.20.0.0/16'])).toEqual({ networks: ['10.20.0.0/16'], databases: ['acme'], users: ['+acme_login'] });
    expect(CustomerAccess.pgHbaAccess('globex', ['fd00::/56'], ['metrics'])).toEqual({
      networks: ['fd00::/56'], databases: ['metrics'], users: ['+globex_login'],
    });
  });
});

describe('CustomerAccess.renderSql', () => {
  const sql = CustomerAccess.renderSql({ customer: 'acme' });
  const statements = sql.split('\n');

  test('refuses to run without the password variable, and reads the password only from it', () => {
    expect(sql.indexOf('\\if :{?admin_password}')).toBeLessThan(sql.indexOf('BEGIN;'));
    expect(sql).toContain("RAISE EXCEPTION 'psql variable admin_password is not set");
    expect(sql).toContain("ALTER ROLE acme_admin PASSWORD :'admin_password';");
    expect(CustomerAccess.renderSql({ customer: 'acme', passwordVariable: 'acme_pw' })).toContain("ALTER ROLE acme_admin PASSWORD :'acme_pw';");
  });

  test('creates the login group and the admin role when missing, and refuses to take over a role it did not create', () => {
    expect(sql).toContain("FOREACH role_name IN ARRAY ARRAY['acme_login', 'acme_admin']::name[] LOOP");
    expect(sql).toContain("EXECUTE format('CREATE ROLE %I NOLOGIN', role_name);");
    expect(sql).toContain(`EXECUTE format('GRANT %I TO %I', '${CustomerAccess.ROLE_MARKER}', role_name);`);
    expect(sql).toContain("RAISE EXCEPTION 'role % exists but was not created for customer acme: refusing to take it over', role_name;");
  });

  test('makes the admin a login role without superuser powers, and the login group a NOLOGIN role', () => {
    expect(statements).toContain('ALTER ROLE acme_admin LOGIN NOSUPERUSER NOCREATEDB NOREPLICATION NOBYPASSRLS INHERIT;');
    expect(statements).toContain('ALTER ROLE acme_login NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;');
    expect(statements).toContain('GRANT acme_login TO acme_admin WITH ADMIN OPTION;');
    expect(sql).not.toMatch(/\bSUPERUSER;|\bBYPASSRLS;|\bREPLICATION;|\bCREATEDB;/);
  });

  test('gives CREATEROLE only on PostgreSQL 16 and later', () => {
    expect(sql).toContain([
      "  IF current_setting('server_version_num')::int >= 160000 THEN",
      '    ALTER ROLE acme_admin CREATEROLE;',
      '  ELSE',
      '    ALTER ROLE acme_admin NOCREATEROLE;',
      '  END IF;',
    ].join('\n'));
    expect(sql.match(/ CREATEROLE;/g)).toHaveLength(1);
  });

  test('revokes the server file, program and signal roles, and refuses memberships that still reach server powers', () => {
    expect(CustomerAccess.REVOKED_ROLES).toEqual(['pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program', 'pg_signal_backend']);
    expect(sql).toContain("WHERE m.rolname IN ('acme_admin', 'acme_login')\n      AND (g.rolname IN ('pg_read_server_files', " +
      "'pg_write_server_files', 'pg_execute_server_program', 'pg_signal_backend') OR g.rolsuper OR g.rolreplication OR g.rolbypassrls)");
    expect(sql).toContain("EXECUTE format('REVOKE %I FROM %I CASCADE', grant_row.granted, grant_row.member);");
    expect(sql).toContain('SELECT c.member_name, a.roleid FROM closure c JOIN pg_catalog.pg_auth_members a ON a.member = c.role_oid');
    expect(sql).toContain("RAISE EXCEPTION 'customer acme would hold server powers through role membership (%): revoke those memberships'");
  });

  test('keeps the password out of the logs', () => {
    const passwordAt = sql.indexOf("PASSWORD :'admin_password'");
    for (const guard of ["SET LOCAL log_statement = 'none';", "SET LOCAL pgaudit.log = 'none';", "SET LOCAL log_min_error_statement = 'panic';",
      'SET LOCAL log_min_duration_statement = -1;']) {
      expect(sql.indexOf(guard)).toBeGreaterThan(sql.indexOf('BEGIN;'));
      expect(sql.indexOf(guard)).toBeLessThan(passwordAt);
    }
    // The SET LOCALs end with the transaction that sets the password.
    expect(sql.indexOf('COMMIT;', passwordAt)).toBe(passwordAt + "PASSWORD :'admin_password';\n".length);
  });

  test('creates each database outside a transaction, owned by the admin, only when missing', () => {
    const sqlFor = CustomerAccess.renderSql({ customer: 'acme', databases: ['acme', 'acme_reports'] });
    for (const database of ['acme', 'acme_reports']) {
      expect(sqlFor).toContain(`SELECT format('CREATE DATABASE %I OWNER %I', '${database}', 'acme_admin')\n` +
        `  WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = '${database}') \\gexec`);
      expect(sqlFor).toContain(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC;\nGRANT CONNECT, TEMPORARY ON DATABASE ${database} TO acme_login;`);
    }
    const createAt = sqlFor.indexOf('CREATE DATABASE');
    expect(sqlFor.lastIndexOf('COMMIT;', createAt)).toBeGreaterThan(sqlFor.lastIndexOf('BEGIN;', createAt));
    expect(sqlFor).toContain("RAISE EXCEPTION 'a database of customer acme exists and is owned by %, not acme_admin: refusing to take it over'");
  });

  test('never grants a language, ALTER SYSTEM or a server role', () => {
    expect(sql).not.toMatch(/ON LANGUAGE|ALTER SYSTEM|GRANT pg_/);
  });

  test('is stable text', () => {
    expect(sql).toMatchSnapshot();
  });
});

describe('CustomerAccess.renderSql refuses bad input', () => {
  test.each([
    [{ customer: 'Acme' }, /CustomerAccessSqlOptions\.customer must be a customer identifier: a lower-case letter, then lower-case letters, digits and _, at most 40 characters; got "Acme"\. Example: 'acme'/],
    [{ customer: '1acme' }, /customer must be a customer identifier.*got "1acme"/],
    [{ customer: 'a'.repeat(41) }, /at most 40 characters/],
    [{ customer: 'acme; DROP ROLE postgres' }, /customer must be a customer identifier/],
    [{ customer: 'pg_acme' }, /'pg_acme' would make role names that start with pg_ \(reserved by PostgreSQL\) or approved_/],
    [{ customer: 'pg' }, /'pg' would make role names that start with pg_/],
    [{ customer: 'approved' }, /'approved' would make role names that start with pg_ \(reserved by PostgreSQL\) or approved_ \(approved operator roles\)/],
    [{ customer: 'approved_x' }, /'approved_x' would make role names/],
    [{ customer: Lazy.string({ produce: () => 'acme' }) }, /CustomerAccessSqlOptions\.customer must be written in the app, not a token/],
    [{ customer: 'acme', databases: [] }, /CustomerAccessSqlOptions\.databases must list at least one database name written in the app; got \[\]/],
    [{ customer: 'acme', databases: ['postgres'] }, /databases contains "postgres", which is not accepted.*never postgres, template0 or template1/],
    [{ customer: 'acme', databases: ['template1'] }, /databases contains "template1"/],
    [{ customer: 'acme', databases: ['Acme DB'] }, /databases contains "Acme DB", which is not accepted\. A customer database is a lower-case identifier/],
    [{ customer: 'acme', databases: ['acme', 'acme'] }, /databases lists a database twice; got \["acme","acme"\]/],
    [{ customer: 'acme', passwordVariable: 'pw; \\! rm' }, /CustomerAccessSqlOptions\.passwordVariable must be a psql variable name/],
  ])('fails for %j', (options, message) => {
    expect(() => CustomerAccess.renderSql(options)).toThrow(message);
  });
});
