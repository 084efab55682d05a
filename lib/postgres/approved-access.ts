import { Duration, Token } from 'aws-cdk-lib';
import { PgHbaAccess } from './pg-hba';
import { ensureNologinRole, setPasswordUnlogged } from './private/sql';

/**
 * A customer's approval for one operator to access the database, for a limited time, to
 * troubleshoot a technical issue (G8). Operators hold no database role without one.
 */
export interface OperatorAccessApproval {
  /**
   * Who: the operator's short login name, lower-case letters, digits and `_`, starting with a
   * letter (at most 54 characters). The database role is `approved_<operator>`.
   */
  readonly operator: string;

  /** Why: the customer's request, in words (at most 500 characters, no line breaks). */
  readonly reason: string;

  /** The ticket or case reference of the customer's request (printable, no spaces, at most 200 characters). */
  readonly ticket: string;

  /**
   * When the access ends, as an ISO 8601 date and time with a time zone, e.g.
   * `2025-07-01T18:00:00Z`. Must be in the future and at most 30 days ahead. The role's
   * password stops working at that instant (`VALID UNTIL`); the next deployment after the
   * approval is removed drops the role.
   */
  readonly expires: string;

  /**
   * The roles the operator role is granted.
   *
   * @default - ['pg_read_all_data', 'pg_monitor']: read every table and the monitoring views, no writes
   */
  readonly grantedRoles?: string[];

  /**
   * The databases the operator may connect to: the customer's databases the customer approved.
   * Customer databases admit no one but their own login group (`CONNECT` is revoked from PUBLIC),
   * so without this the granted roles read nothing there. `CONNECT` goes to the
   * `approved_operator_access` group and is taken back from every other database on each run.
   *
   * @default - none: only databases open to PUBLIC (such as `postgres`)
   */
  readonly databases?: string[];
}

/**
 * Options for `ApprovedAccess.renderSql`.
 */
export interface ApprovedAccessSqlOptions {
  /**
   * The current approval.
   *
   * @default - no approval: the rendered SQL disables and drops every approved operator role
   */
  readonly approval?: OperatorAccessApproval;

  /**
   * The instant the expiry is judged against.
   *
   * @default - the time of synthesis
   */
  readonly now?: Date;

  /**
   * The psql variable that holds the operator role's password when the SQL runs
   * (`psql -v <name>=...`, or `\set <name> ...` from a file before including this one).
   * The password is never part of the rendered SQL, and the statement that sets it is kept out
   * of the server and audit logs.
   *
   * @default 'operator_password'
   */
  readonly passwordVariable?: string;

  /**
   * More roles an approval may never grant, by name: the service passes every customer's admin
   * role and login group, so an approval cannot hand an operator a customer's own login, or its
   * write access. The SQL also refuses a granted role that reaches one of them through membership.
   *
   * @default - none beyond the built-in list (`APPROVED_ACCESS_FORBIDDEN_ROLES`)
   */
  readonly forbiddenRoles?: string[];

  /**
   * How long a session of the approved role may sit idle, in or out of a transaction, before the
   * server ends it (`idle_session_timeout` and `idle_in_transaction_session_timeout`, set on the
   * role). These are role defaults the session itself could change; the hard bound is the approval's
   * end, enforced by `renderApprovedAccessExpirySql`.
   *
   * @default Duration.minutes(15)
   */
  readonly idleTimeout?: Duration;
}

const APPROVED_OPERATOR_GROUP = 'approved_operator_access';

const APPROVED_OPERATOR_ROLE_PREFIX = 'approved_';

const MAX_APPROVAL_DAYS = 30;

const DEFAULT_GRANTED_ROLES = ['pg_read_all_data', 'pg_monitor'];

const APPROVED_ACCESS_FORBIDDEN_ROLES = ['pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program',
  'pg_write_all_data', 'pg_signal_backend', 'pg_create_subscription', 'pg_checkpoint', 'pg_maintain'];

/** Named here as well as in `PgHbaOptions.superuser`: an approval never grants the superuser. */
const SUPERUSER = 'postgres';

