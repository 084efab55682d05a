/**
 * The one IPv4/IPv6 CIDR parser of the library (pg_hba.conf fields, security group and route
 * CIDRs, the rules' ingress checks). Not exported from the package; each caller words its own
 * errors around the reason `parseCidr` returns.
 */

/** A parsed, validated CIDR block. */
export interface ParsedCidr {
  /** 4 for IPv4, 6 for IPv6. */
  readonly family: 4 | 6;
  /** The address as 4 (IPv4) or 16 (IPv6) bytes. */
  readonly bytes: number[];
  /** The prefix length. */
  readonly prefix: number;
}

/**
 * Parses `text` as an IPv4 or IPv6 CIDR block (`a.b.c.d/n` or `x:x::x/n`).
 * Returns an error message (what is wrong, without the field name) instead of throwing,
 * so callers can add their own context.
 */
export function parseCidr(text: string): ParsedCidr | string {
  const slash = text.indexOf('/');
  if (slash < 0) {
    return 'it has no prefix length (a single host is written with /32 for IPv4 or /128 for IPv6)';
  }
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const family = addressText.includes(':') ? 6 : 4;
  const bytes = family === 4 ? parseIpv4(addressText) : parseIpv6(addressText);
  if (bytes === undefined) {
    return `'${addressText}' is not a valid IPv${family} address`;
  }
  const maxPrefix = family === 4 ? 32 : 128;
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > maxPrefix) {
    return `the prefix length '/${prefixText}' is not a whole number from 0 to ${maxPrefix}`;
  }
  return { family, bytes, prefix: Number(prefixText) };
}

/** The network address of `cidr` (host bits cleared), formatted as text with its prefix. */
export function networkAddress(cidr: ParsedCidr): string {
  const bits = toBits(cidr.bytes);
  const masked = fromBits(bits.slice(0, cidr.prefix).padEnd(bits.length, '0'));
  return `${formatAddress(cidr.family, masked)}/${cidr.prefix}`;
}

/** Whether any bit after the prefix is set (e.g. `10.0.0.1/8`). */
export function hasHostBits(cidr: ParsedCidr): boolean {
  return toBits(cidr.bytes).slice(cidr.prefix).includes('1');
}

/** Whether `address` (4 or 16 bytes) lies inside `cidr` (same family only). */
export function cidrContains(cidr: ParsedCidr, address: number[]): boolean {
  return address.length === cidr.bytes.length &&
    toBits(address).slice(0, cidr.prefix) === toBits(cidr.bytes).slice(0, cidr.prefix);
}

/** Whether every address of `inner` lies in `outer` (same family only). */
export function cidrWithin(inner: ParsedCidr, outer: ParsedCidr): boolean {
  return inner.family === outer.family && outer.prefix <= inner.prefix && cidrContains(outer, inner.bytes);
}

/** Whether two blocks share an address. CIDR blocks either nest or are disjoint. */
export function cidrsOverlap(a: ParsedCidr, b: ParsedCidr): boolean {
  return cidrWithin(a, b) || cidrWithin(b, a);
}

function toBits(bytes: number[]): string {
  return bytes.map((byte) => byte.toString(2).padStart(8, '0')).join('');
}

function fromBits(bits: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    bytes.push(parseInt(bits.slice(i, i + 8), 2));
  }
  return bytes;
}

/** Parses a dotted-quad IPv4 address; undefined when it is not one. Leading zeros are refused (ambiguous: octal to some parsers). */
export function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9][0-9]{0,2})$/.test(part) && Number(part) <= 255)) {
    return undefined;
  }
  return parts.map(Number);
}

/** Parses an IPv6 address (with `::` compression and an optional trailing dotted IPv4); undefined when it is not one. */
export function parseIpv6(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) {
    return undefined; // also refuses zone ids (fe80::1%eth0): pg_hba cannot use them
  }
  const halves = text.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') {
      return [];
    }
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece);
        if (!v4) {
          return undefined;
        }
        out.push(v4[0] * 256 + v4[1], v4[2] * 256 + v4[3]);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) {
        out.push(parseInt(piece, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groupsOf(halves[0]);
  const tail = halves.length === 2 ? groupsOf(halves[1]) : [];
  if (!head || !tail) {
    return undefined;
  }
  // A dotted IPv4 part is only allowed at the very end of the address.
  if (halves.length === 2 && halves[0].includes('.')) {
    return undefined;
  }
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) {
      return undefined;
    }
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) {
    return undefined;
  }
  return groups.flatMap((group) => [Math.floor(group / 256), group % 256]);
}

function formatAddress(family: 4 | 6, bytes: number[]): string {
  if (family === 4) {
    return bytes.join('.');
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push(bytes[i] * 256 + bytes[i + 1]);
  }
  // RFC 5952: compress the longest run (length >= 2) of zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) {
      j++;
    }
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) {
    return hex.join(':');
  }
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
