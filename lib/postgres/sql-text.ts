/**
 * Reading the SQL a host runs at boot for what changes server settings or role attributes. Not
 * exported from the package: the rule packs read boot SQL with it.
 */

/**
 * `sql` with its comments blanked out as PostgreSQL's lexer skips them: `--` to the end of the line
 * and nested C-style comments, not inside string literals, quoted identifiers or dollar quotes.
 * Line breaks are kept, so line numbers stay.
 */
export function stripSqlComments(sql: string): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') {
        out += ' ';
        i++;
      }
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 0;
      do {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          out += '  ';
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          out += '  ';
          i += 2;
        } else {
          out += sql[i] === '\n' ? '\n' : ' ';
          i++;
        }
      } while (depth > 0 && i < sql.length);
    } else if (c === '\'' || c === '"') {
      const end = closing(sql, i + 1, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$') {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      const end = tag ? sql.indexOf(tag[0], i + tag[0].length) : -1;
      const stop = tag ? (end < 0 ? sql.length : end + tag[0].length) : i + 1;
      out += sql.slice(i, stop);
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The index after the quote closing a literal opened before `from` (a doubled quote stays inside). */
function closing(sql: string, from: number, quote: string): number {
  let i = from;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** One `ALTER SYSTEM SET name = value` or `ALTER SYSTEM RESET name` found in a text. */
export interface AlterSystemStatement {
  /** The parameter name, lower case unless it was a quoted identifier. */
  readonly name: string;
  /** The value set, quotes removed; undefined for RESET. */
  readonly value?: string;
  /** The statement as written. */
  readonly text: string;
}

const ALTER_SYSTEM = /\bALTER\s+SYSTEM\s+(SET|RESET)\s+(?:"([^"]+)"|([A-Za-z_][\w.$]*))(?:\s*(?:=|\bTO\b)\s*('(?:[^']|'')*'|[^\s;'"]+))?/gi;

/** The ALTER SYSTEM statements of a text (SQL, or a script that runs SQL). */
export function alterSystemStatements(text: string): AlterSystemStatement[] {
  return [...text.matchAll(ALTER_SYSTEM)].map((m) => ({
    name: m[2] ?? m[3].toLowerCase(),
    ...(m[1].toUpperCase() === 'SET' && m[4] !== undefined ? { value: m[4].replace(/^'(.*)'$/s, '$1').replace(/''/g, '\'') } : {}),
    text: m[0],
  }));
}

/** One statement that gives a role the SUPERUSER attribute, or grants a superuser role to another. */
export interface SuperuserStatement {
  /** The role made a superuser, or the role granted. */
  readonly role: string;
  /** The statement as written (up to the attribute or grantee). */
  readonly text: string;
}

const ROLE_WITH_SUPERUSER = /\b(?:CREATE|ALTER)\s+(?:ROLE|USER|GROUP)\s+("[^"]+"|\S+)[^;]*?\bSUPERUSER\b/gi;

/** Statements that make a role a superuser: `CREATE ROLE x SUPERUSER`, `ALTER USER x WITH SUPERUSER`. */
export function superuserAttributeStatements(text: string): SuperuserStatement[] {
  return [...text.matchAll(ROLE_WITH_SUPERUSER)].map((m) => ({ role: m[1].replace(/^"(.*)"$/, '$1'), text: m[0] }));
}

const GRANT_ROLE = /\bGRANT\s+([^;]*?)\s+TO\s+[^;]*/gi;

/** Statements that grant membership in any of `superusers` (`GRANT postgres TO x`): SET ROLE then makes x a superuser. */
export function superuserGrantStatements(text: string, superusers: string[]): SuperuserStatement[] {
  const out: SuperuserStatement[] = [];
  for (const m of text.matchAll(GRANT_ROLE)) {
    if (/\bON\b/i.test(m[1])) {
      continue; // a privilege on an object, not a role membership
    }
    for (const written of m[1].split(',').map((r) => r.trim())) {
      const granted = /^".*"$/.test(written) ? written.slice(1, -1) : written.toLowerCase();
      if (superusers.includes(granted)) {
        out.push({ role: granted, text: m[0] });
      }
    }
  }
  return out;
}