/** The idle timeout of an approved role unless the options say otherwise. */
const DEFAULT_IDLE_TIMEOUT_SECONDS = 15 * 60;

const OPERATOR_NAME = /^[a-z][a-z0-9_]{0,53}$/;
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const DATABASE_NAME = ROLE_NAME;
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

function approvedOperatorRoleName(operator: string): string {
  return `${APPROVED_OPERATOR_ROLE_PREFIX}${operator}`;
}

function renderApprovedAccessSql(options: ApprovedAccessSqlOptions = {}): string {
  const now = options.now ?? new Date();
  if (!(now instanceof Date) || isNaN(now.getTime())) {
    throw new Error(`ApprovedAccessSqlOptions.now must be a valid Date; got ${String(now)}.`);
  }
  const passwordVariable = options.passwordVariable ?? 'operator_password';
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(passwordVariable)) {
    throw new Error(
      `ApprovedAccessSqlOptions.passwordVariable must be a psql variable name of letters, digits and _; got ${JSON.stringify(passwordVariable)}.`,
    );
  }
  const forbidden = new Set([SUPERUSER, APPROVED_OPERATOR_GROUP, ...APPROVED_ACCESS_FORBIDDEN_ROLES,
    ...validateForbiddenRoles(options.forbiddenRoles ?? [])]);
  const idleSeconds = validateIdleTimeout(options.idleTimeout);
  const approval = options.approval;
  const keep = approval ? validateApproval(approval, now, forbidden) : undefined;

  const lines = [
    '-- Approved operator access, rendered by cdk-timescale-security. Operators hold no database role',
    '-- except through a customer approval; this script makes the roles match the current approval.',
    '\\set ON_ERROR_STOP on',
    'SET standard_conforming_strings = on;',
    '-- Re-runs are quiet: notices such as "already a member" are not news; warnings and errors still show.',
    'SET client_min_messages = warning;',
    'BEGIN;',
    ...ensureNologinRole(APPROVED_OPERATOR_GROUP),
    `COMMENT ON ROLE ${APPROVED_OPERATOR_GROUP} IS 'Members are customer-approved, time-bounded operator roles (cdk-timescale-security); ` +
      'members not in the current approval are disabled and dropped.\';',
    `ALTER ROLE ${APPROVED_OPERATOR_GROUP} NOLOGIN;`,
    keep ? `-- Remove every earlier approval except ${keep.role}.` : '-- No approval: remove every approved operator role.',
    'DO $$',
    'DECLARE',
    '  member_name name;',
    'BEGIN',
    '  FOR member_name IN',
    '    SELECT m.rolname FROM pg_catalog.pg_auth_members a',
    '      JOIN pg_catalog.pg_roles g ON g.oid = a.roleid',
    '      JOIN pg_catalog.pg_roles m ON m.oid = a.member',
    `    WHERE g.rolname = '${APPROVED_OPERATOR_GROUP}'${keep ? ` AND m.rolname <> '${keep.role}'` : ''}`,
    '  LOOP',
    '    EXECUTE format(\'ALTER ROLE %I NOLOGIN PASSWORD NULL VALID UNTIL %L\', member_name, \'-infinity\');',
    '    PERFORM pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = member_name;',
    '    BEGIN',
    '      EXECUTE format(\'DROP ROLE %I\', member_name);',
    '    EXCEPTION WHEN dependent_objects_still_exist THEN',
    '      RAISE WARNING \'approved operator role % still owns objects or holds privileges: kept, but it cannot log in\', member_name;',
    '    END;',
    '  END LOOP;',
    'END $$;',
  ];

  lines.push(
    keep && keep.databases.length > 0
      ? `-- CONNECT follows the approval: ${keep.databases.join(', ')}, and no other database.`
      : '-- CONNECT follows the approval: no database beyond those open to PUBLIC.',
    'DO $$',
    'DECLARE',
    '  database_name name;',
    'BEGIN',
    '  FOR database_name IN',
    '    SELECT d.datname FROM pg_catalog.pg_database d',
    `    WHERE EXISTS (SELECT FROM pg_catalog.aclexplode(d.datacl) acl WHERE acl.grantee = '${APPROVED_OPERATOR_GROUP}'::regrole)`,
    ...(keep && keep.databases.length > 0 ? [`      AND d.datname <> ALL (ARRAY[${keep.databases.map((d) => `'${d}'`).join(', ')}]::name[])`] : []),
    '  LOOP',
    `    EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', database_name, '${APPROVED_OPERATOR_GROUP}');`,
    '  END LOOP;',
    'END $$;',
    // A database not created yet (its customer's script runs later on this boot) gets CONNECT on the next run.
    ...(keep ? keep.databases.map((database) => [
      'DO $$',
      'BEGIN',
      `  IF EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = '${database}') THEN`,
      `    GRANT CONNECT ON DATABASE ${database} TO ${APPROVED_OPERATOR_GROUP};`,
      '  ELSE',
      `    RAISE WARNING 'database ${database} does not exist yet: the approved operator gets CONNECT on it on the next run';`,
      '  END IF;',
      'END $$;',
    ].join('\n')) : []),
  );

  if (keep) {
    const granted = keep.grantedRoles;
    lines.push(
      `-- Approval: operator ${keep.operator}, ticket ${keep.ticket.replace(/[\r\n]/g, ' ')}, until ${keep.expires}.`,
      `\\if :{?${passwordVariable}}`,
      '\\else',
      `  DO $$ BEGIN RAISE EXCEPTION 'psql variable ${passwordVariable} is not set: pass the operator password with psql -v ${passwordVariable}=...'; END $$;`,
      '\\endif',
      'DO $$',
      'BEGIN',
      `  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${keep.role}') THEN`,
      `    CREATE ROLE ${keep.role} NOLOGIN;`,
      `    EXECUTE format('GRANT %I TO %I', '${APPROVED_OPERATOR_GROUP}', '${keep.role}');`,
      '  ELSIF NOT EXISTS (',
      '    SELECT FROM pg_catalog.pg_auth_members a',
      '      JOIN pg_catalog.pg_roles g ON g.oid = a.roleid',
      '      JOIN pg_catalog.pg_roles m ON m.oid = a.member',
      `    WHERE g.rolname = '${APPROVED_OPERATOR_GROUP}' AND m.rolname = '${keep.role}'`,
      '  ) THEN',
      `    RAISE EXCEPTION 'role ${keep.role} exists but is not an approved operator role: refusing to take it over';`,
      '  END IF;',
      'END $$;',
      `ALTER ROLE ${keep.role} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT;`,
      '-- Revoke roles granted by an earlier approval and not by this one.',
      'DO $$',
      'DECLARE',
      '  granted_name name;',
      'BEGIN',
      '  FOR granted_name IN',
      '    SELECT g.rolname FROM pg_catalog.pg_auth_members a',
      '      JOIN pg_catalog.pg_roles g ON g.oid = a.roleid',
      '      JOIN pg_catalog.pg_roles m ON m.oid = a.member',
      `    WHERE m.rolname = '${keep.role}' AND g.rolname NOT IN (${[APPROVED_OPERATOR_GROUP, ...granted].map((r) => `'${r}'`).join(', ')})`,
      '  LOOP',
      `    EXECUTE format('REVOKE %I FROM %I', granted_name, '${keep.role}');`,
      '  END LOOP;',
      'END $$;',
      ...(granted.length > 0 ? [`GRANT ${granted.join(', ')} TO ${keep.role};`] : []),
      '-- Refuse, and change nothing, when a granted role reaches a superuser, CREATEROLE, BYPASSRLS or REPLICATION role,',
      '-- or a forbidden role, through any chain of memberships: the names alone do not show it.',
      'DO $$',
      'DECLARE',
      '  offending text;',
      'BEGIN',
      '  WITH RECURSIVE closure(granted_oid, role_oid) AS (',
      `    SELECT a.roleid, a.roleid FROM pg_catalog.pg_auth_members a WHERE a.member = '${keep.role}'::regrole`,
      '    UNION',
      '    SELECT c.granted_oid, a.roleid FROM closure c JOIN pg_catalog.pg_auth_members a ON a.member = c.role_oid',
      '  )',
      '  SELECT string_agg(DISTINCT g.rolname || \' reaches \' || r.rolname || coalesce(\' (\' || nullif(concat_ws(\', \',',
      '      CASE WHEN r.rolsuper THEN \'SUPERUSER\' END, CASE WHEN r.rolcreaterole THEN \'CREATEROLE\' END,',
      '      CASE WHEN r.rolbypassrls THEN \'BYPASSRLS\' END, CASE WHEN r.rolreplication THEN \'REPLICATION\' END), \'\') || \')\', \'\'),',
      '      \'; \') INTO offending',
      '  FROM closure c',
      '    JOIN pg_catalog.pg_roles g ON g.oid = c.granted_oid',
      '    JOIN pg_catalog.pg_roles r ON r.oid = c.role_oid',
      '  WHERE r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolreplication',
      `    OR r.rolname IN (${[...forbidden].filter((role) => role !== APPROVED_OPERATOR_GROUP).map((role) => `'${role}'`).join(', ')});`,
      '  IF offending IS NOT NULL THEN',
      `    RAISE EXCEPTION 'approval for operator ${keep.operator} refused, nothing changed: %', offending;`,
      '  END IF;',
      'END $$;',
      `ALTER ROLE ${keep.role} SET pgaudit.log = 'all';`,
      `ALTER ROLE ${keep.role} SET pgaudit.log_relation = 'on';`,
      `ALTER ROLE ${keep.role} SET pgaudit.log_statement_once = 'off';`,
      '-- Idle sessions end on their own; the approval\'s end is enforced by the expiry job whatever the session sets.',
      `ALTER ROLE ${keep.role} SET idle_session_timeout = '${idleSeconds}s';`,
      `ALTER ROLE ${keep.role} SET idle_in_transaction_session_timeout = '${idleSeconds}s';`,
      `COMMENT ON ROLE ${keep.role} IS ${sqlLiteral(
        `Customer-approved operator access: operator=${keep.operator}; ticket=${keep.ticket}; expires=${keep.expires}; ` +
        `${keep.databases.length > 0 ? `databases=${keep.databases.join(',')}; ` : ''}reason=${keep.reason}`,
      )};`,
      `ALTER ROLE ${keep.role} LOGIN VALID UNTIL '${keep.expires}';`,
      ...setPasswordUnlogged(keep.role, passwordVariable),
    );
  }
  lines.push('COMMIT;', '');
  return lines.join('\n');
}

