/**
 * Operators are kept out of customer data (G8), on a real PostgreSQL server with pgaudit loaded
 * from the rendered settings: no operator role without an approval, every statement of an
 * approved operator role in the log with its text, and no login after expiry.
 */
import { PostgresTestServer } from './support/pg-server';
import { ApprovedAccess, AuditSettings, PgHba, TlsSettings } from '../../lib/postgres';

const DAY = 24 * 60 * 60 * 1000;
const OPERATOR_PASSWORD = 'op-Pass-7f3c91e2';
const APPROVAL = { operator: 'jdoe', reason: 'Customer asked us to find why the nightly import is slow', ticket: 'CASE-4711' };

describe('approved operator access on a real PostgreSQL server with pgaudit', () => {
  let server: PostgresTestServer;

  beforeAll(async () => {
    server = await PostgresTestServer.start((starting) => ({
      // A host that logs every statement: the operator password must still stay out of the log.
      baseSettings: ["log_statement = 'all'"],
      hba: PgHba.render({ allowedNetworks: ['127.0.0.1/32'] }),
      fragments: [
        // The host's base fragment preloads its own library; the audit fragment, read later, must keep it and add pgaudit.
        { name: '00-base.conf', content: AuditSettings.renderSharedPreloadLibraries(['pg_stat_statements']) + '\n' },
        { name: '10-tls.conf', content: TlsSettings.render(starting) },
        { name: '90-audit.conf', content: AuditSettings.render({ sharedPreloadLibraries: ['pg_stat_statements'] }) },
      ],
    }));
    server.mustAdmin("CREATE TABLE customer_data (id int PRIMARY KEY, secret text); INSERT INTO customer_data VALUES (42, 'the answer')");
    server.mustAdmin("CREATE ROLE app LOGIN PASSWORD 'app-Pass-1'; GRANT SELECT ON customer_data TO app");
  });

  afterAll(() => server?.stop());

  /** Runs the rendered approval SQL as the superuser over the local socket, the way the host bootstrap does. */
  function apply(sql: string, password?: string) {
    const file = server.writeFile(`approved-access-${Date.now()}-${Math.random().toString(36).slice(2)}.sql`, sql);
    return server.adminRun({ file, variables: password === undefined ? {} : { operator_password: password } });
  }

  const asOperator = (sql?: string, operator = 'jdoe') =>
    server.connect({ sslmode: 'require', user: ApprovedAccess.roleName(operator), password: OPERATOR_PASSWORD, sql });

  function approvedRoles(): string[] {
    const out = server.mustAdmin("SELECT string_agg(rolname || ':' || rolcanlogin, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'approved\\_%'");
    return out === '' ? [] : out.split(',');
  }

  test('pgaudit is loaded: the audit fragment keeps the base fragment\'s preload list and adds pgaudit', () => {
    expect(server.mustAdmin('SHOW shared_preload_libraries')).toBe('pg_stat_statements,pgaudit');
    expect(server.mustAdmin('SHOW pgaudit.log')).toBe('ddl, role');
    expect(server.mustAdmin('SHOW log_connections')).toBe('on');
  });

  test('without an approval no operator role can log in', () => {
    const result = apply(ApprovedAccess.renderSql());
    expect(result.stderr).toBe('');
    expect(approvedRoles()).toEqual(['approved_operator_access:false']);
    const login = asOperator();
    expect(login.ok).toBe(false);
    expect(login.stderr).toMatch(/password authentication failed for user "approved_jdoe"/);
  });

  test('the approval SQL refuses to run without the password variable', () => {
    const result = apply(ApprovedAccess.renderSql({ approval: { ...APPROVAL, expires: new Date(Date.now() + DAY).toISOString() } }));
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/psql variable operator_password is not set/);
    expect(approvedRoles()).toEqual(['approved_operator_access:false']);
  });

  describe('with an approval', () => {
    const expires = new Date(Date.now() + 2 * DAY);
    let logBefore: number;

    beforeAll(() => {
      logBefore = server.log().length;
      const result = apply(ApprovedAccess.renderSql({ approval: { ...APPROVAL, expires: expires.toISOString() } }), OPERATOR_PASSWORD);
      if (!result.ok) {
        throw new Error(result.stderr);
      }
    });

    test('the operator role exists with a SCRAM password, an expiry and a record of who, why and which ticket', () => {
      expect(approvedRoles()).toEqual(['approved_jdoe:true', 'approved_operator_access:false']);
      const row = server.mustAdmin(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolvaliduntil = '" + expires.toISOString() + "'::timestamptz, " +
        "left(rolpassword, 14), shobj_description(oid, 'pg_authid') FROM pg_authid WHERE rolname = 'approved_jdoe'");
      expect(row).toBe('f|f|f|f|t|SCRAM-SHA-256$|Customer-approved operator access: operator=jdoe; ticket=CASE-4711; ' +
        `expires=${expires.toISOString()}; reason=Customer asked us to find why the nightly import is slow`);
    });

    test('a statement run by the approved operator role appears in the server log with its text', () => {
      const before = server.log().length;
      const result = asOperator('SELECT secret FROM customer_data WHERE id = 42');
      expect(result.stderr).toBe('');
      expect(result.stdout.trim()).toBe('the answer');
      const log = server.log().slice(before);
      expect(log).toMatch(
        /user=approved_jdoe db=postgres app=cdk-timescale-test client=127\.0\.0\.1 session=\S+ LOG:  AUDIT: SESSION,\d+,\d+,READ,SELECT,TABLE,public\.customer_data,SELECT secret FROM customer_data WHERE id = 42,<not logged>/);
      expect(log).toMatch(/user=approved_jdoe db=postgres .*LOG:  connection authorized: user=approved_jdoe database=postgres.*SSL enabled/);
    });

    test('a write by the approved operator role is refused (read-only grant) and its text is in the log', () => {
      const before = server.log().length;
      const result = asOperator("UPDATE customer_data SET secret = 'x' WHERE id = 42");
      expect(result.stderr).toMatch(/permission denied for table customer_data/);
      expect(server.log().slice(before)).toMatch(
        /user=approved_jdoe .*ERROR:  permission denied for table customer_data\n.*user=approved_jdoe .*STATEMENT:  UPDATE customer_data SET secret = 'x' WHERE id = 42/);
    });

    test('the approved operator role cannot switch its audit logging off', () => {
      const result = asOperator("SET pgaudit.log = 'none'");
      expect(result.ok).toBe(false);
      expect(result.stderr).toMatch(/permission denied to set parameter "pgaudit\.log"/);
    });

    test('a customer role\'s queries are not logged, its DDL is', () => {
      const before = server.log().length;
      server.connect({ sslmode: 'require', user: 'app', password: 'app-Pass-1', sql: 'SELECT secret FROM customer_data' });
      server.mustAdmin('CREATE TABLE audited_ddl (id int)');
      const log = server.log().slice(before);
      expect(log).not.toMatch(/AUDIT: .*SELECT secret FROM customer_data/);
      expect(log).toMatch(/user=postgres .*AUDIT: SESSION,\d+,\d+,DDL,CREATE TABLE,[^,]*,[^,]*,CREATE TABLE audited_ddl \(id int\)/);
    });

    test('the operator password never reaches the server log, even with log_statement = all', () => {
      expect(server.mustAdmin('SHOW log_statement')).toBe('all');
      const log = server.log().slice(logBefore);
      // The approval itself is audited, up to the expiry; only the password statement is not logged.
      expect(log).toMatch(/AUDIT: SESSION,\d+,\d+,ROLE,ALTER ROLE,,,ALTER ROLE approved_jdoe LOGIN VALID UNTIL '[^']+';/);
      expect(log).not.toContain(OPERATOR_PASSWORD);
    });

    test('a redeploy without the approval disables and drops the operator role', () => {
      expect(asOperator().ok).toBe(true);
      const result = apply(ApprovedAccess.renderSql());
      expect(result.stderr).toBe('');
      expect(approvedRoles()).toEqual(['approved_operator_access:false']);
      expect(asOperator().stderr).toMatch(/password authentication failed for user "approved_jdoe"/);
    });
  });

  test('after expiry the role can no longer log in', () => {
    // Rendered as if approved a day ago, with an expiry that has just passed.
    const now = new Date(Date.now() - DAY);
    const expires = new Date(Date.now() - 60_000).toISOString();
    const result = apply(ApprovedAccess.renderSql({ approval: { ...APPROVAL, operator: 'late', expires }, now }), OPERATOR_PASSWORD);
    expect(result.stderr).toBe('');
    expect(approvedRoles()).toEqual(['approved_late:true', 'approved_operator_access:false']);
    const before = server.log().length;
    const login = asOperator(undefined, 'late');
    expect(login.ok).toBe(false);
    expect(login.stderr).toMatch(/password authentication failed for user "approved_late"/);
    expect(server.log().slice(before)).toMatch(/User "approved_late" has an expired password/);
  });

  test('an approval for a name that belongs to a role the library did not create is refused', () => {
    server.mustAdmin("CREATE ROLE approved_mallory LOGIN PASSWORD 'mallory-Pass-1'");
    const expires = new Date(Date.now() + DAY).toISOString();
    const result = apply(ApprovedAccess.renderSql({ approval: { ...APPROVAL, operator: 'mallory', expires } }), OPERATOR_PASSWORD);
    expect(result.ok).toBe(false);
    expect(result.stderr).toMatch(/role approved_mallory exists but is not an approved operator role: refusing to take it over/);
    // Nothing changed: the earlier approval (late) is still in place, the transaction rolled back.
    expect(approvedRoles()).toEqual(['approved_late:true', 'approved_mallory:true', 'approved_operator_access:false']);
  });
});
