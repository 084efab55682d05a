import { Token } from 'aws-cdk-lib';
import { ApprovedAccess } from './approved-access';
import { PgHbaAccess } from './pg-hba';
import { ensureNologinRole, setPasswordUnlogged } from './private/sql';

/**
 * The database roles and databases of one customer.
 */
export interface CustomerRoleNames {
  /** The customer identifier the names are made from. */
  readonly customer: string;
  /**
   * The customer's admin role, `<customer>_admin`: logs in, owns the customer's databases, is not
   * a superuser.
   */
  readonly adminRole: string;
  /**
   * The customer's NOLOGIN login group, `<customer>_login`. The pg_hba USER column
   * `+<customer>_login` admits its members; the admin is a member with ADMIN OPTION.
   */
  readonly loginGroup: string;
  /** The customer's databases. */
  readonly databases: string[];
}

/**
 * Options for `CustomerAccess.renderSql`.
 */
export interface CustomerAccessSqlOptions {
  /**
   * The customer identifier: a lower-case letter, then lower-case letters, digits and `_`, at most
   * 40 characters. Role names are `<customer>_admin` and `<customer>_login`.
   */
  readonly customer: string;

  /**
   * The customer's databases, each owned by the customer's admin role. Lower-case identifiers
   * (a letter or `_`, then letters, digits and `_`, at most 63 characters); never `postgres`,
   * `template0` or `template1`.
   *
   * @default - [customer]: one database named after the customer
   */
  readonly databases?: string[];

  /**
   * The psql variable that holds the admin role's password when the SQL runs
   * (`psql -v <name>=...`). The password is never part of the rendered SQL, and the statement
   * that sets it is kept out of the server and audit logs.
   *
   * @default 'admin_password'
   */
  readonly passwordVariable?: string;
}

const CUSTOMER_ROLE_MARKER = 'customer_access_roles';

const CUSTOMER_REVOKED_ROLES = ['pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program', 'pg_signal_backend'];

const CUSTOMER_CREATEROLE_MIN_SERVER_VERSION = 160000;

const CUSTOMER = /^[a-z][a-z0-9_]{0,39}$/;
const DATABASE = /^[a-z_][a-z0-9_]{0,62}$/;
const RESERVED_DATABASES = new Set(['postgres', 'template0', 'template1']);

function customerRoleNames(customer: string, databases?: string[]): CustomerRoleNames {
  validateCustomer(customer);
  return {
    customer,
    adminRole: `${customer}_admin`,
    loginGroup: `${customer}_login`,
    databases: validateDatabases(databases ?? [customer]),
  };
}

function customerPgHbaAccess(customer: string, networks: string[], databases?: string[]): PgHbaAccess {
  const names = customerRoleNames(customer, databases);
  return { networks, databases: names.databases, users: [`+${names.loginGroup}`] };
}

