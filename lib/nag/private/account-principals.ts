import { Token } from 'aws-cdk-lib';
import { coversAction, globToRegExp, isEveryone, PolicyStatementJson } from './iam';
import { PRINCIPAL_TYPES } from './principals';
import { RenderedResource, StackIndex } from './rendered';
import { COMPLIANT, nonCompliant, Outcome, unverifiable, Verdict, worst } from './rule';
import { asArray, describe, isIntrinsic, pseudoText, referencedAttribute, UNRESOLVED } from './values';

/** The account id as a template of an environment-agnostic stack writes it. */
const ACCOUNT_MARKER = '{AccountId}';

/**
 * Whether an account id (text, pseudo parameters as `{AccountId}`) is the stack's own account:
 * `yes` for `AWS::AccountId` or the stack's literal account, `no` for another literal account,
 * `unknown` for a literal account when the stack does not know its own, or an unresolved value.
 */
export function isThisAccount(account: string, stack: RenderedResource['stack']): 'yes' | 'no' | 'unknown' {
  if (account === ACCOUNT_MARKER) {
    return 'yes';
  }
  if (!/^\d{12}$/.test(account)) {
    return 'unknown';
  }
  const own = stack.account;
  if (Token.isUnresolved(own)) {
    return 'unknown';
  }
  return own === account ? 'yes' : 'no';
}

/** What one `Principal` entry names. */
export type PrincipalKind =
  /** `*`: every principal of every account */
  | 'everyone'
  /** the stack's own account (root ARN or account id): every principal of the account that IAM allows */
  | 'account'
  /** a named principal: a role, a user, a service, another account */
  | 'named'
  /** only known at deploy time, or an account that may be this one */
  | 'unknown';

/** Classifies one value of a `Principal` block (`AWS`, `Service`, ...). */
export function principalKind(kind: string, value: unknown, r: RenderedResource, index: StackIndex): PrincipalKind {
  if (kind !== 'AWS') {
    return 'named'; // services, federations and canonical users are named principals
  }
  const target = index.target(value);
  if (target && (PRINCIPAL_TYPES.includes(target.type) || referencedAttribute(value) === 'Arn')) {
    return 'named';
  }
  const text = pseudoText(value);
  if (text === undefined || text.includes(UNRESOLVED)) {
    return 'unknown';
  }
  if (text === '*') {
    return 'everyone';
  }
  const root = /^arn:[^:]+:iam::([^:]*):root$/.exec(text);
  const account = root ? root[1] : text === ACCOUNT_MARKER || /^\d{12}$/.test(text) ? text : undefined;
  if (account === undefined) {
    return 'named';
  }
  const own = isThisAccount(account, r.stack);
  return own === 'yes' ? 'account' : own === 'no' ? 'named' : 'unknown';
}

/** Every entry of a statement's `Principal`, classified; a whole-block token is one `unknown` entry. */
export function principalsOf(s: PolicyStatementJson, r: RenderedResource, index: StackIndex): { kind: PrincipalKind; text: string }[] {
  const principal = s.Principal;
  if (principal === undefined) {
    return [];
  }
  if (principal === '*') {
    return [{ kind: 'everyone', text: '*' }];
  }
  if (typeof principal !== 'object' || principal === null || isIntrinsic(principal)) {
    return [{ kind: 'unknown', text: describe(principal) }];
  }
  const out: { kind: PrincipalKind; text: string }[] = [];
  for (const [kind, values] of Object.entries(principal)) {
    for (const value of asArray(values)) {
      out.push({ kind: principalKind(kind, value, r, index), text: `${kind} ${describe(pseudoText(value) ?? value)}` });
    }
  }
  return out;
}

const NEGATED_ARN_OPERATORS = ['ArnNotEquals', 'ArnNotLike', 'StringNotEquals', 'StringNotLike'];
const ACCOUNT_OPERATORS = ['StringEquals', 'StringLike'];

function baseOperator(op: string): string {
  return op.endsWith('IfExists') ? op.slice(0, -'IfExists'.length) : op;
}

/** Whether an exempted `aws:PrincipalArn` pattern matches any principal of the account, whatever its name. */
function exemptsEveryone(text: string, stack: RenderedResource['stack']): boolean {
  if (text === '*') {
    return true;
  }
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') {
    return false;
  }
  if (!globToRegExp(parts[4]).test(ACCOUNT_MARKER) && isThisAccount(parts[4], stack) === 'no') {
    return false;
  }
  const resource = globToRegExp(parts.slice(5).join(':'));
  return ['role/nobody-named-this', 'user/nobody-named-this', 'assumed-role/nobody-named-this/session'].some((n) => resource.test(n));
}

