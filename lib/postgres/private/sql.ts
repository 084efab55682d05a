/**
 * Pieces of psql scripts that more than one renderer writes, so that they are written once.
 */

/** Creates a NOLOGIN role when it is missing (a DO block: CREATE ROLE has no IF NOT EXISTS). */
export function ensureNologinRole(role: string): string[] {
  return [
    'DO $$',
    'BEGIN',
    `  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '${role}') THEN`,
    `    CREATE ROLE ${role} NOLOGIN;`,
    '  END IF;',
    'END $$;',
  ];
}

/**
 * Sets a role's SCRAM password from a psql variable, kept out of the server log (statement,
 * duration and error logging) and the audit log. Inside a transaction: the settings last until
 * COMMIT, and the statements before them stay audited.
 */
export function setPasswordUnlogged(role: string, passwordVariable: string): string[] {
  return [
    '-- Keep the password out of the server log (statement, duration and error logging) and the audit log;',
    '-- the settings last until COMMIT, and the statements above stay audited.',
    'SET LOCAL log_statement = \'none\';',
    'SET LOCAL log_min_error_statement = \'panic\';',
    'SET LOCAL log_min_duration_statement = -1;',
    'SET LOCAL pgaudit.log = \'none\';',
    'SET LOCAL password_encryption = \'scram-sha-256\';',
    `ALTER ROLE ${role} PASSWORD :'${passwordVariable}';`,
  ];
}