function renderCustomerAccessSql(options: CustomerAccessSqlOptions): string {
  if (typeof options !== 'object' || options === null) {
    throw new Error(`CustomerAccess.renderSql needs options { customer, databases?, passwordVariable? }; got ${JSON.stringify(options)}.`);
  }
  const names = customerRoleNames(options.customer, options.databases);
  const passwordVariable = options.passwordVariable ?? 'admin_password';
  if (typeof passwordVariable !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(passwordVariable)) {
    throw new Error(
      'CustomerAccessSqlOptions.passwordVariable must be a psql variable name of letters, digits and _ (starting with a letter or _); ' +
      `got ${JSON.stringify(passwordVariable)}. Omit it for 'admin_password'.`,
    );
  }
  const { customer, adminRole: admin, loginGroup: login, databases } = names;
  const list = (items: string[]) => items.map((item) => `'${item}'`).join(', ');

  const lines = [
    `-- Customer ${customer}: its roles and databases, rendered by cdk-timescale-security. Idempotent: run as the`,
    '-- superuser on every boot and reconfiguration.',
    '\\set ON_ERROR_STOP on',
    `\\if :{?${passwordVariable}}`,
    '\\else',
    `  DO $$ BEGIN RAISE EXCEPTION 'psql variable ${passwordVariable} is not set: pass the admin password of customer ${customer} with psql -v ${passwordVariable}=...'; END $$;`,
    '\\endif',
    'SET standard_conforming_strings = on;',
    '-- Re-runs are quiet: notices such as "already a member" are not news; warnings and errors still show.',
    'SET client_min_messages = warning;',
    'BEGIN;',
    ...ensureNologinRole(CUSTOMER_ROLE_MARKER),
    `ALTER ROLE ${CUSTOMER_ROLE_MARKER} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;`,
    `COMMENT ON ROLE ${CUSTOMER_ROLE_MARKER} IS 'Members are customer admin roles and login groups created by cdk-timescale-security; ` +
      'the role holds no privileges.\';',
    '-- Create the customer\'s roles, or make sure the existing ones are the ones this script created:',
    '-- a role somebody else created under these names would otherwise be handed this customer\'s database.',
    'DO $$',
    'DECLARE',
    '  role_name name;',
    'BEGIN',
    `  FOREACH role_name IN ARRAY ARRAY[${list([login, admin])}]::name[] LOOP`,
    '    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN',
    '      EXECUTE format(\'CREATE ROLE %I NOLOGIN\', role_name);',
    `      EXECUTE format('GRANT %I TO %I', '${CUSTOMER_ROLE_MARKER}', role_name);`,
    '    ELSIF NOT EXISTS (',
    '      SELECT FROM pg_catalog.pg_auth_members a',
    '        JOIN pg_catalog.pg_roles g ON g.oid = a.roleid',
    '        JOIN pg_catalog.pg_roles m ON m.oid = a.member',
    `      WHERE g.rolname = '${CUSTOMER_ROLE_MARKER}' AND m.rolname = role_name`,
    '    ) THEN',
    `      RAISE EXCEPTION 'role % exists but was not created for customer ${customer}: refusing to take it over', role_name;`,
    '    END IF;',
    '  END LOOP;',
    'END $$;',
    `ALTER ROLE ${login} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;`,
    `ALTER ROLE ${admin} LOGIN NOSUPERUSER NOCREATEDB NOREPLICATION NOBYPASSRLS INHERIT;`,
    `-- CREATEROLE only from PostgreSQL ${CUSTOMER_CREATEROLE_MIN_SERVER_VERSION / 10000}: there it can grant only roles it holds ADMIN OPTION on.`,
    '-- Before that, CREATEROLE could grant itself pg_execute_server_program (a shell on the host), so it is withheld.',
    'DO $$',
    'BEGIN',
    `  IF current_setting('server_version_num')::int >= ${CUSTOMER_CREATEROLE_MIN_SERVER_VERSION} THEN`,
    `    ALTER ROLE ${admin} CREATEROLE;`,
    '  ELSE',
    `    ALTER ROLE ${admin} NOCREATEROLE;`,
    '  END IF;',
    'END $$;',
    `GRANT ${login} TO ${admin} WITH ADMIN OPTION;`,
    `COMMENT ON ROLE ${login} IS 'Login group of customer ${customer}: pg_hba admits its members from the customer''s networks.';`,
    `COMMENT ON ROLE ${admin} IS 'Admin role of customer ${customer}: owns its databases, not a superuser.';`,
    '-- Take back what reaches the server\'s files, programs and other sessions, should anyone have granted it.',
    'DO $$',
    'DECLARE',
    '  grant_row record;',
    'BEGIN',
    '  FOR grant_row IN',
    '    SELECT g.rolname AS granted, m.rolname AS member, r.rolname AS grantor',
    '    FROM pg_catalog.pg_auth_members a',
    '      JOIN pg_catalog.pg_roles g ON g.oid = a.roleid',
    '      JOIN pg_catalog.pg_roles m ON m.oid = a.member',
    '      LEFT JOIN pg_catalog.pg_roles r ON r.oid = a.grantor',
    `    WHERE m.rolname IN (${list([admin, login])})`,
    `      AND (g.rolname IN (${list(CUSTOMER_REVOKED_ROLES)}) OR g.rolsuper OR g.rolreplication OR g.rolbypassrls)`,
    '  LOOP',
    '    IF current_setting(\'server_version_num\')::int >= 160000 AND grant_row.grantor IS NOT NULL THEN',
    '      EXECUTE format(\'REVOKE %I FROM %I GRANTED BY %I CASCADE\', grant_row.granted, grant_row.member, grant_row.grantor);',
    '    ELSE',
    '      EXECUTE format(\'REVOKE %I FROM %I CASCADE\', grant_row.granted, grant_row.member);',
    '    END IF;',
    '    RAISE WARNING \'revoked role % from customer role %\', grant_row.granted, grant_row.member;',
    '  END LOOP;',
    'END $$;',
    '-- What is left must not reach a superuser, REPLICATION, BYPASSRLS or those roles through any chain of memberships.',
    'DO $$',
    'DECLARE',
    '  offending text;',
    'BEGIN',
    '  WITH RECURSIVE closure(member_name, role_oid) AS (',
    '    SELECT m.rolname, a.roleid FROM pg_catalog.pg_auth_members a JOIN pg_catalog.pg_roles m ON m.oid = a.member',
    `    WHERE m.rolname IN (${list([admin, login])})`,
    '    UNION',
    '    SELECT c.member_name, a.roleid FROM closure c JOIN pg_catalog.pg_auth_members a ON a.member = c.role_oid',
    '  )',
    '  SELECT string_agg(DISTINCT c.member_name || \' reaches \' || r.rolname, \', \') INTO offending',
    '  FROM closure c JOIN pg_catalog.pg_roles r ON r.oid = c.role_oid',
    `  WHERE r.rolsuper OR r.rolreplication OR r.rolbypassrls OR r.rolname IN (${list(CUSTOMER_REVOKED_ROLES)});`,
    '  IF offending IS NOT NULL THEN',
    `    RAISE EXCEPTION 'customer ${customer} would hold server powers through role membership (%): revoke those memberships', offending;`,
    '  END IF;',
    'END $$;',
    ...setPasswordUnlogged(admin, passwordVariable),
    'COMMIT;',
    '-- CREATE DATABASE cannot run inside a transaction: psql runs the statement only when the database is missing.',
  ];
  for (const database of databases) {
    lines.push(
      `SELECT format('CREATE DATABASE %I OWNER %I', '${database}', '${admin}')`,
      `  WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = '${database}') \\gexec`,
    );
  }
  lines.push(
    'BEGIN;',
    'DO $$',
    'DECLARE',
    '  owner_name name;',
    'BEGIN',
    '  SELECT r.rolname INTO owner_name FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r ON r.oid = d.datdba',
    `  WHERE d.datname = ANY (ARRAY[${list(databases)}]::name[]) AND r.rolname <> '${admin}' LIMIT 1;`,
    '  IF owner_name IS NOT NULL THEN',
    `    RAISE EXCEPTION 'a database of customer ${customer} exists and is owned by %, not ${admin}: refusing to take it over', owner_name;`,
    '  END IF;',
    'END $$;',
    ...databases.flatMap((database) => [
      `REVOKE ALL ON DATABASE ${database} FROM PUBLIC;`,
      `GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${login};`,
    ]),
    'COMMIT;',
    '',
  );
  return lines.join('\n');
}

