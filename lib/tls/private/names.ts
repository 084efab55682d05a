import * as net from 'net';
import { Token } from 'aws-cdk-lib';

/** A DNS name as certificates carry it: labels of letters, digits and hyphens, optionally a leading `*.` wildcard. */
const DNS_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * Throws unless `value` is a DNS name or IPv4 address usable in a certificate's subject alternative names.
 * Unresolved tokens are accepted (the name is only known at deploy time).
 */
export function assertCertificateName(what: string, value: string): void {
  if (Token.isUnresolved(value) || net.isIPv4(value)) {
    return;
  }
  if (value.length > 253 || !DNS_NAME.test(value)) {
    throw new Error(
      `${what} must be a DNS name (letters, digits, hyphens and dots, optionally starting with '*.') or an IPv4 address; ` +
      `got '${value}'. Use the name clients put in host= (for example 'db.example.internal').`,
    );
  }
}

/** Private, shared (CGNAT) and unique-local ranges: addresses a peered VPC can use. */
const PRIVATE_IPV4: Array<[string, number]> = [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['100.64.0.0', 10]];

export interface ParsedCidr {
  readonly version: 4 | 6;
  readonly cidr: string;
  readonly isPrivate: boolean;
}

/**
 * Parses an IPv4 or IPv6 CIDR block an allowed client network is given as. Throws with a clear message
 * for anything that is not a canonical CIDR, and for `0.0.0.0/0` and `::/0`, which would admit every address.
 */
export function parseAllowedNetwork(what: string, value: string): ParsedCidr {
  const accepted = 'Accepted: a canonical IPv4 or IPv6 CIDR block of a client network, such as 10.20.0.0/16 or fd00:1::/64.';
  const match = /^([^/]+)\/(\d{1,3})$/.exec(value);
  const address = match?.[1] ?? '';
  const version = net.isIPv4(address) ? 4 : net.isIPv6(address) ? 6 : undefined;
  const prefix = Number(match?.[2]);
  if (!match || !version || prefix > (version === 4 ? 32 : 128)) {
    throw new Error(`${what} must contain only CIDR blocks; got '${value}', which is not a valid CIDR. ${accepted}`);
  }
  if (prefix === 0) {
    throw new Error(
      `${what} must not contain '${value}': it admits every address, and the database is reachable only from the ` +
      `customer networks (private, peered). ${accepted} List each client network (for example the peered VPC's CIDR).`,
    );
  }
  const bits = version === 4 ? 32 : 128;
  const numeric = version === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
  const blockSize = 2n ** BigInt(bits - prefix);
  if (numeric % blockSize !== 0n) {
    const network = numeric - (numeric % blockSize);
    const canonical = `${version === 4 ? bigIntToIpv4(network) : bigIntToIpv6(network)}/${prefix}`;
    throw new Error(`${what} must contain canonical CIDR blocks (no host bits set); got '${value}'. Did you mean '${canonical}'? ${accepted}`);
  }
  const isPrivate = version === 4
    ? PRIVATE_IPV4.some(([base, len]) => prefix >= len && sameNetwork(numeric, ipv4ToBigInt(base), 32 - len))
    : prefix >= 7 && sameNetwork(numeric, 0xfcn * 2n ** 120n, 121); // fc00::/7
  return { version, cidr: value, isPrivate };
}

/** Whether `a` and `b` agree on every bit above the lowest `hostBits`. */
function sameNetwork(a: bigint, b: bigint, hostBits: number): boolean {
  const size = 2n ** BigInt(hostBits);
  return a / size === b / size;
}

function ipv4ToBigInt(address: string): bigint {
  return address.split('.').reduce((acc, octet) => acc * 256n + BigInt(Number(octet)), 0n);
}

function bigIntToIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value / 2n ** shift) % 256n)).join('.');
}

function ipv6ToBigInt(address: string): bigint {
  let text = address;
  if (text.includes('.')) {
    // Embedded IPv4 tail (::ffff:10.0.0.1) as two hextets.
    const v4 = text.slice(text.lastIndexOf(':') + 1);
    const n = ipv4ToBigInt(v4);
    text = `${text.slice(0, text.lastIndexOf(':') + 1)}${(n / 65536n).toString(16)}:${(n % 65536n).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = [...headParts, ...Array(tail === undefined ? 0 : missing).fill('0'), ...tailParts];
  return parts.reduce((acc, part) => acc * 65536n + BigInt(parseInt(part, 16)), 0n);
}

function bigIntToIpv6(value: bigint): string {
  const parts: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) {
    parts.push(((value / 2n ** shift) % 65536n).toString(16));
  }
  return parts.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}