function renderApprovedAccessExpirySql(): string {
  const expired = 'm.rolvaliduntil IS NULL OR m.rolvaliduntil <= now()';
  const members = [
    '    FROM pg_catalog.pg_auth_members a',
    '      JOIN pg_catalog.pg_roles g ON g.oid = a.roleid',
    '      JOIN pg_catalog.pg_roles m ON m.oid = a.member',
  ];
  return [
    '-- Approved operator access: end every approval whose time is up, rendered by cdk-timescale-security.',
    '-- No secrets; idempotent; run every 30 seconds as the superuser.',
    '\\set ON_ERROR_STOP on',
    '-- First no new logins, committed before sessions end, so a terminated session cannot simply log in again.',
    'DO $$',
    'DECLARE',
    '  ended record;',
    'BEGIN',
    '  FOR ended IN',
    '    SELECT m.rolname, m.rolvaliduntil',
    ...members,
    `    WHERE g.rolname = '${APPROVED_OPERATOR_GROUP}' AND m.rolcanlogin AND (${expired})`,
    '  LOOP',
    '    EXECUTE format(\'ALTER ROLE %I NOLOGIN\', ended.rolname);',
    '    RAISE WARNING \'approved operator role % ended at %: login disabled\', ended.rolname, coalesce(ended.rolvaliduntil::text, \'(no end set)\');',
    '  END LOOP;',
    'END $$;',
    '-- Then end every session of an ended role.',
    'DO $$',
    'DECLARE',
    '  ended record;',
    'BEGIN',
    '  FOR ended IN',
    '    SELECT s.pid, m.rolname',
    ...members,
    '      JOIN pg_catalog.pg_stat_activity s ON s.usesysid = m.oid',
    `    WHERE g.rolname = '${APPROVED_OPERATOR_GROUP}' AND (NOT m.rolcanlogin OR ${expired})`,
    '  LOOP',
    '    IF pg_catalog.pg_terminate_backend(ended.pid) THEN',
    '      RAISE WARNING \'terminated session % of approved operator role %: the approval has ended\', ended.pid, ended.rolname;',
    '    END IF;',
    '  END LOOP;',
    'END $$;',
    '',
  ].join('\n');
}

