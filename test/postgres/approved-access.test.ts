import { Duration, Lazy } from 'aws-cdk-lib';
import { ApprovedAccess, OperatorAccessApproval } from '../../lib/postgres';

const NOW = new Date('2025-06-01T12:00:00Z');
const APPROVAL: OperatorAccessApproval = {
  operator: 'jdoe', reason: "Customer's nightly import is slow", ticket: 'CASE-4711', expires: '2025-06-03T18:00:00Z',
};
const render = (approval?: Partial<OperatorAccessApproval>, now = NOW) =>
  ApprovedAccess.renderSql({ approval: approval && { ...APPROVAL, ...approval }, now });

describe('ApprovedAccess.renderSql with an approval', () => {
  const sql = render({});

  test('creates a login role with an expiry and a password read from a psql variable', () => {
    expect(sql).toContain("ALTER ROLE approved_jdoe LOGIN VALID UNTIL '2025-06-03T18:00:00.000Z';");
    expect(sql).toContain("ALTER ROLE approved_jdoe PASSWORD :'operator_password';");
    expect(sql).toContain('\\if :{?operator_password}');
  });

  test('logs every statement of the role with pgaudit', () => {
    expect(sql).toContain("ALTER ROLE approved_jdoe SET pgaudit.log = 'all';");
  });

  test('records who, why, the ticket and the expiry, with quotes escaped', () => {
    expect(sql).toContain("COMMENT ON ROLE approved_jdoe IS 'Customer-approved operator access: operator=jdoe; ticket=CASE-4711; " +
      "expires=2025-06-03T18:00:00.000Z; reason=Customer''s nightly import is slow';");
  });

  test('grants read-only roles by default and no superuser powers', () => {
    expect(sql).toContain('GRANT pg_read_all_data, pg_monitor TO approved_jdoe;');
    expect(sql).toContain('ALTER ROLE approved_jdoe NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;');
  });

  test('removes every other approved role and keeps the password out of the logs', () => {
    expect(sql).toContain(`WHERE g.rolname = '${ApprovedAccess.OPERATOR_GROUP}' AND m.rolname <> 'approved_jdoe'`);
    const passwordAt = sql.indexOf("PASSWORD :'operator_password'");
    for (const guard of ["SET LOCAL log_statement = 'none';", "SET LOCAL pgaudit.log = 'none';", "SET LOCAL log_min_error_statement = 'panic';"]) {
      expect(sql.indexOf(guard)).toBeGreaterThan(0);
      expect(sql.indexOf(guard)).toBeLessThan(passwordAt);
    }
  });

  test('refuses in the SQL itself a granted role that reaches a powerful or forbidden role through membership', () => {
    const grantsAt = sql.indexOf('GRANT pg_read_all_data, pg_monitor TO approved_jdoe;');
    const checkAt = sql.indexOf('WITH RECURSIVE closure(granted_oid, role_oid)');
    expect(grantsAt).toBeGreaterThan(0);
    expect(checkAt).toBeGreaterThan(grantsAt);
    // Inside the transaction, before the role can log in: a refusal rolls everything back.
    expect(checkAt).toBeGreaterThan(sql.indexOf('BEGIN;'));
    expect(checkAt).toBeLessThan(sql.indexOf('ALTER ROLE approved_jdoe LOGIN'));
    expect(sql).toContain("SELECT a.roleid, a.roleid FROM pg_catalog.pg_auth_members a WHERE a.member = 'approved_jdoe'::regrole");
    expect(sql).toContain('SELECT c.granted_oid, a.roleid FROM closure c JOIN pg_catalog.pg_auth_members a ON a.member = c.role_oid');
    expect(sql).toContain('WHERE r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolreplication');
    expect(sql).toContain(`OR r.rolname IN ('postgres', ${ApprovedAccess.FORBIDDEN_ROLES.map((role) => `'${role}'`).join(', ')});`);
    expect(sql).toContain("RAISE EXCEPTION 'approval for operator jdoe refused, nothing changed: %', offending;");
  });

  test('adds the forbidden roles given to the synth check and to the SQL check', () => {
    const custom = ApprovedAccess.renderSql({ approval: APPROVAL, now: NOW, forbiddenRoles: ['acme_admin', 'acme_login'] });
    expect(custom).toMatch(/OR r\.rolname IN \([^)]*'pg_maintain', 'acme_admin', 'acme_login'\);/);
    expect(() => ApprovedAccess.renderSql({ approval: { ...APPROVAL, grantedRoles: ['acme_login'] }, now: NOW, forbiddenRoles: ['acme_login'] }))
      .toThrow(/grantedRoles contains "acme_login", which is not accepted.*never postgres, approved_operator_access, .*acme_login/);
  });

  test('ends idle sessions after 15 minutes by default, or after the idle timeout given', () => {
    expect(sql).toContain("ALTER ROLE approved_jdoe SET idle_session_timeout = '900s';");
    expect(sql).toContain("ALTER ROLE approved_jdoe SET idle_in_transaction_session_timeout = '900s';");
    const custom = ApprovedAccess.renderSql({ approval: APPROVAL, now: NOW, idleTimeout: Duration.minutes(5) });
    expect(custom).toContain("ALTER ROLE approved_jdoe SET idle_session_timeout = '300s';");
    expect(custom).toContain("ALTER ROLE approved_jdoe SET idle_in_transaction_session_timeout = '300s';");
  });

  test('lets the group connect to the approved databases only, taking CONNECT back everywhere else', () => {
    const custom = render({ databases: ['acme', 'acme_reports'] });
    expect(custom).toContain("    WHERE EXISTS (SELECT FROM pg_catalog.aclexplode(d.datacl) acl WHERE acl.grantee = 'approved_operator_access'::regrole)\n" +
      "      AND d.datname <> ALL (ARRAY['acme', 'acme_reports']::name[])");
    expect(custom).toContain("EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', database_name, 'approved_operator_access');");
    for (const database of ['acme', 'acme_reports']) {
      expect(custom).toContain(`  IF EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = '${database}') THEN\n` +
        `    GRANT CONNECT ON DATABASE ${database} TO approved_operator_access;\n  ELSE\n    RAISE WARNING 'database ${database} does not exist yet`);
    }
    expect(custom).toContain('databases=acme,acme_reports; reason=');
    // Without databases, and without an approval, CONNECT is taken back from every database.
    for (const none of [sql, ApprovedAccess.renderSql({ now: NOW })]) {
      expect(none).toContain('-- CONNECT follows the approval: no database beyond those open to PUBLIC.');
      expect(none).not.toContain('GRANT CONNECT');
      expect(none).not.toContain('d.datname <> ALL');
    }
  });

  test('uses the chosen password variable and granted roles', () => {
    const custom = ApprovedAccess.renderSql({ approval: { ...APPROVAL, grantedRoles: ['app_reader'] }, now: NOW, passwordVariable: 'pw' });
    expect(custom).toContain("PASSWORD :'pw'");
    expect(custom).toContain('GRANT app_reader TO approved_jdoe;');
  });

  test('accepts an expiry with an offset and exactly 30 days ahead', () => {
    expect(render({ expires: '2025-07-01T14:00:00+02:00' })).toContain("VALID UNTIL '2025-07-01T12:00:00.000Z'");
  });

  test('names the role approved_<operator>', () => {
    expect(ApprovedAccess.roleName('jdoe')).toBe('approved_jdoe');
  });

  test('is stable text', () => {
    expect(sql).toMatchSnapshot();
  });
});