function validateCustomer(customer: string): void {
  if (typeof customer === 'string' && Token.isUnresolved(customer)) {
    throw new Error(
      `CustomerAccessSqlOptions.customer must be written in the app, not a token: role names are checked at synth. Got '${customer}'.`,
    );
  }
  if (typeof customer !== 'string' || !CUSTOMER.test(customer)) {
    throw new Error(
      'CustomerAccessSqlOptions.customer must be a customer identifier: a lower-case letter, then lower-case letters, digits and _, ' +
      `at most 40 characters; got ${JSON.stringify(customer)}. Example: 'acme' (roles acme_admin and acme_login).`,
    );
  }
  // pg_ names are reserved by PostgreSQL; approved_ names belong to approved operator roles.
  if (customer.startsWith('pg_') || customer === 'pg' || `${customer}_`.startsWith(ApprovedAccess.ROLE_PREFIX)) {
    throw new Error(
      `CustomerAccessSqlOptions.customer '${customer}' would make role names that start with pg_ (reserved by PostgreSQL) or ` +
      `${ApprovedAccess.ROLE_PREFIX} (approved operator roles). Choose another identifier, e.g. 'acme'.`,
    );
  }
}

function validateDatabases(databases: string[]): string[] {
  if (Token.isUnresolved(databases) || !Array.isArray(databases) || databases.length === 0) {
    throw new Error(
      `CustomerAccessSqlOptions.databases must list at least one database name written in the app; got ${JSON.stringify(databases)}. ` +
      'Omit it for one database named after the customer.',
    );
  }
  for (const database of databases) {
    if (typeof database !== 'string' || !DATABASE.test(database) || RESERVED_DATABASES.has(database)) {
      throw new Error(
        `CustomerAccessSqlOptions.databases contains ${JSON.stringify(database)}, which is not accepted. A customer database is a ` +
        'lower-case identifier (a letter or _, then letters, digits and _, at most 63 characters), and never postgres, ' +
        'template0 or template1, which belong to the server.',
      );
    }
  }
  if (new Set(databases).size !== databases.length) {
    throw new Error(`CustomerAccessSqlOptions.databases lists a database twice; got ${JSON.stringify(databases)}.`);
  }
  return [...databases];
}