/**
 * Judges whether a resource policy denies `actions` to every principal of the stack's account but
 * named ones: a `Deny` to Principal `*` covering every action (Action globs or NotAction), whose only
 * conditions are `aws:PrincipalArn` under a negated operator (the named exemptions) and, optionally,
 * `aws:PrincipalAccount` equal to this account. Exemptions that match every principal (`*`,
 * `...:role/*`) deny nothing; exemptions only known at deploy time cannot be judged.
 */
export function judgeDenyToOthers(
  statements: PolicyStatementJson[], actions: string[], label: string, r: RenderedResource, index: StackIndex,
): Outcome {
  const reasons: Outcome[] = [];
  for (const [i, s] of statements.entries()) {
    if (s.Effect !== 'Deny' || s.NotPrincipal !== undefined || !isEveryone(s.Principal)) {
      continue;
    }
    const name = `Deny statement ${s.Sid ?? i}`;
    if (isIntrinsic(s.Action) || isIntrinsic(s.NotAction)) {
      reasons.push(unverifiable(`the actions of ${name} are only known at deploy time`));
      continue;
    }
    const missing = actions.filter((a) => !coversAction(s, a));
    if (missing.length > 0) {
      reasons.push(nonCompliant(`${name} does not deny ${missing.join(', ')}`));
      continue;
    }
    if (isIntrinsic(s.Condition)) {
      reasons.push(unverifiable(`the conditions of ${name} are only known at deploy time`));
      continue;
    }
    const outcomes: Outcome[] = [];
    for (const [op, block] of Object.entries(s.Condition ?? {})) {
      for (const [key, raw] of Object.entries(block ?? {})) {
        const lower = key.toLowerCase();
        const values = isIntrinsic(raw) ? [raw] : asArray(raw);
        if (lower === 'aws:principalarn' && NEGATED_ARN_OPERATORS.includes(baseOperator(op))) {
          for (const value of values) {
            const target = index.target(value);
            if (target && (PRINCIPAL_TYPES.includes(target.type) || referencedAttribute(value) === 'Arn')) {
              continue;
            }
            const text = pseudoText(value);
            if (text === undefined || text.includes(UNRESOLVED)) {
              outcomes.push(unverifiable(`${name} exempts ${describe(value)}, only known at deploy time (it may exempt every principal)`));
            } else if (exemptsEveryone(text, r.stack)) {
              outcomes.push(nonCompliant(`${name} exempts every principal of the account (aws:PrincipalArn ${describe(text)}), so it denies nobody`));
            }
          }
        } else if (lower === 'aws:principalaccount' && ACCOUNT_OPERATORS.includes(baseOperator(op))) {
          const own = values.map((v) => pseudoText(v) ?? UNRESOLVED).map((t) => t === '*' ? 'yes' : isThisAccount(t, r.stack));
          if (own.includes('no') && !own.includes('yes')) {
            outcomes.push(nonCompliant(`${name} applies to another account only (aws:PrincipalAccount ${describe(raw)})`));
          } else if (!own.includes('yes')) {
            outcomes.push(unverifiable(`${name} applies to aws:PrincipalAccount ${describe(raw)}, which may not be this account`));
          }
        } else {
          outcomes.push(nonCompliant(`${name} also depends on ${op} ${key}, so it does not deny every other principal of the account`));
        }
      }
    }
    const judged = worst(outcomes);
    if (outcomes.length === 0 || judged.verdict === COMPLIANT.verdict) {
      return COMPLIANT;
    }
    reasons.push(judged);
  }
  if (reasons.length === 0) {
    return nonCompliant(`no statement denies ${label} to Principal "*" but the named principals (a Deny conditioned on aws:PrincipalArn with ArnNotEquals/ArnNotLike)`);
  }
  // Unverifiable only when no candidate is known to fail for another reason.
  return reasons.some((o) => o.verdict === COMPLIANT.verdict) ? COMPLIANT : worstPreferringUnknown(reasons);
}

/** Among failed candidates, one only known at deploy time may still be the deny that holds. */
function worstPreferringUnknown(outcomes: Outcome[]): Outcome {
  const unknown = outcomes.filter((o) => o.verdict === Verdict.UNVERIFIABLE);
  return unknown.length > 0 ? worst(unknown) : worst(outcomes);
}
