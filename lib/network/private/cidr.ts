import { Token } from 'aws-cdk-lib';
import { hasHostBits, networkAddress, parseCidr } from '../../private/cidr';

/** An IPv4 CIDR block parsed to integers: `[first, last]` address of the range. */
export interface Ipv4Range {
  readonly cidr: string;
  readonly first: number;
  readonly last: number;
  readonly prefix: number;
}

/**
 * Parses an IPv4 CIDR. Returns undefined for an unresolved token (not knowable at synth).
 * Throws for anything that is not a canonical IPv4 CIDR block (host bits must be zero, so the
 * route and the security group rule say exactly what the reader sees).
 */
export function parseIpv4Cidr(what: string, cidr: string): Ipv4Range | undefined {
  if (Token.isUnresolved(cidr)) {
    return undefined;
  }
  const block = parseCidr(cidr);
  if (typeof block === 'string' || block.family !== 4) {
    throw new Error(
      `${what} must be an IPv4 CIDR block such as '10.20.0.0/16'; got '${cidr}'. ` +
      'Use the CIDR block of the VPC (or of the subnets) exactly as shown in the VPC console.',
    );
  }
  const size = 2 ** (32 - block.prefix);
  const first = Math.floor(block.bytes.reduce((acc, octet) => acc * 256 + octet, 0) / size) * size;
  if (hasHostBits(block)) {
    throw new Error(
      `${what} '${cidr}' has host bits set; the network address of a /${block.prefix} is ${formatIpv4(first)}. ` +
      `Use '${networkAddress(block)}'.`,
    );
  }
  return { cidr, first, last: first + size - 1, prefix: block.prefix };
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function overlaps(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function contains(outer: Ipv4Range, inner: Ipv4Range): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

/** AWS VPC CIDR blocks are /16 to /28: a larger block can never be (part of) one VPC. */
export const LARGEST_VPC_PREFIX = 16;

/**
 * Parses a CIDR that will be routed over a peering connection or admitted by a security group:
 * refuses a default route and anything larger than a VPC can be.
 */
export function parsePeerCidr(what: string, cidr: string): Ipv4Range | undefined {
  const range = parseIpv4Cidr(what, cidr);
  if (range && range.prefix === 0) {
    throw new Error(
      `${what} must not be a default route; got '${cidr}'. Routing 0.0.0.0/0 over a peering connection would send ` +
      'all traffic to the peer and admit the whole internet address space. Pass the peer VPC\'s own CIDR blocks.',
    );
  }
  if (range && range.prefix < LARGEST_VPC_PREFIX) {
    throw new Error(
      `${what} '${cidr}' is larger than any VPC (VPC CIDR blocks are /16 to /28). ` +
      'Pass the peer VPC\'s own CIDR blocks (primary and secondary), each /16 or smaller.',
    );
  }
  return range;
}

/** Throws when two ranges in `ranges` overlap, naming both. */
export function assertNoOverlap(what: string, ranges: Ipv4Range[]): void {
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      if (overlaps(ranges[i], ranges[j])) {
        throw new Error(
          `${what}: '${ranges[i].cidr}' overlaps '${ranges[j].cidr}'. ` +
          'Each CIDR block may appear once and blocks must not contain each other; remove the duplicate or the contained block.',
        );
      }
    }
  }
}
