/* eslint-disable no-bitwise */ // CIDR arithmetic on BigInt addresses is bit arithmetic
/** Minimal IPv4/IPv6 CIDR arithmetic for ingress checks. */
interface Range {
  readonly v6: boolean;
  readonly start: bigint;
  readonly end: bigint;
}

function parseV4(ip: string): bigint | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return undefined;
  }
  return parts.reduce((acc, p) => (acc << 8n) + BigInt(Number(p)), 0n);
}

function parseV6(ip: string): bigint | undefined {
  const halves = ip.split('::');
  if (halves.length > 2) {
    return undefined;
  }
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) {
    return undefined;
  }
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) {
    return undefined;
  }
  return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

export function parseCidr(cidr: string): Range | undefined {
  const [ip, lenText] = cidr.trim().split('/');
  const v6 = ip.includes(':');
  const bits = v6 ? 128 : 32;
  const len = lenText === undefined ? bits : Number(lenText);
  const base = v6 ? parseV6(ip) : parseV4(ip);
  if (base === undefined || !Number.isInteger(len) || len < 0 || len > bits) {
    return undefined;
  }
  const host = (1n << BigInt(bits - len)) - 1n;
  const start = base & ~host & ((1n << BigInt(bits)) - 1n);
  return { v6, start, end: start | host };
}

/** Whether every address of `inner` lies within `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = parseCidr(inner);
  const b = parseCidr(outer);
  return !!a && !!b && a.v6 === b.v6 && a.start >= b.start && a.end <= b.end;
}

/** Whether the CIDR is the whole address space (0.0.0.0/0 or ::/0). */
export function isAnywhere(cidr: string): boolean {
  const r = parseCidr(cidr);
  return !!r && r.start === 0n && r.end === (r.v6 ? (1n << 128n) - 1n : (1n << 32n) - 1n);
}
