import { StackIndex } from './rendered';
import { COMPLIANT, nonCompliant, Outcome, unverifiable } from './rule';
import { describe, isIntrinsic, pseudoText } from './values';

/** Where a copy goes: the stack's own Region, a named Region, or a Region only known at deploy time. */
export type CopyRegion =
  | { readonly kind: 'same' }
  | { readonly kind: 'region'; readonly region: string }
  | { readonly kind: 'unknown'; readonly why: string };

/** A Region value (`eu-west-1`, `Ref AWS::Region`). */
export function regionOf(value: unknown): CopyRegion {
  const text = pseudoText(value);
  if (text === '{Region}') {
    return { kind: 'same' };
  }
  if (typeof value === 'string') {
    return { kind: 'region', region: value };
  }
  return { kind: 'unknown', why: `the Region is ${describe(value)}, only known at deploy time` };
}

/**
 * The Region of an ARN: a resource of this stack is in the stack's Region, `${AWS::Region}` too;
 * a literal ARN carries its Region in the fourth field.
 */
export function regionOfArn(value: unknown, index: StackIndex): CopyRegion {
  if (isIntrinsic(value) && index.target(value)) {
    return { kind: 'same' };
  }
  const text = pseudoText(value);
  const parts = text?.split(':') ?? [];
  if (parts.length < 6 || parts[0] !== 'arn') {
    return { kind: 'unknown', why: `${describe(value)} is not an ARN known at synth` };
  }
  if (parts[3] === '{Region}') {
    return { kind: 'same' };
  }
  return /^[a-z]{2}(-[a-z]+)+-\d$/.test(parts[3])
    ? { kind: 'region', region: parts[3] }
    : { kind: 'unknown', why: `the Region of ${describe(value)} is only known at deploy time` };
}

/** Judges one copy: the stack's own Region is judged by StackRegionAllowed, so it passes here. */
export function judgeCopy(where: CopyRegion, what: string, allowed: string[]): Outcome {
  switch (where.kind) {
    case 'same':
      return COMPLIANT;
    case 'region':
      return allowed.includes(where.region) ? COMPLIANT : nonCompliant(`${what} goes to ${where.region}, outside ${allowed.join(', ')}`);
    default:
      return unverifiable(`${what}: ${where.why}`);
  }
}
