/**
 * Attack tests of approved operator access on a real PostgreSQL server with the files rendered for
 * two customers and approved operators: a session open at the approval's end does not outlive it
 * once the expiry SQL runs, and an approval that grants superuser powers through role membership is
 * refused by the SQL itself, changing nothing (G8).
 */
import { Duration } from 'aws-cdk-lib';
import { BackgroundClient, CommandResult, PostgresTestServer } from './support/pg-server';
import { ACME, applyCustomer, eventually, exitWithin, globex, OPERATOR_NETWORK, runAsSuperuser, twoCustomerConfig } from './support/two-customers';
import { ApprovedAccess, ApprovedAccessSqlOptions, OperatorAccessApproval } from '../../lib/postgres';

const DAY = 24 * 60 * 60 * 1000;
const OPERATOR_PASSWORD = 'op-Pass-4e8d1b07';
const REQUEST = { reason: 'Customer asked us to look at a slow query', ticket: 'CASE-5150' };
/** How far ahead the short approval ends: long enough to open a session before it on a loaded machine. */
const SHORT_APPROVAL_MS = 6_000;

describe('approved operator access on a real PostgreSQL server', () => {
  let server: PostgresTestServer;
  const background: BackgroundClient[] = [];

  beforeAll(async () => {
    server = await PostgresTestServer.start((starting) => twoCustomerConfig(starting));
    const b = globex(server.hasIpv6);
    for (const [customer, password] of [[ACME.customer, ACME.password], [b.customer, b.password]]) {
      const result = applyCustomer(server, customer, password);
      if (!result.ok) {
        throw new Error(`customer ${customer}: ${result.stderr}`);
      }
    }
    const data = server.connect({
      sslmode: 'require',
      user: ACME.adminRole,
      password: ACME.password,
      dbname: 'acme',
      sql: "CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders VALUES (1, 'anvil')",
    });
    if (!data.ok) {
      throw new Error(data.stderr);
    }
  });

  afterAll(() => {
    background.forEach((client) => client.kill());
    server?.stop();
  });

  function approve(approval: Omit<OperatorAccessApproval, 'reason' | 'ticket'>, options: Omit<ApprovedAccessSqlOptions, 'approval'> = {}): CommandResult {
    const sql = ApprovedAccess.renderSql({
      approval: { ...REQUEST, databases: ACME.databases, ...approval }, forbiddenRoles: [ACME.adminRole, ACME.loginGroup], ...options,
    });
    return runAsSuperuser(server, 'approved-access', sql, { operator_password: OPERATOR_PASSWORD });
  }

  const expire = () => runAsSuperuser(server, 'approved-access-expiry', ApprovedAccess.renderExpirySql());

  const asOperator = (operator: string, sql?: string) => server.connect({
    sslmode: 'require',
    hostaddr: OPERATOR_NETWORK.split('/')[0],
    user: ApprovedAccess.roleName(operator),
    password: OPERATOR_PASSWORD,
    dbname: 'acme',
    sql,
  });

  function openSession(operator: string): BackgroundClient {
    const client = server.connectInBackground({
      sslmode: 'require', user: ApprovedAccess.roleName(operator), password: OPERATOR_PASSWORD, dbname: 'acme', sql: 'SELECT pg_sleep(60)',
    });
    background.push(client);
    return client;
  }

  const sessionsOf = (operator: string) => server.mustAdmin(
    `SELECT count(*) FROM pg_stat_activity WHERE usename = '${ApprovedAccess.roleName(operator)}' AND query = 'SELECT pg_sleep(60)'`);

  function approvedRoles(): string {
    return server.mustAdmin("SELECT coalesce(string_agg(rolname || ':' || rolcanlogin, ',' ORDER BY rolname), '') FROM pg_roles WHERE rolname LIKE 'approved\\_%'");
  }

  describe('the approval\'s end', () => {
    test('the expiry SQL leaves a running approval and its sessions alone', async () => {
      expect(approve({ operator: 'alice', expires: new Date(Date.now() + DAY).toISOString() }).stderr).toBe('');
      const session = openSession('alice');
      try {
        expect(await eventually(() => sessionsOf('alice') === '1', 10_000)).toBe(true);
        const result = expire();
        expect([result.ok, result.stderr]).toEqual([true, '']);
        expect(await exitWithin(session, 1_000)).toBeUndefined();
        expect(sessionsOf('alice')).toBe('1');
        expect(asOperator('alice', 'SELECT item FROM orders').stdout.trim()).toBe('anvil');
      } finally {
        session.kill();
      }
    });

    test('the approval reaches only the approved databases: another customer\'s database refuses CONNECT', () => {
      const result = server.connect({ sslmode: 'require', user: 'approved_alice', password: OPERATOR_PASSWORD, dbname: 'globex' });
      expect(result.ok).toBe(false);
      expect(result.stderr).toMatch(/permission denied for database "globex"/);
    });

    test('the approved role\'s sessions get the idle timeouts', () => {
      expect(asOperator('alice', 'SHOW idle_session_timeout').stdout.trim()).toBe('15min');
      expect(asOperator('alice', 'SHOW idle_in_transaction_session_timeout').stdout.trim()).toBe('15min');
    });

    test('an approved database created later on the same boot does not fail the approval, and is opened on the next run', () => {
      const approval = { operator: 'carol', expires: new Date(Date.now() + DAY).toISOString(), databases: ['acme_later'] };
      const first = approve(approval);
      expect(first.ok).toBe(true);
      expect(first.stderr).toMatch(/database acme_later does not exist yet/);
      server.mustAdmin('CREATE DATABASE acme_later');
      server.mustAdmin('REVOKE ALL ON DATABASE acme_later FROM PUBLIC');
      expect(approve(approval).stderr).toBe('');
      const login = server.connect({ sslmode: 'require', user: 'approved_carol', password: OPERATOR_PASSWORD, dbname: 'acme_later', sql: 'SELECT current_user' });
      expect([login.ok, login.stdout.trim()]).toEqual([true, 'approved_carol']);
    });

    test('a session open before the end is terminated when the expiry SQL runs after it, and no new login works', async () => {
      const approvedAt = new Date();
      const end = new Date(approvedAt.getTime() + SHORT_APPROVAL_MS);
      expect(approve({ operator: 'bob', expires: end.toISOString() }, { now: approvedAt }).stderr).toBe('');
      const session = openSession('bob');
      try {
        expect(await eventually(() => sessionsOf('bob') === '1', SHORT_APPROVAL_MS - 1_000)).toBe(true);
        expect(Date.now()).toBeLessThan(end.getTime()); // the session really was opened before the end

        await new Promise((resolve) => setTimeout(resolve, end.getTime() + 500 - Date.now()));
        // After the end, VALID UNTIL alone has not ended the open session: this is what the expiry SQL is for.
        expect(session.exited()).toBe(false);
        expect(sessionsOf('bob')).toBe('1');

        const expiredAt = Date.now();
        const result = expire();
        expect(result.ok).toBe(true);
        expect(result.stderr).toMatch(/WARNING: {2}approved operator role approved_bob ended at .*: login disabled/);
        expect(result.stderr).toMatch(/WARNING: {2}terminated session \d+ of approved operator role approved_bob: the approval has ended/);

        const ended = await exitWithin(session, 5_000);
        expect(ended).toBeDefined();
        expect(Date.now() - expiredAt).toBeLessThan(5_000);
        expect(ended!.ok).toBe(false);
        expect(ended!.stderr).toMatch(/terminating connection due to administrator command/);
        expect(sessionsOf('bob')).toBe('0');

        const login = asOperator('bob');
        expect(login.ok).toBe(false);
        expect(login.stderr).toMatch(/password authentication failed for user "approved_bob"/);
        expect(server.mustAdmin("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'approved_bob'")).toBe('f');
      } finally {
        session.kill();
      }
    });

    test('the expiry SQL is idempotent: a second run finds nothing to do', () => {
      expect(expire()).toMatchObject({ ok: true, stderr: '' });
    });

    test('an approved role whose end was removed by hand is treated as ended', () => {
      expect(approve({ operator: 'carol', expires: new Date(Date.now() + DAY).toISOString() }).stderr).toBe('');
      server.mustAdmin("ALTER ROLE approved_carol VALID UNTIL 'infinity'; UPDATE pg_authid SET rolvaliduntil = NULL WHERE rolname = 'approved_carol'");
      const result = expire();
      expect(result.stderr).toMatch(/approved operator role approved_carol ended at \(no end set\): login disabled/);
      expect(asOperator('carol').stderr).toMatch(/role "approved_carol" is not permitted to log in/);
    });
  });

  describe('idle sessions', () => {
    test.each([
      ['idle-session', ''],
      ['idle-in-transaction', 'BEGIN;\n'],
    ])('an approved role\'s session left idle is ended by the server (%s timeout)', (kind, begin) => {
      expect(approve({ operator: 'erin', expires: new Date(Date.now() + DAY).toISOString() }, { idleTimeout: Duration.seconds(1) }).stderr).toBe('');
      // psql's \! runs a shell command on the client while the session sits idle on the server.
      const file = server.writeFile(`idle-${kind}.sql`, `${begin}SELECT 'before';\n\\! sleep 2.5\nSELECT 'after';\n`);
      const result = server.connect({ sslmode: 'require', user: 'approved_erin', password: OPERATOR_PASSWORD, dbname: 'acme', file });
      expect(result.stdout).toContain('before');
      expect(result.stdout).not.toContain('after');
      expect(result.stderr).toMatch(new RegExp(`terminating connection due to ${kind} timeout`));
    });
  });

  describe('an approval that grants superuser powers through membership', () => {
    let before: string;

    beforeAll(() => {
      // The approval in place (dave) must survive every refused approval below.
      const result = approve({ operator: 'dave', expires: new Date(Date.now() + DAY).toISOString() });
      if (!result.ok) {
        throw new Error(result.stderr);
      }
      server.mustAdmin([
        'CREATE ROLE sneaky NOLOGIN', 'GRANT postgres TO sneaky',
        'CREATE ROLE level1 NOLOGIN', 'CREATE ROLE level2 NOLOGIN', 'GRANT postgres TO level2', 'GRANT level2 TO level1',
        'CREATE ROLE role_admins NOLOGIN CREATEROLE', 'CREATE ROLE helpdesk NOLOGIN', 'GRANT role_admins TO helpdesk',
        'CREATE ROLE exporters NOLOGIN', 'GRANT pg_execute_server_program TO exporters', 'CREATE ROLE batch NOLOGIN', 'GRANT exporters TO batch',
        'CREATE ROLE acme_viewer NOLOGIN', 'GRANT acme_admin TO acme_viewer',
        'CREATE ROLE reporting NOLOGIN', 'GRANT pg_read_all_data TO reporting',
      ].join('; '));
      before = approvedRoles();
    });

    test.each([
      ['a role granted membership in postgres', ['sneaky'], /sneaky reaches postgres \(SUPERUSER, CREATEROLE, BYPASSRLS, REPLICATION\)/],
      ['a two-level chain to postgres', ['pg_monitor', 'level1'], /level1 reaches postgres \(SUPERUSER, CREATEROLE, BYPASSRLS, REPLICATION\)/],
      ['a chain to a CREATEROLE role', ['helpdesk'], /helpdesk reaches role_admins \(CREATEROLE\)/],
      ['a two-level chain to pg_execute_server_program', ['batch'], /batch reaches pg_execute_server_program/],
      ['a chain to a customer admin role (forbiddenRoles)', ['acme_viewer'], /acme_viewer reaches acme_admin/],
    ])('%s is refused by the SQL and changes nothing', (_what, grantedRoles, message) => {
      const result = approve({ operator: 'mallory', expires: new Date(Date.now() + DAY).toISOString(), grantedRoles });
      expect(result.ok).toBe(false);
      expect(result.stderr).toMatch(/approval for operator mallory refused, nothing changed: /);
      expect(result.stderr).toMatch(message);
      expect(approvedRoles()).toBe(before);
      expect(asOperator('dave', 'SELECT item FROM orders').stdout.trim()).toBe('anvil');
      // The refused operator role was never created, so pg_hba.conf finds it in no group.
      expect(server.mustAdmin("SELECT count(*) FROM pg_roles WHERE rolname = 'approved_mallory'")).toBe('0');
      expect(asOperator('mallory').stderr).toMatch(/no pg_hba\.conf entry for host "127\.0\.0\.1", user "approved_mallory", database "acme"/);
    });

    test('control: a role that reaches only read access is accepted, and replaces the earlier approval', () => {
      expect(before).toBe('approved_dave:true,approved_operator_access:false');
      const result = approve({ operator: 'mallory', expires: new Date(Date.now() + DAY).toISOString(), grantedRoles: ['reporting'] });
      expect([result.ok, result.stderr]).toEqual([true, '']);
      expect(approvedRoles()).toBe('approved_mallory:true,approved_operator_access:false');
      expect(asOperator('mallory', 'SELECT item FROM orders').stdout.trim()).toBe('anvil');
      expect(asOperator('mallory', "UPDATE orders SET item = 'x'").stderr).toMatch(/permission denied for table orders/);
    });
  });
});
