/**
 * One `name = value` line of a `postgresql.conf` file.
 */
export interface PostgresqlConfEntry {
  /** The 1-based line number. */
  readonly line: number;
  /** The parameter name, lower case (PostgreSQL parameter names are case-insensitive). */
  readonly name: string;
  /** The value with quotes removed and escapes resolved. */
  readonly value: string;
  /** Whether this line is an `include`, `include_if_exists` or `include_dir` directive rather than a setting. */
  readonly isInclude: boolean;
}

const INCLUDE_DIRECTIVES = new Set(['include', 'include_if_exists', 'include_dir']);
/* The tokens of PostgreSQL's configuration lexer (src/backend/utils/misc/guc-file.l). */
const NAME = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*(\.[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?/;
const UNQUOTED_VALUES = [
  /^[-+]?(0x[0-9a-fA-F]+|\d+)[a-zA-Z]*/, // INTEGER, with unit letters (128MB, 5min)
  /^[-+]?\d*\.\d+([Ee][-+]?\d+)?/, // REAL
  /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff\-.:/]*/, // ID, QUALIFIED_ID, UNQUOTED_STRING
];

/** The longest unquoted value token at the start of `text`, as the lexer takes it. */
function unquotedValue(text: string): string | undefined {
  const matches = UNQUOTED_VALUES.map((re) => re.exec(text)?.[0] ?? '');
  const longest = matches.reduce((a, b) => (b.length > a.length ? b : a), '');
  return longest === '' ? undefined : longest;
}

function parsePostgresqlConf(text: string): { [key: string]: string } {
  const settings: { [key: string]: string } = {};
  for (const entry of parsePostgresqlConfEntries(text)) {
    if (!entry.isInclude) {
      settings[entry.name] = entry.value;
    }
  }
  return settings;
}

function parsePostgresqlConfEntries(text: string): PostgresqlConfEntry[] {
  const entries: PostgresqlConfEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const entry = parseLine(raw, index + 1);
    if (entry) {
      entries.push(entry);
    }
  });
  return entries;
}

function parseLine(raw: string, line: number): PostgresqlConfEntry | undefined {
  const fail = (why: string): never => {
    throw new Error(`postgresql.conf line ${line}: ${why} in '${raw.trim()}'. Expected name = value, name = 'quoted value', or a # comment.`);
  };
  let rest = raw.trimStart();
  if (rest === '' || rest.startsWith('#')) {
    return undefined;
  }
  const name = NAME.exec(rest);
  if (!name) {
    return fail('the parameter name is missing or malformed');
  }
  rest = rest.slice(name[0].length).trimStart();
  if (rest.startsWith('=')) {
    rest = rest.slice(1).trimStart();
  }
  let value: string;
  if (rest.startsWith('\'')) {
    const parsed = parseQuoted(rest);
    if (parsed === undefined) {
      return fail('the quoted value is not terminated');
    }
    value = parsed.value;
    rest = parsed.rest;
  } else {
    const unquoted = unquotedValue(rest);
    if (unquoted === undefined) {
      return fail(rest === '' || rest.startsWith('#') ? `the parameter '${name[0]}' has no value` : `'${rest}' is not a value PostgreSQL reads unquoted (quote it)`);
    }
    value = unquoted;
    rest = rest.slice(unquoted.length);
  }
  if (rest !== '' && !/^[ \t\r\f\v]*(#|$)/.test(rest)) {
    return fail(`unexpected text '${rest.trim()}' after the value`);
  }
  const lowerName = name[0].toLowerCase();
  return { line, name: lowerName, value, isInclude: INCLUDE_DIRECTIVES.has(lowerName) };
}

const ESCAPES: { [key: string]: string } = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

function parseQuoted(text: string): { value: string; rest: string } | undefined {
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\'') {
      if (text[i + 1] === '\'') {
        value += '\'';
        i++;
        continue;
      }
      return { value, rest: text.slice(i + 1) };
    }
    if (c === '\\' && i + 1 < text.length) {
      const next = text[++i];
      const octal = /^[0-7]{1,3}/.exec(text.slice(i));
      if (octal) {
        value += String.fromCharCode(parseInt(octal[0], 8));
        i += octal[0].length - 1;
      } else {
        value += ESCAPES[next] ?? next;
      }
      continue;
    }
    value += c;
  }
  return undefined;
}

/** Reading `postgresql.conf` text the way PostgreSQL does. */
export class PostgresqlConf {
  /**
   * Parses the text of a `postgresql.conf` file (or a fragment of one) into a map from
   * parameter name (lower case) to value, the way PostgreSQL reads it: `#` comments outside
   * quotes, blank lines, `name = value` or `name value`, single-quoted values with `''` and
   * backslash escapes, unquoted values only of the forms PostgreSQL's lexer takes (numbers with
   * unit letters such as `128MB`, identifiers, and unquoted strings of letters, digits and `-._:/`).
   * Values are kept as written (units are not converted), as `pg_file_settings` shows them.
   * When a parameter is set more than once the last assignment wins, as in PostgreSQL.
   * `include`, `include_if_exists` and `include_dir` lines are not settings and are left out;
   * `PostgresqlConf.parseEntries` returns them.
   *
   * @throws on a line PostgreSQL would refuse, with its line number.
   */
  public static parse(text: string): { [key: string]: string } {
    return parsePostgresqlConf(text);
  }

  /**
   * Parses the text of a `postgresql.conf` file into its lines, in order, including
   * `include`, `include_if_exists` and `include_dir` directives (`isInclude: true`).
   *
   * @throws on a line PostgreSQL would refuse, with its line number.
   */
  public static parseEntries(text: string): PostgresqlConfEntry[] {
    return parsePostgresqlConfEntries(text);
  }

  private constructor() {}
}
