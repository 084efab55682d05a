import { Token } from 'aws-cdk-lib';
import { hasHostBits, networkAddress, parseCidr } from '../private/cidr';

/**
 * The connection types of a `pg_hba.conf` line.
 *
 * @see https://www.postgresql.org/docs/current/auth-pg-hba-conf.html
 */
export enum PgHbaConnectionType {
  /** Unix-domain socket connections. */
  LOCAL = 'local',
  /** TCP/IP connections, with or without TLS. This library never renders it. */
  HOST = 'host',
  /** TCP/IP connections that use TLS. */
  HOSTSSL = 'hostssl',
  /** TCP/IP connections that do not use TLS. */
  HOSTNOSSL = 'hostnossl',
  /** TCP/IP connections that use GSSAPI encryption. */
  HOSTGSSENC = 'hostgssenc',
  /** TCP/IP connections that do not use GSSAPI encryption. */
  HOSTNOGSSENC = 'hostnogssenc',
}

/**
 * One group of network lines in `pg_hba.conf`: who may connect from where, to what. Each network
 * gets one `hostssl <databases> <users> <network> scram-sha-256` line.
 */
export interface PgHbaAccess {
  /**
   * The client networks of this group, each an IPv4 or IPv6 CIDR block (`10.0.0.0/16`,
   * `fd00::/64`) or a CDK token that resolves to one (e.g. `vpc.vpcCidrBlock`). Literal CIDRs are
   * validated: a /0 block, host bits set after the prefix and malformed addresses are refused.
   * Tokens pass through unvalidated because their value is only known at deploy time; the rule
   * packs judge the deployed value. Duplicates are rendered once.
   */
  readonly networks: string[];

  /**
   * The databases this group's lines admit (the pg_hba DATABASE column).
   *
   * @default - ['all']: every database (not replication connections)
   */
  readonly databases?: string[];

  /**
   * The database roles this group's lines admit (the pg_hba USER column); `+name` means members
   * of role `name` (and `name` itself). The superuser is never accepted here.
   *
   * @default - ['all']: every role except the superuser, each still needing a SCRAM-SHA-256 password
   */
  readonly users?: string[];
}

/**
 * Options for `PgHba.render`.
 */
export interface PgHbaOptions {
  /**
   * Client networks admitted with `databases` and `users`: one more access group, written before
   * the groups of `access`. See `PgHbaAccess.networks` for what a network may be.
   *
   * @default - none: only the `access` groups are rendered (at least one network line is required overall)
   */
  readonly allowedNetworks?: string[];

  /**
   * The databases the `allowedNetworks` lines admit (the pg_hba DATABASE column).
   *
   * @default - ['all']: every database (not replication connections)
   */
  readonly databases?: string[];

  /**
   * The database roles the `allowedNetworks` lines admit (the pg_hba USER column); `+name` means
   * members of role `name`.
   *
   * @default - ['all']: every role except the superuser, each still needing a SCRAM-SHA-256 password
   */
  readonly users?: string[];

  /**
   * Access groups, each with its own networks, databases and users: one per customer (its
   * CIDRs, its databases, its login group) and one for approved operators.
   *
   * @default - none: only `allowedNetworks` is rendered
   */
  readonly access?: PgHbaAccess[];

  /**
   * The name of the superuser role. It is refused over TCP from every address (a `reject` line
   * ahead of every `hostssl` line) and admitted only on the Unix socket by `peer`, that is for the
   * OS user of the same name. An access line naming it (`postgres` or `+postgres`) is refused.
   *
   * @default 'postgres'
   */
  readonly superuser?: string;
}

/**
 * One parsed line of a `pg_hba.conf` file.
 */
