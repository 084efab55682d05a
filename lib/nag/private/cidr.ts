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