describe('ApprovedAccess.renderSql without an approval', () => {
  const sql = ApprovedAccess.renderSql({ now: NOW });

  test('disables and drops every approved operator role and creates none', () => {
    expect(sql).toContain(`WHERE g.rolname = '${ApprovedAccess.OPERATOR_GROUP}'\n`);
    expect(sql).toContain("ALTER ROLE %I NOLOGIN PASSWORD NULL VALID UNTIL %L', member_name, '-infinity'");
    expect(sql).toContain("EXECUTE format('DROP ROLE %I', member_name);");
    expect(sql).not.toMatch(/ LOGIN /);
    expect(sql).not.toContain('PASSWORD :');
  });
});

describe('ApprovedAccess.renderSql refuses bad input', () => {
  test.each([
    [{ expires: '2025-06-01T11:59:59Z' }, /OperatorAccessApproval\.expires is in the past: got '2025-06-01T11:59:59Z', now is 2025-06-01T12:00:00\.000Z\. An expired approval cannot be deployed: remove the approval/],
    [{ expires: '2025-07-01T12:00:01Z' }, /OperatorAccessApproval\.expires is more than 30 days ahead: got '2025-07-01T12:00:01Z', the latest accepted is 2025-07-01T12:00:00\.000Z/],
    [{ expires: '2025-06-03' }, /expires must be an ISO 8601 date and time with a time zone, e.g\. '2025-07-01T18:00:00Z'.*got "2025-06-03"/],
    [{ expires: '2025-06-03T18:00:00' }, /with a time zone.*got "2025-06-03T18:00:00"/],
    [{ expires: '2025-02-30T18:00:00Z' }, /ISO 8601 date and time.*got "2025-02-30T18:00:00Z"/],
    [{ operator: 'J.Doe' }, /OperatorAccessApproval\.operator must be a short login name of lower-case letters.*got "J\.Doe"/],
    [{ operator: 'jdoe; DROP ROLE postgres' }, /operator must be a short login name/],
    [{ operator: 'a'.repeat(55) }, /at most 54 characters/],
    [{ reason: '' }, /OperatorAccessApproval\.reason must say why the customer approved the access/],
    [{ reason: 'line one\nline two' }, /without line breaks/],
    [{ ticket: 'CASE 4711' }, /OperatorAccessApproval\.ticket must be the reference of the customer's request.*got "CASE 4711"/],
    [{ grantedRoles: ['pg_execute_server_program'] }, /grantedRoles contains "pg_execute_server_program", which is not accepted/],
    [{ grantedRoles: ['postgres'] }, /grantedRoles contains "postgres"/],
    ...['pg_read_server_files', 'pg_write_server_files', 'pg_write_all_data', 'pg_signal_backend', 'pg_create_subscription', 'pg_checkpoint',
      'pg_maintain', ApprovedAccess.OPERATOR_GROUP].map((role): [Partial<OperatorAccessApproval>, RegExp] => [{ grantedRoles: ['pg_monitor', role] }, new RegExp(`grantedRoles contains "${role}"`)]),
    [{ grantedRoles: ['approved_other'] }, /or another approved role/],
    [{ operator: Lazy.string({ produce: () => 'jdoe' }) }, /OperatorAccessApproval\.operator must be written in the app, not a token/],
    [{ databases: ['Acme DB'] }, /OperatorAccessApproval\.databases must list database names written in the app.*got \["Acme DB"\]\. Example: \['acme'\]/],
  ])('fails for %j', (approval, message) => {
    expect(() => render(approval)).toThrow(message);
  });

  test.each([
    [{ forbiddenRoles: ['Acme Admin'] }, /ApprovedAccessSqlOptions\.forbiddenRoles contains "Acme Admin", which is not a role name/],
    [{ forbiddenRoles: Lazy.list({ produce: () => ['acme_admin'] }) }, /forbiddenRoles must be a list of role names written in the app/],
    [{ idleTimeout: Duration.millis(1500) }, /idleTimeout must be whole seconds from 1 second to 24 hours; got 1 second 500 millis/],
    [{ idleTimeout: Duration.hours(25) }, /idleTimeout must be whole seconds from 1 second to 24 hours; got 1 day 1 hour/],
    [{ idleTimeout: Duration.minutes(Lazy.number({ produce: () => 5 })) }, /idleTimeout must be a Duration written in the app/],
  ])('fails for the options %j', (options, message) => {
    expect(() => ApprovedAccess.renderSql({ approval: APPROVAL, now: NOW, ...options } as never)).toThrow(message);
  });

  test('fails for an invalid now and password variable', () => {
    expect(() => ApprovedAccess.renderSql({ now: new Date('nope') })).toThrow(/ApprovedAccessSqlOptions\.now must be a valid Date/);
    expect(() => ApprovedAccess.renderSql({ passwordVariable: 'pw; \\! rm' })).toThrow(/passwordVariable must be a psql variable name/);
  });
});

describe('ApprovedAccess.renderExpirySql', () => {
  const sql = ApprovedAccess.renderExpirySql();

  test('disables, then terminates, every member of the group whose end has passed or is missing', () => {
    const disableAt = sql.indexOf("EXECUTE format('ALTER ROLE %I NOLOGIN', ended.rolname);");
    const terminateAt = sql.indexOf('pg_catalog.pg_terminate_backend(ended.pid)');
    expect(disableAt).toBeGreaterThan(0);
    // Two statements: the NOLOGIN is committed before any session is ended.
    expect(sql.slice(disableAt, terminateAt)).toMatch(/END \$\$;\n[\s\S]*DO \$\$/);
    expect(sql.match(/WHERE g\.rolname = 'approved_operator_access' AND [^\n]*rolvaliduntil IS NULL OR m\.rolvaliduntil <= now\(\)/g))
      .toHaveLength(2);
    expect(sql).toContain('JOIN pg_catalog.pg_stat_activity s ON s.usesysid = m.oid');
  });

  test('holds no secrets and no transaction of its own', () => {
    expect(sql).not.toMatch(/PASSWORD|:'|BEGIN;/);
    expect(sql).toContain('\\set ON_ERROR_STOP on');
  });

  test('is stable text', () => {
    expect(sql).toMatchSnapshot();
  });
});

describe('ApprovedAccess.pgHbaAccess', () => {
  test('admits members of the approved operator group from the networks given', () => {
    expect(ApprovedAccess.pgHbaAccess(['10.0.0.10/32'])).toEqual({
      networks: ['10.0.0.10/32'], databases: ['all'], users: ['+approved_operator_access'],
    });
    expect(ApprovedAccess.pgHbaAccess(['10.0.0.10/32'], ['acme']).databases).toEqual(['acme']);
  });
});