export interface PgHbaEntry {
  /** The 1-based line number the entry starts on. */
  readonly line: number;
  /** The connection type (first column). */
  readonly type: PgHbaConnectionType;
  /** The DATABASE column as written (a comma-separated list; quotes removed). */
  readonly database: string;
  /** The USER column as written (a comma-separated list; quotes removed). */
  readonly user: string;
  /**
   * The names of the DATABASE column, one per comma-separated element, with whether each was
   * quoted: a quoted `"all"` is a database named all, not the keyword.
   */
  readonly databases: PgHbaName[];
  /** The names of the USER column (see `databases`); an unquoted `+name` means members of role `name`. */
  readonly users: PgHbaName[];
  /**
   * The ADDRESS column for non-local lines: a CIDR block, an address, a host name, `all`,
   * `samehost` or `samenet`.
   *
   * @default - none for `local` lines
   */
  readonly address?: string;
  /**
   * The IP-MASK column, when the address is written as an address and a separate mask.
   *
   * @default - none: the address carries its own prefix
   */
  readonly netmask?: string;
  /** The authentication method as written; PostgreSQL knows it only in lower case (e.g. `scram-sha-256`, `reject`, `peer`). */
  readonly method: string;
  /**
   * The `name=value` authentication options after the method.
   *
   * @default - {} when there are none
   */
  readonly options: { [key: string]: string };
}

/**
 * One element of the DATABASE or USER column of a `pg_hba.conf` line.
 */
export interface PgHbaName {
  /** The name with quotes removed (`""` inside quotes is one `"`). */
  readonly value: string;
  /** Whether any part of it was double-quoted: then it is a plain name, never a keyword, `+group` or `@file`. */
  readonly quoted: boolean;
}

function isPgHbaKeyword(name: PgHbaName, keyword: string): boolean {
  return !name.quoted && name.value === keyword;
}

/** The address families every TCP connection falls in: one reject line for each. */
const EVERY_ADDRESS = ['0.0.0.0/0', '::/0'];

/** The keyword values of the DATABASE and USER columns. */
const HBA_KEYWORDS = new Set(['all', 'sameuser', 'samerole', 'samegroup', 'replication']);