/** A customer's own database and roles: their SQL, their names and their `pg_hba.conf` lines. */
export class CustomerAccess {
  /**
   * The NOLOGIN role every customer admin role and login group is a member of: how a later run
   * knows a role is a customer role it made, and not one somebody else created under that name.
   * Membership in it can only be granted by a superuser, and it holds no privileges.
   */
  public static readonly ROLE_MARKER: string = CUSTOMER_ROLE_MARKER;

  /**
   * Predefined roles that reach the server's files, programs or other sessions. Revoked from a
   * customer's admin role and login group on every run, should anyone have granted them.
   */
  public static readonly REVOKED_ROLES: string[] = CUSTOMER_REVOKED_ROLES;

  /**
   * The first server version whose CREATEROLE is safe to hand to a customer (PostgreSQL 16): a
   * CREATEROLE role may grant only roles it holds ADMIN OPTION on, so it cannot grant itself
   * `pg_execute_server_program`. On PostgreSQL 15 and earlier, CREATEROLE can grant any
   * non-superuser role, predefined roles included, which is a path to the OS; there the admin role
   * does not get it (it cannot create roles, only admit existing ones to its login group).
   */
  public static readonly CREATEROLE_MIN_SERVER_VERSION: number = CUSTOMER_CREATEROLE_MIN_SERVER_VERSION;

  /**
   * Renders the psql script that gives a customer its roles and databases. Run it as the superuser
   * on every boot and reconfiguration: it is idempotent.
   *
   * - the login group `<customer>_login` (NOLOGIN) and the admin role `<customer>_admin` are created
   *   when missing; an existing role of that name that this script did not create is refused;
   * - the admin role: LOGIN, NOSUPERUSER, NOCREATEDB, NOREPLICATION, NOBYPASSRLS, INHERIT;
   *   CREATEROLE only on PostgreSQL 16 and later (see `CUSTOMER_CREATEROLE_MIN_SERVER_VERSION`);
   *   member of the login group WITH ADMIN OPTION, so it can admit its own roles; its password from a
   *   psql variable, kept out of the logs;
   * - `pg_read_server_files`, `pg_write_server_files`, `pg_execute_server_program` and
   *   `pg_signal_backend` are revoked from both roles, and any membership that still reaches a
   *   superuser, REPLICATION or BYPASSRLS role is refused;
   * - each database is created `OWNER <customer>_admin` when missing (a database that exists with
   *   another owner is refused), `PUBLIC` loses every privilege on it, and the login group gets
   *   `CONNECT` and `TEMPORARY`.
   *
   * Untrusted languages are never granted: only a superuser can create functions in them.
   *
   * Run it as: `psql -X -v ON_ERROR_STOP=1 -v admin_password=... -f customer-acme.sql`.
   *
   * @throws when the customer identifier, a database name or the password variable is not accepted.
   */
  public static renderSql(options: CustomerAccessSqlOptions): string {
    return renderCustomerAccessSql(options);
  }

  /**
   * The names of a customer's roles and databases.
   *
   * @param customer the customer identifier (see `CustomerAccessSqlOptions.customer`)
   * @param databases the customer's databases (default: one named after the customer)
   * @throws when the customer identifier or a database name is not accepted
   */
  public static roleNames(customer: string, databases?: string[]): CustomerRoleNames {
    return customerRoleNames(customer, databases);
  }

  /**
   * The pg_hba access group of a customer: its networks, its databases, members of its login group.
   * Pass it in `PgHbaOptions.access`.
   *
   * @param customer the customer identifier
   * @param networks the customer's client networks (CIDR blocks or tokens)
   * @param databases the customer's databases (default: one named after the customer)
   */
  public static pgHbaAccess(customer: string, networks: string[], databases?: string[]): PgHbaAccess {
    return customerPgHbaAccess(customer, networks, databases);
  }

  private constructor() {}
}
