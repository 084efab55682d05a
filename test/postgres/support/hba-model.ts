/**
 * A model of how PostgreSQL picks the pg_hba.conf line for a connection (the first line whose
 * type, database, user and address match decides; nothing matching means refused), and
 * fast-check generators of allowed-network lists.
 */
import { Lazy } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { PgHbaConnectionType, PgHbaEntry } from '../../../lib/postgres';
import { parseCidr, parseIpv4, parseIpv6, cidrContains, ParsedCidr } from '../../../lib/private/cidr';

/** A connection attempt as pg_hba sees it. */
export interface HbaConnection {
  /** Unix socket (true) or TCP (false). */
  readonly local: boolean;
  /** Whether the TCP connection negotiated TLS. */
  readonly ssl: boolean;
  /** The client address (4 or 16 bytes); ignored for local connections. */
  readonly address: number[];
  readonly database: string;
  readonly user: string;
}

/**
 * The line that decides `connection`, or undefined when none matches (PostgreSQL refuses).
 * Addresses that are not literal CIDRs (CDK tokens, host names) are assumed to match every
 * address, so the model errs on the side of finding a line that admits.
 */
export function decidingEntry(entries: PgHbaEntry[], connection: HbaConnection): PgHbaEntry | undefined {
  return entries.find((entry) => typeMatches(entry.type, connection)
    && listMatches(entry.database, connection.database, 'database')
    && listMatches(entry.user, connection.user, 'user')
    && (connection.local || addressMatches(entry, connection.address)));
}

function typeMatches(type: PgHbaConnectionType, connection: HbaConnection): boolean {
  if (connection.local) {
    return type === PgHbaConnectionType.LOCAL;
  }
  switch (type) {
    case PgHbaConnectionType.HOST: return true;
    case PgHbaConnectionType.HOSTSSL: return connection.ssl;
    case PgHbaConnectionType.HOSTNOSSL: return !connection.ssl;
    case PgHbaConnectionType.HOSTGSSENC: return false; // GSSAPI encryption is never negotiated here
    case PgHbaConnectionType.HOSTNOGSSENC: return true;
    default: return false;
  }
}

function listMatches(field: string, value: string, kind: 'database' | 'user'): boolean {
  return field.split(',').some((item) => item === 'all' || item === value
    || (kind === 'database' && ['sameuser', 'samerole', 'samegroup'].includes(item))
    || (kind === 'user' && item.startsWith('+'))); // role membership unknown to the model: assume member
}

function addressMatches(entry: PgHbaEntry, address: number[]): boolean {
  const text = entry.address ?? '';
  if (text === 'all' || text === 'samehost' || text === 'samenet') {
    return true;
  }
  const parsed = parseCidr(text);
  if (typeof parsed === 'string') {
    return true; // a token or host name: could be anything
  }
  return cidrContains(parsed, address);
}

/** Parses a literal CIDR for tests; throws when invalid. */
export function cidr(text: string): ParsedCidr {
  const parsed = parseCidr(text);
  if (typeof parsed === 'string') {
    throw new Error(parsed);
  }
  return parsed;
}

/** Whether the literal address `text` lies in `block`. */
export function cidrContainsText(block: ParsedCidr, text: string): boolean {
  return cidrContains(block, addressBytes(text));
}

/** The prefix length of a netmask such as 255.255.0.0 or ffff:ffff::. */
export function netmaskPrefix(text: string): number {
  return addressBytes(text).map((b) => b.toString(2).replace(/0/g, '')).join('').length;
}

/** Bytes of a literal address. */
export function addressBytes(text: string): number[] {
  const bytes = text.includes(':') ? parseIpv6(text) : parseIpv4(text);
  if (!bytes) {
    throw new Error(`not an address: ${text}`);
  }
  return bytes;
}

function mask(bytes: number[], prefix: number): number[] {
  const bits = bytes.map((b) => b.toString(2).padStart(8, '0')).join('').slice(0, prefix).padEnd(bytes.length * 8, '0');
  return bytes.map((_, i) => parseInt(bits.slice(i * 8, i * 8 + 8), 2));
}

