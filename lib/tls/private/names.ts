import * as net from 'net';
import { Token } from 'aws-cdk-lib';
import { cidrWithin, hasHostBits, networkAddress, ParsedCidr as CidrBlock, parseCidr } from '../../private/cidr';

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
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'].map((text) => parseCidr(text) as CidrBlock);

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
  const block = parseCidr(value);
  if (typeof block === 'string') {
    throw new Error(`${what} must contain only CIDR blocks; got '${value}', which is not a valid CIDR. ${accepted}`);
  }
  if (block.prefix === 0) {
    throw new Error(
      `${what} must not contain '${value}': it admits every address, and the database is reachable only from the ` +
      `customer networks (private, peered). ${accepted} List each client network (for example the peered VPC's CIDR).`,
    );
  }
  if (hasHostBits(block)) {
    throw new Error(`${what} must contain canonical CIDR blocks (no host bits set); got '${value}'. Did you mean '${networkAddress(block)}'? ${accepted}`);
  }
  return { version: block.family, cidr: value, isPrivate: PRIVATE_RANGES.some((range) => cidrWithin(block, range)) };
}