const HBA_NAME = /^\+?[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

const DEFAULT_SUPERUSER = 'postgres';

function renderPgHba(options: PgHbaOptions): string {
  const superuser = validateSuperuser(options.superuser ?? DEFAULT_SUPERUSER);
  const groups = validateAccessGroups(options, superuser);

  // Columns as wide as their longest value, so long role and database lists still line up.
  const databaseWidth = Math.max(10, ...groups.map((group) => group.databases.length));
  const userWidth = Math.max(10, superuser.length, ...groups.map((group) => group.users.length));
  const row = (type: string, database: string, user: string, address: string, method: string) =>
    `${type.padEnd(10)} ${database.padEnd(databaseWidth)} ${user.padEnd(userWidth)} ${address.padEnd(20)} ${method}`.trimEnd();

  return [
    '# pg_hba.conf rendered by cdk-timescale-security. Only TLS connections with SCRAM-SHA-256 passwords',
    '# are accepted from the network; there is no plaintext option. Edits on the host are overwritten.',
    row('# TYPE', 'DATABASE', 'USER', 'ADDRESS', 'METHOD'),
    '# Refuse every connection without TLS, from any IPv4 or IPv6 address, before any other line applies.',
    ...EVERY_ADDRESS.map((address) => row('hostnossl', 'all', 'all', address, 'reject')),
    '# The superuser never logs in over the network, with or without a password; only on the socket below.',
    ...EVERY_ADDRESS.map((address) => row('hostssl', 'all', superuser, address, 'reject')),
    ...groups.flatMap((group) => [
      `# TLS-only access: ${group.title}.`,
      ...group.networks.map((network) => row('hostssl', group.databases, group.users, network, 'scram-sha-256')),
    ]),
    `# Unix socket: only the OS user ${superuser}, for the host bootstrap's own administration.`,
    row('local', 'all', superuser, '', 'peer'),
    '',
  ].join('\n');
}

interface AccessGroup {
  readonly title: string;
  readonly networks: string[];
  readonly databases: string;
  readonly users: string;
}

function validateSuperuser(superuser: string): string {
  if (typeof superuser !== 'string' || !/^[a-z_][a-z0-9_]{0,62}$/.test(superuser) || HBA_KEYWORDS.has(superuser)) {
    throw new Error(
      'PgHbaOptions.superuser must be the superuser\'s role name, lower-case letters, digits and _ (at most 63 characters, not a ' +
      `pg_hba keyword); got ${JSON.stringify(superuser)}. Omit it for '${DEFAULT_SUPERUSER}'.`,
    );
  }
  return superuser;
}

function validateAccessGroups(options: PgHbaOptions, superuser: string): AccessGroup[] {
  const groups: AccessGroup[] = [];
  const legacy = options.allowedNetworks;
  if (legacy !== undefined || options.access === undefined) {
    const networks = validateNetworks('PgHbaOptions.allowedNetworks', legacy, options.access !== undefined);
    if (networks.length > 0) {
      groups.push({
        title: 'the allowed client networks',
        networks,
        databases: validateNames('PgHbaOptions.databases', options.databases ?? ['all']).join(','),
        users: validateUsers('PgHbaOptions.users', options.users ?? ['all'], superuser).join(','),
      });
    }
  }
  if (groups.length === 0 && (options.databases !== undefined || options.users !== undefined)) {
    throw new Error(
      'PgHbaOptions.databases and PgHbaOptions.users apply to the allowedNetworks lines, and there are none; ' +
      `got databases ${JSON.stringify(options.databases)}, users ${JSON.stringify(options.users)}. ` +
      'Put them in the access group they belong to (PgHbaAccess.databases, PgHbaAccess.users).',
    );
  }
  const access = options.access ?? [];
  if (Token.isUnresolved(access) || !Array.isArray(access)) {
    throw new Error(
      `PgHbaOptions.access must be a list of access groups written in the app; got ${JSON.stringify(access)}. ` +
      'Pass e.g. [{ networks: [\'10.20.0.0/16\'], databases: [\'acme\'], users: [\'+acme_login\'] }].',
    );
  }
  access.forEach((group, index) => {
    const where = `PgHbaOptions.access[${index}]`;
    if (typeof group !== 'object' || group === null) {
      throw new Error(`${where} must be an access group { networks, databases?, users? }; got ${JSON.stringify(group)}.`);
    }
    const databases = validateNames(`${where}.databases`, group.databases ?? ['all']).join(',');
    const users = validateUsers(`${where}.users`, group.users ?? ['all'], superuser).join(',');
    groups.push({
      title: `access group ${index + 1} (${databases} as ${users})`,
      networks: validateNetworks(`${where}.networks`, group.networks, false),
      databases,
      users,
    });
  });
  if (groups.length === 0) {
    throw new Error(
      `PgHbaOptions must admit at least one client network; got allowedNetworks ${JSON.stringify(legacy)} and access ` +
      `${JSON.stringify(options.access)}. Pass access groups (one per customer: its CIDRs, its databases, its login group), ` +
      'e.g. access: [{ networks: [\'10.20.0.0/16\'], databases: [\'acme\'], users: [\'+acme_login\'] }].',
    );
  }
  return groups;
}

function validateUsers(what: string, names: string[], superuser: string): string[] {
  validateNames(what, names);
  const named = names.find((name) => name === superuser || name === `+${superuser}`);
  if (named !== undefined) {
    throw new Error(
      `${what} names the superuser (${JSON.stringify(named)}), which never logs in over the network: every TCP connection as ` +
      `'${superuser}' is rejected ahead of the access lines, and its members would hold superuser powers. Admit the ` +
      'application or customer roles instead (e.g. \'+acme_login\'); the superuser uses the local socket.',
    );
  }
  return names;
}

function validateNetworks(what: string, networks: string[] | undefined, emptyAllowed: boolean): string[] {
  if (Token.isUnresolved(networks)) {
    throw new Error(
      `${what} must be a list written in the app, one CIDR or token per element; ` +
      'got a list token whose length is only known at deploy time. Each network needs its own pg_hba line: ' +
      'pass e.g. [vpc.vpcCidrBlock, \'10.20.0.0/16\'] or use Fn.select on the list for each element.',
    );
  }
  if (!Array.isArray(networks) || (networks.length === 0 && !emptyAllowed)) {
    throw new Error(
      `${what} must list at least one client network; got ${JSON.stringify(networks)}. ` +
      'Pass the CIDR blocks of the service VPC and of the peered customer VPCs, e.g. [\'10.0.0.0/16\'].',
    );
  }
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of networks) {
    const network = typeof raw === 'string' ? raw.trim() : raw;
    if (typeof network !== 'string' || network === '') {
      throw new Error(
        `${what} contains an empty or non-string element; got ${JSON.stringify(raw)}. ` +
        'Each element must be an IPv4 or IPv6 CIDR block such as \'10.0.0.0/16\' or \'fd00::/64\', or a token.',
      );
    }
    if (!Token.isUnresolved(network)) {
      assertAllowedCidr(what, network);
    } else if (/\s|#|"/.test(network)) {
      throw new Error(
        `${what} element '${network}' mixes a token with spaces, quotes or '#'; ` +
        'pass the token alone (e.g. vpc.vpcCidrBlock) so it becomes one pg_hba address field.',
      );
    }
    if (!seen.has(network)) {
      seen.add(network);
      out.push(network);
    }
  }
  return out;
}

