import { asArray, knownText, UNRESOLVED } from './values';

export interface PolicyStatementJson {
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Condition?: { [op: string]: { [key: string]: unknown } };
  readonly Sid?: string;
}

export function statementsOf(document: unknown): PolicyStatementJson[] {
  if (!document || typeof document !== 'object') {
    return [];
  }
  // A statement that is not an object (null, a string) is not one IAM accepts; policySources marks its document unresolved.
  return asArray<PolicyStatementJson>((document as any).Statement).filter((s) => s !== null && typeof s === 'object');
}

/** Patterns recur across statements, resources and stacks (`kms:Decrypt`, `ssm:*`): compile each once. */
const GLOBS = new Map<string, RegExp>();

/** An IAM wildcard pattern (`*`, `?`) as a case-insensitive regular expression over the whole text. */
export function globToRegExp(pattern: string): RegExp {
  let regExp = GLOBS.get(pattern);
  if (!regExp) {
    const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    regExp = new RegExp(`^${escaped}$`, 'i'); // no `g` flag: `test` keeps no state between calls
    if (GLOBS.size >= 10_000) {
      GLOBS.clear(); // a bound for long-lived processes that judge many different templates
    }
    GLOBS.set(pattern, regExp);
  }
  return regExp;
}

/** Whether an Allow statement grants `action` (Action globs, or NotAction not excluding it). */
export function grantsAction(statement: PolicyStatementJson, action: string): boolean {
  return statement.Effect === 'Allow' && coversAction(statement, action, true);
}

/**
 * Whether a statement of either effect applies to `action` (Action globs, or NotAction not excluding it).
 * An action written with intrinsics is read as its text (`Fn::Sub`, `Fn::Join` of literals); one only known
 * at deploy time counts as `unknown`: true where assuming the grant is the safe reading (an Allow), false
 * where assuming it is not (a Deny).
 */
export function coversAction(statement: PolicyStatementJson, action: string, unknown = false): boolean {
  if (statement.Action !== undefined) {
    return asArray(statement.Action).some((a) => actionMatches(a, action, unknown));
  }
  if (statement.NotAction !== undefined) {
    return !asArray(statement.NotAction).some((a) => actionMatches(a, action, !unknown));
  }
  return false;
}

function actionMatches(pattern: unknown, action: string, unknown: boolean): boolean {
  const text = typeof pattern === 'string' ? pattern : knownText(pattern);
  if (text === undefined || text.includes(UNRESOLVED)) {
    return unknown;
  }
  return globToRegExp(text).test(action);
}

/** Condition values under `key` for any operator in `operators` (keys compared case-insensitively). */
export function conditionValues(statement: PolicyStatementJson, operators: string[], key: string): unknown[] {
  const out: unknown[] = [];
  for (const [op, block] of Object.entries(statement.Condition ?? {})) {
    if (!operators.includes(op) || !block || typeof block !== 'object') {
      continue;
    }
    for (const [k, v] of Object.entries(block)) {
      if (k.toLowerCase() === key.toLowerCase()) {
        out.push(...asArray(v));
      }
    }
  }
  return out;
}

/** The statement requires MFA: `Bool aws:MultiFactorAuthPresent true` or a bound on `aws:MultiFactorAuthAge`. */
export function requiresMfa(statement: PolicyStatementJson): boolean {
  const present = conditionValues(statement, ['Bool'], 'aws:MultiFactorAuthPresent');
  if (present.length > 0 && present.every((v) => v === true || v === 'true')) {
    return true;
  }
  return conditionValues(statement, ['NumericLessThan', 'NumericLessThanEquals'], 'aws:MultiFactorAuthAge').length > 0;
}

/** Principals of a trust policy, flattened to `Service:x` / `AWS:x` / `Federated:x` / `*`. */
export function trustedPrincipals(document: unknown): string[] {
  const out: string[] = [];
  for (const s of statementsOf(document)) {
    if (s.Effect !== 'Allow') {
      continue;
    }
    if (s.Principal === '*') {
      out.push('*');
      continue;
    }
    for (const [kind, values] of Object.entries((s.Principal ?? {}) as object)) {
      for (const v of asArray(values)) {
        out.push(`${kind}:${typeof v === 'string' ? v : JSON.stringify(v)}`);
      }
    }
  }
  return out;
}

/** Principal `"*"` or `{ "AWS": "*" }` (also inside a list): every principal, of every account. */
export function isEveryone(principal: unknown): boolean {
  if (principal === '*') {
    return true;
  }
  if (principal && typeof principal === 'object' && !Array.isArray(principal)) {
    return asArray((principal as any).AWS).some((p) => p === '*');
  }
  return false;
}

/** A policy document given as an object or as JSON text; undefined when the text is not JSON. */
export function parsePolicy(document: unknown): unknown {
  if (typeof document !== 'string') {
    return document;
  }
  try {
    return JSON.parse(document);
  } catch {
    return undefined;
  }
}