function approvedOperatorPgHbaAccess(networks: string[], databases?: string[]): PgHbaAccess {
  return { networks, databases: databases ?? ['all'], users: [`+${APPROVED_OPERATOR_GROUP}`] };
}

function validateForbiddenRoles(roles: string[]): string[] {
  if (Token.isUnresolved(roles) || !Array.isArray(roles)) {
    throw new Error(`ApprovedAccessSqlOptions.forbiddenRoles must be a list of role names written in the app; got ${JSON.stringify(roles)}.`);
  }
  for (const role of roles) {
    if (typeof role !== 'string' || !ROLE_NAME.test(role)) {
      throw new Error(
        `ApprovedAccessSqlOptions.forbiddenRoles contains ${JSON.stringify(role)}, which is not a role name: lower-case letters, ` +
        'digits and _, starting with a letter or _, at most 63 characters (e.g. \'acme_admin\', \'acme_login\').',
      );
    }
  }
  return roles;
}

function validateIdleTimeout(timeout: Duration | undefined): number {
  if (timeout === undefined) {
    return DEFAULT_IDLE_TIMEOUT_SECONDS;
  }
  if (!(timeout instanceof Duration) || timeout.isUnresolved()) {
    throw new Error(
      `ApprovedAccessSqlOptions.idleTimeout must be a Duration written in the app; got ${String(timeout)}. Example: Duration.minutes(15).`,
    );
  }
  const seconds = timeout.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 24 * 60 * 60) {
    throw new Error(
      `ApprovedAccessSqlOptions.idleTimeout must be whole seconds from 1 second to 24 hours; got ${timeout.toHumanString()}. ` +
      'Example: Duration.minutes(15).',
    );
  }
  return seconds;
}

