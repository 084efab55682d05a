import { cidrWithin as within, ParsedCidr, parseCidr } from '../../private/cidr';

/**
 * CIDRs as templates write them: a bare address stands for one host. Undefined when the text is
 * not an address (an unresolved value, a prefix list id).
 */
export function templateCidr(text: string): ParsedCidr | undefined {
  const trimmed = text.trim();
  const withPrefix = trimmed.includes('/') ? trimmed : `${trimmed}/${trimmed.includes(':') ? 128 : 32}`;
  const parsed = parseCidr(withPrefix);
  return typeof parsed === 'string' ? undefined : parsed;
}

/** Whether every address of `inner` lies within `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = templateCidr(inner);
  const b = templateCidr(outer);
  return !!a && !!b && within(a, b);
}

/** Whether the CIDR is the whole address space (0.0.0.0/0 or ::/0). */
export function isAnywhere(cidr: string): boolean {
  return templateCidr(cidr)?.prefix === 0;
}

/** Blocks no internet host can come from: private, shared, loopback, link-local, multicast and reserved. */
const NON_PUBLIC_V4 = ['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/3'];
/** IPv6 global unicast: the only IPv6 space the internet routes today. */
const PUBLIC_V6 = '2000::/3';

/** A CIDR as the half-open address interval [start, end). */
export interface AddressRange {
  readonly family: 4 | 6;
  readonly start: bigint;
  readonly end: bigint;
}

export function addressRange(cidr: string): AddressRange | undefined {
  const parsed = templateCidr(cidr);
  if (!parsed) {
    return undefined;
  }
  const bits = BigInt(parsed.family === 4 ? 32 : 128);
  const value = parsed.bytes.reduce((acc, b) => acc * 256n + BigInt(b), 0n);
  const size = 2n ** (bits - BigInt(parsed.prefix));
  const start = value - (value % size);
  return { family: parsed.family, start, end: start + size };
}

const NON_PUBLIC_V4_RANGES = NON_PUBLIC_V4.map((c) => addressRange(c)!);
const PUBLIC_V6_RANGE = addressRange(PUBLIC_V6)!;

/** Whether sorted-once intervals together reach every address of [start, end). */
function covers(ranges: AddressRange[], start: bigint, end: bigint): boolean {
  let reached = start;
  for (const r of [...ranges].sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0))) {
    if (r.start > reached) {
      return false;
    }
    if (r.end > reached) {
      reached = r.end;
    }
    if (reached >= end) {
      return true;
    }
  }
  return reached >= end;
}

/**
 * Whether the CIDR holds any address an internet host can have (IPv4 outside the private and
 * reserved blocks, IPv6 global unicast). False for text that is not a CIDR.
 */
export function isPublicCidr(cidr: string): boolean {
  const r = addressRange(cidr);
  if (!r) {
    return false;
  }
  if (r.family === 6) {
    return r.start < PUBLIC_V6_RANGE.end && PUBLIC_V6_RANGE.start < r.end;
  }
  return !NON_PUBLIC_V4_RANGES.some((n) => n.start <= r.start && r.end <= n.end);
}

/**
 * Whether CIDRs together reach every public address, in IPv4 (with the non-public blocks counted as
 * covered) or in IPv6 global unicast: `0.0.0.0/1` + `128.0.0.0/1` does, `10.0.0.0/8` + `172.16.0.0/12` does not.
 * Sorting makes it O(n log n) in the number of CIDRs.
 */
export function coversPublicSpace(cidrs: string[]): 4 | 6 | undefined {
  const ranges = cidrs.map(addressRange).filter((x): x is AddressRange => !!x);
  if (covers([...ranges.filter((x) => x.family === 4), ...NON_PUBLIC_V4_RANGES], 0n, 2n ** 32n)) {
    return 4;
  }
  return covers(ranges.filter((x) => x.family === 6), PUBLIC_V6_RANGE.start, PUBLIC_V6_RANGE.end) ? 6 : undefined;
}