function formatIpv6(bytes: number[], style: number): string {
  const groups = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push((bytes[i] * 256 + bytes[i + 1]).toString(16));
  }
  if (style === 0) {
    return groups.join(':'); // uncompressed
  }
  // compress the first run of zero groups (PostgreSQL accepts any run, even a single group)
  const start = groups.indexOf('0');
  if (start < 0) {
    return style === 2 ? groups.join(':').toUpperCase() : groups.join(':');
  }
  let end = start;
  while (end < 8 && groups[end] === '0') {
    end++;
  }
  const candidate = `${groups.slice(0, start).join(':')}::${groups.slice(end).join(':')}`;
  return style === 2 ? candidate.toUpperCase() : candidate;
}

/** A random IPv4 CIDR with its network address, prefix 1 to 32. */
export const ipv4Cidr = fc.tuple(fc.array(fc.nat(255), { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 32 }))
  .map(([bytes, prefix]) => `${mask(bytes, prefix).join('.')}/${prefix}`);

/** A random IPv6 CIDR with its network address, prefix 1 to 128, written in one of several styles. */
export const ipv6Cidr = fc.tuple(fc.array(fc.nat(255), { minLength: 16, maxLength: 16 }), fc.integer({ min: 1, max: 128 }),
  fc.integer({ min: 0, max: 2 }))
  .map(([bytes, prefix, style]) => `${formatIpv6(mask(bytes, prefix), style)}/${prefix}`);

/** A loopback CIDR that contains 127.0.0.1. */
export const loopbackV4Cidr = fc.integer({ min: 8, max: 32 }).map((prefix) => `${mask([127, 0, 0, 1], prefix).join('.')}/${prefix}`);

/** A loopback CIDR that contains ::1 (::1/128 or a short prefix of ::). */
export const loopbackV6Cidr = fc.constantFrom('::1/128', '::/127', '::/96', '0:0:0:0:0:0:0:1/128');

/** A CDK token that stands for a network known only at deploy time. */
export const networkToken = fc.constantFrom('10.0.0.0/16', 'fd00::/56').map((value) => Lazy.string({ produce: () => value }));

/** Random allowed-network lists: literal IPv4/IPv6 CIDRs, loopback ones and tokens. */
export const allowedNetworks = fc.array(fc.oneof(
  { weight: 4, arbitrary: ipv4Cidr },
  { weight: 3, arbitrary: ipv6Cidr },
  { weight: 1, arbitrary: loopbackV4Cidr },
  { weight: 1, arbitrary: loopbackV6Cidr },
  { weight: 1, arbitrary: networkToken },
), { minLength: 1, maxLength: 12 });

/** Random DATABASE/USER column values. */
export const hbaNames = fc.option(fc.uniqueArray(fc.constantFrom('all', 'app', 'tsdb', 'analytics', 'replication', '+readers', 'svc_1'),
  { minLength: 1, maxLength: 3 }), { nil: undefined });

/** A random connection, TCP or socket, with or without TLS, from any IPv4 or IPv6 address. */
export const anyConnection: fc.Arbitrary<HbaConnection> = fc.record({
  local: fc.boolean(),
  ssl: fc.boolean(),
  address: fc.oneof(fc.array(fc.nat(255), { minLength: 4, maxLength: 4 }), fc.array(fc.nat(255), { minLength: 16, maxLength: 16 }),
    fc.constant<number[]>([127, 0, 0, 1]), fc.constant<number[]>([...new Array<number>(15).fill(0), 1])),
  database: fc.constantFrom('postgres', 'app', 'tsdb', 'replication', 'template1'),
  user: fc.constantFrom('postgres', 'app', 'svc_1', 'approved_jdoe'),
});

/** Random access groups (as PgHbaOptions.access): each with its own networks, databases and users. */
export const accessGroups = fc.array(fc.record({
  networks: allowedNetworks,
  databases: hbaNames,
  users: fc.option(fc.uniqueArray(fc.constantFrom('all', 'app', '+acme_login', '+globex_login', '+approved_operator_access'),
    { minLength: 1, maxLength: 2 }), { nil: undefined }),
}, { requiredKeys: ['networks'] }), { minLength: 1, maxLength: 4 });