interface ValidApproval {
  readonly operator: string;
  readonly role: string;
  readonly reason: string;
  readonly ticket: string;
  readonly expires: string;
  readonly grantedRoles: string[];
  readonly databases: string[];
}

function validateApproval(approval: OperatorAccessApproval, now: Date, forbidden: Set<string>): ValidApproval {
  for (const field of ['operator', 'reason', 'ticket', 'expires'] as const) {
    const value: unknown = approval[field];
    if (typeof value === 'string' && Token.isUnresolved(value)) {
      throw new Error(
        `OperatorAccessApproval.${field} must be written in the app, not a token: the approval is checked at synth. Got '${value}'.`,
      );
    }
  }
  const { operator, reason, ticket } = approval;
  if (typeof operator !== 'string' || !OPERATOR_NAME.test(operator)) {
    throw new Error(
      'OperatorAccessApproval.operator must be a short login name of lower-case letters, digits and _, starting with a letter, ' +
      `at most 54 characters (the role is approved_<operator>); got ${JSON.stringify(operator)}. Example: 'jdoe'.`,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 500 || /[\x00-\x1f\x7f]/.test(reason)) {
    throw new Error(
      'OperatorAccessApproval.reason must say why the customer approved the access, 1 to 500 characters without line breaks; ' +
      `got ${JSON.stringify(reason)}.`,
    );
  }
  if (typeof ticket !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(ticket)) {
    throw new Error(
      'OperatorAccessApproval.ticket must be the reference of the customer\'s request, 1 to 200 printable characters without spaces; ' +
      `got ${JSON.stringify(ticket)}. Example: 'CASE-4711'.`,
    );
  }
  const expiresAt = parseExpiry(approval.expires);
  const latest = new Date(now.getTime() + MAX_APPROVAL_DAYS * DAY_MS);
  if (expiresAt.getTime() <= now.getTime()) {
    throw new Error(
      `OperatorAccessApproval.expires is in the past: got '${String(approval.expires)}', now is ${now.toISOString()}. ` +
      'An expired approval cannot be deployed: remove the approval (the role is then dropped), or get a new approval ' +
      `from the customer with an expiry within ${MAX_APPROVAL_DAYS} days.`,
    );
  }
  if (expiresAt.getTime() > latest.getTime()) {
    throw new Error(
      `OperatorAccessApproval.expires is more than ${MAX_APPROVAL_DAYS} days ahead: got '${String(approval.expires)}', ` +
      `the latest accepted is ${latest.toISOString()}. Approved access is time-bounded; ask for a renewal before it ends instead.`,
    );
  }
  const grantedRoles = approval.grantedRoles ?? DEFAULT_GRANTED_ROLES;
  if (!Array.isArray(grantedRoles)) {
    throw new Error(`OperatorAccessApproval.grantedRoles must be a list of role names; got ${JSON.stringify(grantedRoles)}.`);
  }
  for (const role of grantedRoles) {
    if (typeof role !== 'string' || !ROLE_NAME.test(role) || forbidden.has(role) || role.startsWith(APPROVED_OPERATOR_ROLE_PREFIX)) {
      throw new Error(
        `OperatorAccessApproval.grantedRoles contains ${JSON.stringify(role)}, which is not accepted. Grant lower-case role names ` +
        `(letters, digits, _), e.g. 'pg_read_all_data', 'pg_monitor' or an application role; never ${[...forbidden].join(', ')} ` +
        'or another approved role, which would write, reach the file system or other sessions, act as a customer, or escape the audit.',
      );
    }
  }
  const databases = approval.databases ?? [];
  if (Token.isUnresolved(databases) || !Array.isArray(databases)
    || databases.some((database) => typeof database !== 'string' || !DATABASE_NAME.test(database))) {
    throw new Error(
      'OperatorAccessApproval.databases must list database names written in the app, lower-case letters, digits and _ ' +
      `(starting with a letter or _, at most 63 characters); got ${JSON.stringify(databases)}. Example: ['acme'].`,
    );
  }
  return {
    operator,
    role: approvedOperatorRoleName(operator),
    databases: [...new Set(databases)],
    reason,
    ticket,
    expires: expiresAt.toISOString(),
    grantedRoles: [...new Set(grantedRoles)],
  };
}

function parseExpiry(value: unknown): Date {
  // JavaScript callers may pass a Date; accept it as the instant it is.
  if (value instanceof Date && !isNaN(value.getTime())) {
    return value;
  }
  const text = typeof value === 'string' ? value : '';
  const parsed = ISO_WITH_ZONE.test(text) ? new Date(text) : undefined;
  // Date normalizes impossible dates (2025-02-30 becomes March 2); compare the calendar date back.
  const sameDay = parsed && !isNaN(parsed.getTime()) && sameCalendarDate(text, parsed);
  if (!parsed || !sameDay) {
    throw new Error(
      'OperatorAccessApproval.expires must be an ISO 8601 date and time with a time zone, e.g. \'2025-07-01T18:00:00Z\' ' +
      `or '2025-07-01T20:00:00+02:00'; got ${JSON.stringify(value)}.`,
    );
  }
  return parsed;
}

function sameCalendarDate(text: string, parsed: Date): boolean {
  const zone = /(Z|([+-])(\d{2}):(\d{2}))$/.exec(text)!;
  const offsetMinutes = zone[1] === 'Z' ? 0 : (zone[2] === '-' ? -1 : 1) * (Number(zone[3]) * 60 + Number(zone[4]));
  const local = new Date(parsed.getTime() + offsetMinutes * 60 * 1000);
  return local.toISOString().slice(0, 10) === text.slice(0, 10);
}

function sqlLiteral(text: string): string {
  return `'${text.replace(/'/g, '\'\'')}'`;
}

/** A customer-approved operator's access to customer data: its SQL, its role and its `pg_hba.conf` lines. */
export class ApprovedAccess {
  /** The NOLOGIN role every approved operator role is a member of: how a later run finds the roles it must remove. */
  public static readonly OPERATOR_GROUP: string = APPROVED_OPERATOR_GROUP;

  /** The prefix of every approved operator role's name. */
  public static readonly ROLE_PREFIX: string = APPROVED_OPERATOR_ROLE_PREFIX;

  /** The longest approval the renderer accepts, in days. */
  public static readonly MAX_APPROVAL_DAYS: number = MAX_APPROVAL_DAYS;

  /**
   * Predefined roles an approval never grants, directly or through membership: approved access is
   * read-only, audited, and kept inside the database.
   *
   * - `pg_read_server_files`, `pg_write_server_files`, `pg_execute_server_program`: the server's file
   *   system and programs, where data and keys leave the database and the audit;
   * - `pg_write_all_data`: writes to every table (approved access reads);
   * - `pg_signal_backend`: cancels and terminates customer sessions;
   * - `pg_create_subscription` (PostgreSQL 16+): logical replication subscriptions, which connect
   *   from the server to any host and write what they receive;
   * - `pg_checkpoint` and `pg_maintain` (PostgreSQL 17+): server-wide actions and table locks, not reading.
   */
  public static readonly FORBIDDEN_ROLES: string[] = APPROVED_ACCESS_FORBIDDEN_ROLES;

  /**
   * Renders the psql script that makes the database's operator access match the approval.
   *
   * With an approval: creates (or updates) the role `approved_<operator>` with `LOGIN`, a
   * SCRAM-SHA-256 password read from a psql variable at run time, `VALID UNTIL <expires>`, no
   * superuser/createdb/createrole/replication/bypassrls, the granted roles only, a role-level
   * `pgaudit.log = 'all'` (only a superuser can change it, so every statement the role runs is
   * logged with its text), and a `COMMENT` recording operator, ticket, reason and expiry. Every
   * other approved role is disabled and dropped.
   *
   * Without an approval: every approved operator role is disabled (`NOLOGIN`, password removed,
   * sessions terminated) and dropped; one that still owns objects is kept disabled, with a warning.
   *
   * Run it as the superuser: `psql -X -v ON_ERROR_STOP=1 -v operator_password=... -f approved-access.sql`.
   *
   * @throws when the approval expires in the past or more than 30 days ahead, or a field is not accepted.
   */
  public static renderSql(options: ApprovedAccessSqlOptions = {}): string {
    return renderApprovedAccessSql(options);
  }

  /**
   * Renders the psql script that ends every approval whose time is up: each member of
   * `approved_operator_access` whose `VALID UNTIL` is at or before `now()` (or missing) gets
   * `NOLOGIN`, and then every session of such a role, or of a member that cannot log in, is
   * terminated. `VALID UNTIL` alone only stops new password logins; a session opened before the end
   * would keep reading after it.
   *
   * The script holds no secrets, changes nothing while no approval has ended, and is cheap (it reads
   * `pg_auth_members` and `pg_stat_activity`): run it every 30 seconds as the superuser over the
   * local socket, e.g. from a systemd timer: `psql -X -q -v ON_ERROR_STOP=1 -f approved-access-expiry.sql`.
   * Each role it disables and each session it ends is reported as a WARNING (server log and stderr).
   */
  public static renderExpirySql(): string {
    return renderApprovedAccessExpirySql();
  }

  /** The database role name for an approved operator: `approved_<operator>`. */
  public static roleName(operator: string): string {
    return approvedOperatorRoleName(operator);
  }

  /**
   * The pg_hba access group of approved operators: members of `approved_operator_access`, from the
   * networks given (e.g. the database host's own address, where operators' sessions run). Pass it in
   * `PgHbaOptions.access`. Without an approval the group has no members, so the line admits nobody.
   *
   * @param networks the networks approved operators connect from
   * @param databases the databases they may connect to (default: all)
   */
  public static pgHbaAccess(networks: string[], databases?: string[]): PgHbaAccess {
    return approvedOperatorPgHbaAccess(networks, databases);
  }

  private constructor() {}
}
