import { Token } from 'aws-cdk-lib';
import { quoteConfValue } from './conf-quote';

/**
 * The pgaudit session-logging classes (`pgaudit.log`).
 *
 * @see https://github.com/pgaudit/pgaudit#pgauditlog
 */
export enum AuditLogClass {
  /** SELECT and COPY when the source is a relation or a query. */
  READ = 'read',
  /** INSERT, UPDATE, DELETE, TRUNCATE and COPY when the destination is a relation. */
  WRITE = 'write',
  /** Function calls and DO blocks. */
  FUNCTION = 'function',
  /** Privileges and roles: GRANT, REVOKE, CREATE/ALTER/DROP ROLE. */
  ROLE = 'role',
  /** All DDL not in the ROLE class. */
  DDL = 'ddl',
  /** Miscellaneous commands (DISCARD, FETCH, CHECKPOINT, VACUUM, SET). */
  MISC = 'misc',
  /** Miscellaneous SET commands. */
  MISC_SET = 'misc_set',
  /** Every class above. */
  ALL = 'all',
}

/**
 * Options for `AuditSettings.render`.
 */
export interface AuditSettingsOptions {
  /**
   * The statement classes pgaudit logs for every role (`pgaudit.log`). Approved operator roles
   * (see `ApprovedAccess.renderSql`) always log every class, whatever this says, through a
   * role-level setting that only a superuser can change. An empty list renders `'none'`.
   *
   * @default - [AuditLogClass.DDL, AuditLogClass.ROLE]: schema and privilege changes by anyone,
   * without logging the customer's queries and their data
   */
  readonly sessionLogClasses?: AuditLogClass[];

  /**
   * Whether statements whose relations are all in `pg_catalog` are logged (`pgaudit.log_catalog`).
   *
   * @default false: client tools' catalog queries (psql `\d`) are not logged
   */
  readonly logCatalog?: boolean;

  /**
   * Whether the parameters of parameterized statements are logged (`pgaudit.log_parameter`).
   * Parameters carry customer data.
   *
   * @default false
   */
  readonly logParameter?: boolean;

  /**
   * A role whose privileges select the objects to audit (`pgaudit.role`, object audit logging):
   * statements touching objects this role has been granted access to are logged for every role.
   *
   * @default - no object audit logging
   */
  readonly objectAuditRole?: string;

  /**
   * The other libraries the server preloads. This fragment sets `shared_preload_libraries` to
   * these plus `pgaudit`, because PostgreSQL keeps only the last assignment of a parameter:
   * deliver this fragment after the host's base fragment (conf.d files are read in file-name
   * order, e.g. `conf.d/90-audit.conf` after `conf.d/00-base.conf`) and list here everything
   * the base fragment preloads.
   *
   * @default ['timescaledb']
   */
  readonly sharedPreloadLibraries?: string[];
}

/** The classes every role's statements are logged for by default. */
const DEFAULT_SESSION_CLASSES = [AuditLogClass.DDL, AuditLogClass.ROLE];

const AUDIT_LOG_LINE_PREFIX = '%m [%p] %quser=%u db=%d app=%a client=%h session=%c ';

const LIBRARY_NAME = /^[A-Za-z0-9_$-]+$/;
const ROLE_NAME = /^[a-z_][a-z0-9_$]{0,62}$/;

function renderSharedPreloadLibraries(libraries: string[]): string {
  if (!Array.isArray(libraries)) {
    throw new Error(`The shared preload libraries must be a list of library names; got ${JSON.stringify(libraries)}.`);
  }
  for (const library of libraries) {
    if (typeof library !== 'string' || !LIBRARY_NAME.test(library)) {
      throw new Error(
        `The shared preload library ${JSON.stringify(library)} is not accepted: a library is named by its file name ` +
        'without extension, letters, digits, _, $ and - only (e.g. \'timescaledb\', \'pgaudit\').',
      );
    }
  }
  return `shared_preload_libraries = ${quoteConfValue([...new Set(libraries)].join(','))}`;
}

