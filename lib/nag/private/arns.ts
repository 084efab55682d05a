import { globToRegExp } from './iam';
import { RenderedResource, StackIndex } from './rendered';
import { isIntrinsic, knownText, referencedLogicalId, UNRESOLVED } from './values';

/** What a `Resource` entry of a policy statement names. */
export type ResourceName =
  /** a resource of this stack, by `Ref` / `Fn::GetAtt` (alone or inside a join) */
  | { readonly kind: 'resource'; readonly target: RenderedResource }
  /** a literal ARN or wildcard pattern; partition, region and account only known at deploy time become `*` */
  | { readonly kind: 'pattern'; readonly pattern: string }
  /** a service or resource part only known at deploy time */
  | { readonly kind: 'unknown'; readonly text: string };

/** Logical ids of the stack's resources referenced anywhere inside an intrinsic. */
function referencedResources(value: unknown, index: StackIndex, out: RenderedResource[]): void {
  if (isIntrinsic(value)) {
    const target = referencedLogicalId(value) !== undefined ? index.target(value) : undefined;
    if (target) {
      out.push(target);
      return;
    }
  }
  if (Array.isArray(value)) {
    value.forEach((v) => referencedResources(v, index, out));
  } else if (value !== null && typeof value === 'object') {
    Object.values(value).forEach((v) => referencedResources(v, index, out));
  }
}

/** Reads one `Resource` entry of a statement. */
export function resourceName(value: unknown, index: StackIndex): ResourceName {
  if (typeof value === 'string') {
    return { kind: 'pattern', pattern: normalizeArn(value) };
  }
  const targets: RenderedResource[] = [];
  referencedResources(value, index, targets);
  if (targets.length === 1) {
    return { kind: 'resource', target: targets[0] };
  }
  const text = knownText(value) ?? UNRESOLVED;
  const pattern = normalizeArn(text);
  return pattern.includes(UNRESOLVED) ? { kind: 'unknown', text } : { kind: 'pattern', pattern };
}

/** Partition, region and account of an ARN pattern as `*` when they are only known at deploy time. */
function normalizeArn(text: string): string {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') {
    return text;
  }
  for (const i of [1, 3, 4]) {
    if (parts[i].includes(UNRESOLVED)) {
      parts[i] = '*';
    }
  }
  return parts.join(':');
}

/**
 * Whether an ARN pattern matches an ARN of `service` whose resource part is `resource`, in any
 * partition, region and account (the pattern's own partition, region and account are not held
 * against it: an environment-agnostic stack does not know its own).
 */
export function patternMatches(pattern: string, service: string, resource: string): boolean {
  if (pattern === '*') {
    return true;
  }
  const parts = pattern.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') {
    return false;
  }
  const wildcarded = ['arn', '*', parts[2], '*', '*', parts.slice(5).join(':')].join(':');
  return globToRegExp(wildcarded).test(`arn:aws:${service}:eu-west-1:111122223333:${resource}`);
}

/** The service and resource parts of a literal ARN pattern; undefined for `*` and non-ARNs. */
export function arnParts(pattern: string): { service: string; resource: string } | undefined {
  const parts = pattern.split(':');
  return parts.length < 6 || parts[0] !== 'arn' ? undefined : { service: parts[2], resource: parts.slice(5).join(':') };
}