function assertAllowedCidr(what: string, network: string): void {
  const accepted = 'An allowed network is an IPv4 or IPv6 CIDR block with its network address, such as ' +
    '\'10.0.0.0/16\', \'192.168.1.10/32\' or \'fd00:10::/64\'.';
  const parsed = parseCidr(network);
  if (typeof parsed === 'string') {
    throw new Error(`${what} element '${network}' is not a valid CIDR block: ${parsed}. ${accepted}`);
  }
  if (parsed.prefix === 0) {
    throw new Error(
      `${what} element '${network}' admits every address on the internet; ` +
      'a /0 block is never accepted (the database is reachable only from the service and peered customer networks). ' +
      `${accepted} List the customer VPC CIDR blocks instead.`,
    );
  }
  if (hasHostBits(parsed)) {
    throw new Error(
      `${what} element '${network}' has host bits set after the /${parsed.prefix} prefix, ` +
      'so it is unclear whether one host or the whole block was meant. Write the network address ' +
      `'${networkAddress(parsed)}' for the block, or '${network.split('/')[0]}/${parsed.family === 4 ? 32 : 128}' for the single host.`,
    );
  }
}

function validateNames(what: string, names: string[]): string[] {
  if (!Array.isArray(names) || names.length === 0) {
    throw new Error(`${what} must list at least one name; got ${JSON.stringify(names)}. Omit it to admit 'all'.`);
  }
  for (const name of names) {
    if (typeof name !== 'string' || (!HBA_KEYWORDS.has(name) && !HBA_NAME.test(name))) {
      throw new Error(
        `${what} element ${JSON.stringify(name)} is not accepted. Use a keyword (${[...HBA_KEYWORDS].join(', ')}), ` +
        'a plain identifier of letters, digits, _ and $ (at most 63 characters) or +role for members of a role. ' +
        'Quoted names and @file references are not rendered.',
      );
    }
  }
  return names;
}

function parsePgHba(text: string): PgHbaEntry[] {
  const entries: PgHbaEntry[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const startLine = index + 1;
    let logical = lines[index];
    while (/\\$/.test(logical) && index + 1 < lines.length) {
      logical = logical.slice(0, -1) + lines[++index];
    }
    const fields = splitFields(logical, startLine);
    if (fields.length === 0) {
      continue;
    }
    entries.push(toEntry(fields, startLine));
  }
  return entries;
}

interface Field {
  /** The comma-separated elements of the field. */
  readonly names: PgHbaName[];
  /** The field as one string: the elements joined by commas. */
  readonly text: string;
  /** Whether the (single-element) field was quoted. */
  readonly quoted: boolean;
}