function renderAuditSettings(options: AuditSettingsOptions = {}): string {
  const classes = validateClasses(options.sessionLogClasses ?? DEFAULT_SESSION_CLASSES);
  const onOff = (value: boolean | undefined, fallback: boolean) => ((value ?? fallback) ? 'on' : 'off');
  const lines = [
    '# Audit logging rendered by cdk-timescale-security (pgaudit). This fragment owns shared_preload_libraries:',
    '# PostgreSQL keeps the last assignment, so it is read after the base fragment.',
    renderSharedPreloadLibraries([...(options.sharedPreloadLibraries ?? ['timescaledb']).filter((lib) => lib !== 'pgaudit'), 'pgaudit']),
    `pgaudit.log = ${quoteConfValue(classes.length === 0 ? 'none' : classes.join(', '))}`,
    `pgaudit.log_catalog = ${onOff(options.logCatalog, false)}`,
    `pgaudit.log_parameter = ${onOff(options.logParameter, false)}`,
    'pgaudit.log_relation = on',
    'pgaudit.log_statement_once = off',
  ];
  if (options.objectAuditRole !== undefined) {
    lines.push(`pgaudit.role = ${quoteConfValue(validateRole(options.objectAuditRole))}`);
  }
  lines.push(
    'log_connections = on',
    'log_disconnections = on',
    `log_line_prefix = ${quoteConfValue(AUDIT_LOG_LINE_PREFIX)}`,
  );
  return lines.join('\n') + '\n';
}

function validateClasses(classes: AuditLogClass[]): AuditLogClass[] {
  const accepted = Object.values(AuditLogClass) as string[];
  if (!Array.isArray(classes)) {
    throw new Error(`AuditSettingsOptions.sessionLogClasses must be a list of AuditLogClass; got ${JSON.stringify(classes)}.`);
  }
  for (const value of classes) {
    if (!accepted.includes(value)) {
      throw new Error(
        `AuditSettingsOptions.sessionLogClasses contains ${JSON.stringify(value)}, which is not a pgaudit class. ` +
        `Accepted: ${accepted.map((c) => `'${c}'`).join(', ')} (use the AuditLogClass enum).`,
      );
    }
  }
  return [...new Set(classes)];
}

function validateRole(role: string): string {
  if (typeof role !== 'string' || Token.isUnresolved(role) || !ROLE_NAME.test(role) || role.startsWith('pg_')) {
    throw new Error(
      'AuditSettingsOptions.objectAuditRole must be a lower-case role name of letters, digits, _ and $ ' +
      `(at most 63 characters, not starting with pg_); got ${JSON.stringify(role)}. Example: 'auditor'.`,
    );
  }
  return role;
}

/** The pgaudit and server-log settings of `postgresql.conf`. */
export class AuditSettings {
  /**
   * The server log line prefix: time, process, then for client sessions the role, database,
   * application and client address, and the session id, so every audit line says who did it from where.
   */
  public static readonly LOG_LINE_PREFIX: string = AUDIT_LOG_LINE_PREFIX;

  /**
   * Renders the `postgresql.conf` fragment for audit logging: `shared_preload_libraries` with
   * pgaudit added, the `pgaudit.*` session settings, connection and disconnection logging, and a
   * log line prefix that names the role, database, application and client of every line.
   *
   * Every statement of an approved operator role is logged with its text by a role-level
   * `pgaudit.log = 'all'` (see `ApprovedAccess.renderSql`); this fragment sets the default for
   * everyone else.
   *
   * @throws when a log class, the object audit role or a library name is not accepted.
   */
  public static render(options: AuditSettingsOptions = {}): string {
    return renderAuditSettings(options);
  }

  /**
   * Renders the `shared_preload_libraries` line for `libraries`, in order, without duplicates.
   * For the host's base fragment; `AuditSettings.render` renders its own line with pgaudit added.
   *
   * @throws when a library name is not a plain file name.
   */
  public static renderSharedPreloadLibraries(libraries: string[]): string {
    return renderSharedPreloadLibraries(libraries);
  }

  private constructor() {}
}