/** Splits a line into fields of comma-separated tokens, as PostgreSQL's next_token and next_field_expand do. */
function splitFields(line: string, lineNumber: number): Field[] {
  const fields: Field[] = [];
  let i = 0;
  const blank = (c: string | undefined) => c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v';
  const nextToken = (): { token?: PgHbaName; comma: boolean } => {
    while (i < line.length && blank(line[i])) {
      i++;
    }
    if (i >= line.length || line[i] === '#') {
      i = line.length;
      return { comma: false };
    }
    let value = '';
    let quoted = false;
    let inQuote = false;
    let wasQuote = false;
    while (i < line.length && (!blank(line[i]) || inQuote)) {
      const c = line[i++];
      if (c === '#' && !inQuote) {
        i = line.length;
        break;
      }
      if (c === ',' && !inQuote) {
        return { token: { value, quoted }, comma: true };
      }
      if (c !== '"' || wasQuote) {
        value += c;
      }
      wasQuote = inQuote && c === '"' ? !wasQuote : false;
      if (c === '"') {
        inQuote = !inQuote;
        quoted = true;
      }
    }
    if (inQuote) {
      throw new Error(`pg_hba.conf line ${lineNumber}: unterminated quoted field in '${line.trim()}'.`);
    }
    return { token: { value, quoted }, comma: false };
  };
  for (;;) {
    const names: PgHbaName[] = [];
    let more = true;
    while (more) {
      const { token, comma } = nextToken();
      if (!token) {
        break;
      }
      names.push(token);
      more = comma;
    }
    if (names.length === 0) {
      return fields;
    }
    fields.push({ names, text: names.map((n) => n.value).join(','), quoted: names.length === 1 && names[0].quoted });
  }
}

/** The authentication methods PostgreSQL knows (names are case-sensitive). */
const METHODS = new Set(['trust', 'reject', 'scram-sha-256', 'md5', 'password', 'gss', 'sspi', 'ident', 'peer', 'pam', 'ldap', 'radius', 'cert', 'bsd']);

const TYPES = new Map<string, PgHbaConnectionType>(
  Object.values(PgHbaConnectionType).map((type) => [type, type as PgHbaConnectionType]),
);

function toEntry(fields: Field[], line: number): PgHbaEntry {
  const where = `pg_hba.conf line ${line}`;
  const keyword = fields[0].text.toLowerCase();
  if (!fields[0].quoted && ['include', 'include_if_exists', 'include_dir'].includes(keyword)) {
    throw new Error(
      `${where}: '${keyword} ${fields.slice(1).map((f) => f.text).join(' ')}' pulls in another file, which cannot be judged ` +
      'from this text. Render one self-contained pg_hba.conf (PgHba.render) instead.',
    );
  }
  // PostgreSQL compares the type and the method case-sensitively, quoted or not.
  const type = TYPES.get(fields[0].text);
  if (type === undefined) {
    throw new Error(
      `${where}: unknown connection type '${fields[0].text}'. Accepted: ${[...TYPES.keys()].join(', ')}.`,
    );
  }
  const isLocal = type === PgHbaConnectionType.LOCAL;
  const minimum = isLocal ? 4 : 5;
  if (fields.length < minimum) {
    throw new Error(
      `${where}: a '${type}' line needs ${isLocal ? 'DATABASE USER METHOD' : 'DATABASE USER ADDRESS METHOD'} ` +
      `after the type; got '${fields.map((f) => f.text).join(' ')}'.`,
    );
  }
  for (const field of [fields[1], fields[2]]) {
    if (field.names.some((name) => !name.quoted && name.value.startsWith('@'))) {
      throw new Error(`${where}: '${field.text}' reads names from a file (@file), which cannot be judged from this text.`);
    }
  }
  let next = 3;
  let address: string | undefined;
  let netmask: string | undefined;
  if (!isLocal) {
    address = fields[next++].text;
    const looksLikeBareAddress = !address.includes('/') && /^[0-9a-fA-F:.]+$/.test(address) && /[.:]/.test(address);
    if (looksLikeBareAddress && fields.length > next + 1 && /^[0-9a-fA-F:.]+$/.test(fields[next].text)) {
      netmask = fields[next++].text;
    }
  }
  const method = fields[next++].text;
  if (!METHODS.has(method)) {
    throw new Error(`${where}: unknown authentication method '${method}'. Accepted: ${[...METHODS].join(', ')}.`);
  }
  const options: { [key: string]: string } = {};
  for (const field of fields.slice(next)) {
    const equals = field.text.indexOf('=');
    if (equals <= 0) {
      throw new Error(`${where}: authentication option '${field.text}' is not of the form name=value.`);
    }
    options[field.text.slice(0, equals)] = field.text.slice(equals + 1);
  }
  return {
    line,
    type,
    database: fields[1].text,
    user: fields[2].text,
    databases: fields[1].names,
    users: fields[2].names,
    ...(address !== undefined ? { address } : {}),
    ...(netmask !== undefined ? { netmask } : {}),
    method,
    options,
  };
}

/**
 * `pg_hba.conf`: the renderer of this library's TLS-only, SCRAM-only file, and the parser the rule
 * packs read such files with.
 */
export class PgHba {
  /** The default name of the superuser role: the one `initdb` creates on the database host. */
  public static readonly DEFAULT_SUPERUSER: string = DEFAULT_SUPERUSER;

  /**
   * Renders a `pg_hba.conf` that admits only TLS-encrypted connections with SCRAM-SHA-256
   * passwords from the allowed networks, and never the superuser over the network:
   *
   * 1. `hostnossl all all 0.0.0.0/0 reject` and `hostnossl all all ::/0 reject`, first, so a
   *    connection without TLS is refused from any address before any other line is considered;
   * 2. `hostssl all postgres 0.0.0.0/0 reject` and `hostssl all postgres ::/0 reject`, so the
   *    superuser is refused over TCP from every address, whatever its password;
   * 3. one `hostssl <databases> <users> <network> scram-sha-256` line per network, for the
   *    `allowedNetworks` group first, then for each `access` group in order;
   * 4. `local all postgres peer`: the Unix socket admits only the OS user `postgres` as the
   *    database role `postgres`, for the host bootstrap's own administration.
   *
   * There is never a `host` line, and never `trust`, `password` or `md5`. Anything not matched
   * is refused by PostgreSQL ("no pg_hba.conf entry").
   *
   * @throws when no network line would be rendered, a network is a /0 block, a malformed CIDR or a
   * CIDR with host bits set, a database or user name is not a plain identifier, or a user column
   * names the superuser.
   */
  public static render(options: PgHbaOptions): string {
    return renderPgHba(options);
  }

  /**
   * Parses the text of a `pg_hba.conf` file into its entries, the way PostgreSQL reads it:
   * `#` comments outside quotes, blank lines, fields separated by blanks, double-quoted parts
   * (`""` is a literal quote) that make a name a plain name rather than a keyword, `+group`, comma
   * lists (`a, b` is one list), and an address written as address plus separate mask. A trailing
   * backslash continues a record on the next line as PostgreSQL 16 and newer read it; PostgreSQL
   * 15 and older do not support continuation, so do not rely on it for them.
   *
   * @throws on a line PostgreSQL would refuse (unknown type, missing fields), and on `include`,
   * `include_if_exists` and `include_dir` lines (PostgreSQL 16+) and `@file` references, whose
   * content this parser cannot see: a config that pulls in other files cannot be judged from its
   * own text.
   */
  public static parse(text: string): PgHbaEntry[] {
    return parsePgHba(text);
  }

  /**
   * Whether a DATABASE or USER element is the keyword `keyword` (`all`, `sameuser`, `samerole`,
   * `samegroup`, `replication`): keywords count only when unquoted, as PostgreSQL reads them.
   */
  public static isKeyword(name: PgHbaName, keyword: string): boolean {
    return isPgHbaKeyword(name, keyword);
  }

  private constructor() {}
}
