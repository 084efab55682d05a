/**
 * Decides one AWS request the way AWS documents it, for the subset of policy language this
 * library's policies use. Anything outside that subset throws, so that a policy the evaluator does
 * not understand can never pass a test by accident.
 *
 * Outside the model, and so never a reason for a decision here: SCPs and RCPs, permissions
 * boundaries, session policies, KMS grants, S3 ACLs and Object Lock (which S3 enforces after the
 * policies allow).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** Who makes the request. A role stands for any session of that role (its ARN is aws:PrincipalArn). */
export interface Principal {
  readonly type: 'role' | 'user' | 'root' | 'service' | 'anonymous';
  /** The role's or user's ARN (`arn:aws:iam::<account>:role/<name>`). */
  readonly arn?: string;
  /** The root user's account; for a role or user it is read from the ARN. */
  readonly account?: string;
  /** The service principal, e.g. `logs.eu-west-1.amazonaws.com`. */
  readonly service?: string;
}

/** A value of the request context: an array is a multivalued key. */
export type ContextValue = string | number | boolean | string[];

export interface Request {
  readonly principal: Principal;
  readonly action: string;
  readonly resource: string;
  /**
   * Condition keys of the request, besides those derived from the principal (aws:PrincipalArn,
   * aws:PrincipalAccount, kms:CallerAccount...), the resource ARN (aws:ResourceAccount) and `viaService`.
   *
   * @default - none
   */
  readonly context?: { readonly [key: string]: ContextValue };
  /**
   * The endpoint of the AWS service that makes this call on the principal's behalf, e.g.
   * `secretsmanager.eu-west-1.amazonaws.com`: it becomes kms:ViaService, and aws:ViaAWSService is true.
   *
   * @default - the principal calls directly
   */
  readonly viaService?: string;
}

export interface PolicyDocument {
  readonly Version?: string;
  /** Names the policy in the evaluation's findings. */
  readonly Id?: string;
  readonly Statement: any;
}

/** The policies that apply to one request. */
export interface Policies {
  /** The principal's identity-based policies. */
  readonly identity?: PolicyDocument[];
  /** The resource's policy (S3 bucket, Secrets Manager secret, SNS topic). */
  readonly resource?: PolicyDocument;
  /**
   * A KMS key's policy. Unlike other resource policies it is authoritative: IAM policies count only
   * where it allows the principal's account.
   */
  readonly keyPolicy?: PolicyDocument;
  /** The policy of the VPC endpoint the request goes through: it can deny, never grant. */
  readonly endpoint?: PolicyDocument;
}

export interface Evaluation {
  readonly decision: Decision;
  /** The statements that decided: every matching Deny, or the Allows that granted. */
  readonly statements: string[];
  readonly reason: string;
}

/** How a resource policy's Principal matched: anyone ("*"), this principal by name, or its account. */
type PrincipalMatch = 'anyone' | 'named' | 'account';

interface PolicyResult {
  readonly denies: string[];
  readonly allows: Array<{ readonly statement: string; readonly match?: PrincipalMatch }>;
}

/** Evaluates a request against the policies that apply to it. */
export function evaluateRequest(request: Request, policies: Policies): Evaluation {
  if (policies.resource && policies.keyPolicy) {
    throw new Error('a request meets either a resource policy or a key policy, not both');
  }
  const principal = checkPrincipal(request.principal);
  const context = requestContext(request, principal);
  const identityBased = principal.type === 'role' || principal.type === 'user';
  if (!identityBased && policies.identity?.length) {
    throw new Error(`a ${principal.type} principal has no identity-based policies`);
  }

  const identity = (policies.identity ?? []).map((p, i) => evaluatePolicyDocument(p, `identity policy ${i + 1}`, 'identity', request, context));
  const resourcePolicy = policies.keyPolicy ?? policies.resource;
  const resource = resourcePolicy && evaluatePolicyDocument(resourcePolicy, policies.keyPolicy ? 'key policy' : 'resource policy', 'resource', request, context);
  const endpoint = policies.endpoint && evaluatePolicyDocument(policies.endpoint, 'endpoint policy', 'resource', request, context);

  // An explicit deny in any policy wins (evaluation logic, "Deny evaluation").
  const denies = [...identity, resource, endpoint].flatMap((r) => r?.denies ?? []);
  if (denies.length > 0) {
    return { decision: 'ExplicitDeny', statements: denies, reason: 'an explicit Deny applies' };
  }
  if (endpoint && endpoint.allows.length === 0) {
    return { decision: 'ImplicitDeny', statements: [], reason: 'the VPC endpoint policy allows nothing that matches' };
  }

  // The root user has every permission in its account without an identity-based policy.
  const identityAllows = principal.type === 'root' ? ['(root user)'] : identity.flatMap((r) => r.allows.map((a) => a.statement));
  const direct = (resource?.allows ?? []).filter((a) => a.match !== 'account').map((a) => a.statement);
  const throughAccount = (resource?.allows ?? []).filter((a) => a.match === 'account').map((a) => a.statement);
  const granted = (statements: string[], reason: string): Evaluation => ({ decision: 'Allow', statements, reason });
  const refused = (reason: string): Evaluation => ({ decision: 'ImplicitDeny', statements: [], reason });

  if (principal.account === undefined) {
    // Services and anonymous callers have no identity policies: the resource policy must name them.
    return direct.length > 0 ? granted(direct, 'the resource policy allows this caller') : refused('no resource policy statement allows this caller');
  }
  const sameAccount = principal.account === resourceAccount(request, context);
  if (policies.keyPolicy) {
    // A key policy that allows the principal grants by itself; one that allows the account only
    // enables IAM policies, which must then allow too (KMS "default key policy").
    if (direct.length > 0 && sameAccount) {
      return granted(direct, 'the key policy allows this principal');
    }
    if (direct.length + throughAccount.length === 0) {
      return refused('the key policy allows neither this principal nor its account: IAM policies have no effect');
    }
    if (identityAllows.length === 0) {
      return refused(sameAccount ? 'the key policy enables IAM policies, but none allows' : 'cross-account: no identity-based policy allows');
    }
    return granted([...direct, ...throughAccount, ...identityAllows], 'the key policy and an identity-based policy allow');
  }
  if (sameAccount) {
    // Within one account an allow in either the identity or the resource policy is enough.
    if (identityAllows.length > 0 || direct.length > 0) {
      return granted([...identityAllows, ...direct], 'an identity or resource policy of the same account allows');
    }
    return refused('no identity-based policy allows, nor a resource policy naming this principal');
  }
  // Across accounts both sides must allow (cross-account policy evaluation logic).
  if (direct.length + throughAccount.length === 0) {
    return refused('cross-account: the resource policy does not allow this principal');
  }
  return identityAllows.length > 0
    ? granted([...direct, ...throughAccount, ...identityAllows], 'cross-account: both the resource and the identity policy allow')
    : refused('cross-account: no identity-based policy allows');
}

/**
 * Evaluates one resource-style policy (with Principal) on its own: an explicit Deny wins, then any
 * matching Allow, else the request is implicitly denied.
 */
export function evaluatePolicy(policy: PolicyDocument, request: Request): Evaluation {
  const principal = checkPrincipal(request.principal);
  const result = evaluatePolicyDocument(policy, 'policy', 'resource', request, requestContext(request, principal));
  if (result.denies.length > 0) {
    return { decision: 'ExplicitDeny', statements: result.denies, reason: 'an explicit Deny applies' };
  }
  return result.allows.length > 0
    ? { decision: 'Allow', statements: result.allows.map((a) => a.statement), reason: 'a statement allows' }
    : { decision: 'ImplicitDeny', statements: [], reason: 'no statement allows' };
}

const STATEMENT_ELEMENTS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

function evaluatePolicyDocument(
  policy: PolicyDocument, label: string, kind: 'identity' | 'resource', request: Request, context: Context,
): PolicyResult {
  const name = policy.Id ?? label;
  // Policy variables exist only in the 2012-10-17 language; before it `${...}` is literal text.
  const variables = policy.Version === '2012-10-17';
  const statements: any[] = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  const result: PolicyResult = { denies: [], allows: [] };
  statements.forEach((statement, index) => {
    const id = `${name}/${statement.Sid ?? `statement ${index + 1}`}`;
    const match = statementMatches(statement, id, kind, request, context, variables);
    if (match === false) {
      return;
    }
    if (statement.Effect === 'Deny') {
      result.denies.push(id);
    } else {
      result.allows.push({ statement: id, match: match === true ? undefined : match });
    }
  });
  return result;
}

/** False if the statement does not apply; otherwise true, or how its Principal matched. */
function statementMatches(
  statement: any, id: string, kind: 'identity' | 'resource', request: Request, context: Context, variables: boolean,
): boolean | PrincipalMatch {
  const unknown = Object.keys(statement).filter((element) => !STATEMENT_ELEMENTS.has(element));
  if (unknown.length > 0) {
    throw new Error(`${id}: the elements ${unknown.join(', ')} are not modelled`);
  }
  if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') {
    throw new Error(`${id}: Effect must be Allow or Deny; got ${JSON.stringify(statement.Effect)}`);
  }
  const principalElements = [statement.Principal, statement.NotPrincipal].filter((e) => e !== undefined).length;
  if (kind === 'identity' && principalElements > 0) {
    throw new Error(`${id}: an identity-based policy names no Principal`);
  }
  if (kind === 'resource' && principalElements !== 1) {
    throw new Error(`${id}: a resource policy statement needs exactly one of Principal and NotPrincipal`);
  }
  // Elements are checked one after another: a statement that fails a modelled element does not
  // apply, whatever the elements after it hold, so only an element that could decide may throw.
  if (!oneOf(statement, 'Action', 'NotAction', id, (pattern) => wildcardMatch(pattern, request.action, true))) {
    return false;
  }
  const resourceMatches = (pattern: string) =>
    (variables ? variablePatternMatch(pattern, request.resource, context, id) : wildcardMatch(pattern, request.resource, false));
  if (!oneOf(statement, 'Resource', 'NotResource', id, resourceMatches)) {
    return false;
  }
  let match: boolean | PrincipalMatch = true;
  if (statement.Principal !== undefined) {
    const how = principalMatch(statement.Principal, request.principal, id);
    if (how === undefined) {
      return false;
    }
    match = how;
  } else if (statement.NotPrincipal !== undefined) {
    if (statement.Effect !== 'Deny') {
      throw new Error(`${id}: NotPrincipal with Allow is not supported by AWS`);
    }
    if (exemptByNotPrincipal(statement.NotPrincipal, request.principal, id)) {
      return false;
    }
  }
  return conditionsHold(statement.Condition ?? {}, context, id, variables) ? match : false;
}

/** Whether the statement's Action (Resource) matches, or its NotAction (NotResource) does not. */
function oneOf(statement: any, element: string, notElement: string, id: string, matches: (pattern: string) => boolean): boolean {
  if ((statement[element] === undefined) === (statement[notElement] === undefined)) {
    throw new Error(`${id}: needs exactly one of ${element} and ${notElement}`);
  }
  const patterns = strings(statement[element] ?? statement[notElement], `${id} ${element}`);
  const any = patterns.some(matches);
  return statement[element] !== undefined ? any : !any;
}

// --- Principals -----------------------------------------------------------------------------------

const IAM_ARN = /^arn:aws(-[a-z-]+)?:iam::(\d{12}):(root|role\/.+|user\/.+)$/;

function checkPrincipal(principal: Principal): Principal & { account?: string } {
  switch (principal.type) {
    case 'role':
    case 'user': {
      const parsed = principal.arn && IAM_ARN.exec(principal.arn);
      if (!parsed || !parsed[3].startsWith(`${principal.type}/`)) {
        throw new Error(`a ${principal.type} principal needs its IAM ARN; got ${JSON.stringify(principal.arn)}`);
      }
      if (principal.account !== undefined && principal.account !== parsed[2]) {
        throw new Error(`${principal.arn} is not in account ${principal.account}`);
      }
      return { ...principal, account: parsed[2] };
    }
    case 'root':
      if (!/^\d{12}$/.test(principal.account ?? '')) {
        throw new Error(`the root principal needs its 12-digit account; got ${JSON.stringify(principal.account)}`);
      }
      return principal;
    case 'service':
      if (!principal.service) {
        throw new Error('a service principal needs its service name');
      }
      return { ...principal, account: undefined };
    case 'anonymous':
      return { ...principal, account: undefined };
    default:
      throw new Error(`principal type ${JSON.stringify((principal as any).type)} is not modelled`);
  }
}

function accountOf(principal: Principal): string | undefined {
  if (principal.type === 'root') {
    return principal.account;
  }
  return principal.type === 'role' || principal.type === 'user' ? IAM_ARN.exec(principal.arn!)![2] : undefined;
}

/** How a Principal element matches the caller, or undefined if it does not. */
function principalMatch(element: any, principal: Principal, id: string): PrincipalMatch | undefined {
  if (element === '*') {
    return 'anyone';
  }
  if (element === null || typeof element !== 'object' || Array.isArray(element)) {
    throw new Error(`${id}: Principal ${JSON.stringify(element)} is not modelled`);
  }
  const matches: PrincipalMatch[] = [];
  for (const [type, values] of Object.entries(element)) {
    for (const value of strings(values, `${id} Principal.${type}`)) {
      const how = type === 'AWS' ? awsPrincipalMatch(value, principal, id)
        : type === 'Service' ? (principal.type === 'service' && principal.service === value ? 'named' : undefined)
          : unmodelled(`${id}: Principal type ${type} is not modelled`);
      if (how) {
        matches.push(how);
      }
    }
  }
  // A statement that names the principal (or anyone) grants directly, which is more than its account.
  return matches.find((m) => m !== 'account') ?? matches[0];
}

function awsPrincipalMatch(value: string, principal: Principal, id: string): PrincipalMatch | undefined {
  if (value === '*') {
    return 'anyone';
  }
  const account = /^\d{12}$/.test(value) ? value : undefined;
  const parsed = IAM_ARN.exec(value);
  if (!account && !parsed) {
    // Session ARNs, unique IDs and partial wildcards (which AWS refuses in a Principal) are not modelled.
    throw new Error(`${id}: AWS principal ${JSON.stringify(value)} is not modelled`);
  }
  if (account || parsed![3] === 'root') {
    // An account principal stands for every principal of that account, the root user included.
    return accountOf(principal) === (account ?? parsed![2]) ? 'account' : undefined;
  }
  return principal.arn === value ? 'named' : undefined;
}

/**
 * NotPrincipal exempts a caller only when it lists the caller and the caller's account: AWS "might
 * validate the account first, then the role", so the IAM User Guide asks for both. A policy that
 * lists only one of them is evaluated as denying.
 */
function exemptByNotPrincipal(element: any, principal: Principal, id: string): boolean {
  if (element === '*' || element === null || typeof element !== 'object' || Array.isArray(element)) {
    throw new Error(`${id}: NotPrincipal ${JSON.stringify(element)} is not modelled`);
  }
  const listed = Object.entries(element).flatMap(([type, values]) => strings(values, `${id} NotPrincipal.${type}`).map((value) => {
    if (type === 'Service') {
      return principal.type === 'service' && principal.service === value ? 'named' : undefined;
    }
    if (type !== 'AWS' || value === '*') {
      return unmodelled(`${id}: NotPrincipal ${type} ${JSON.stringify(value)} is not modelled`);
    }
    return awsPrincipalMatch(value, principal, id);
  }));
  if (principal.type === 'service') {
    return listed.includes('named');
  }
  if (principal.type === 'root') {
    return listed.includes('account');
  }
  return listed.includes('account') && listed.includes('named');
}

// --- Request context ------------------------------------------------------------------------------

/** Condition keys by lower-case name (keys are case-insensitive); an array marks a multivalued key. */
type Context = Map<string, string | string[]>;

function requestContext(request: Request, principal: Principal): Context {
  const derived: { [key: string]: ContextValue } = {};
  const account = accountOf(principal);
  if (account !== undefined) {
    derived['aws:PrincipalAccount'] = account;
    derived['aws:PrincipalArn'] = principal.type === 'root' ? `arn:aws:iam::${account}:root` : principal.arn!;
    derived['aws:PrincipalType'] = { role: 'AssumedRole', user: 'User', root: 'Account' }[principal.type as 'role' | 'user' | 'root'];
    derived['aws:ViaAWSService'] = request.viaService !== undefined;
    if (/^kms:/i.test(request.action)) {
      derived['kms:CallerAccount'] = account;
    }
  } else if (principal.type === 'service') {
    derived['aws:PrincipalServiceName'] = principal.service!;
  } else {
    derived['aws:PrincipalType'] = 'Anonymous';
  }
  if (request.viaService !== undefined && /^kms:/i.test(request.action)) {
    derived['kms:ViaService'] = request.viaService;
  }
  const arnAccount = request.resource.split(':')[4];
  if (arnAccount) {
    derived['aws:ResourceAccount'] = arnAccount;
  }
  const context: Context = new Map();
  for (const [key, value] of Object.entries(derived)) {
    context.set(key.toLowerCase(), typeof value === 'boolean' ? String(value) : value as string);
  }
  for (const [key, value] of Object.entries(request.context ?? {})) {
    const normalized = Array.isArray(value) ? value.map(String) : String(value);
    const existing = context.get(key.toLowerCase());
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(normalized)) {
      throw new Error(`context key ${key} is ${JSON.stringify(normalized)}, but the request makes it ${JSON.stringify(existing)}`);
    }
    context.set(key.toLowerCase(), normalized);
  }
  return context;
}

function resourceAccount(request: Request, context: Context): string {
  const account = context.get('aws:resourceaccount') ?? context.get('s3:resourceaccount');
  if (typeof account !== 'string') {
    throw new Error(`the account owning ${request.resource} is not in its ARN: give aws:ResourceAccount in the context`);
  }
  return account;
}

// --- Conditions -----------------------------------------------------------------------------------

type Test = (actual: string, expected: string[]) => boolean;

const arnMatch = (pattern: string, value: string) => {
  // ARN operators compare each of the six colon-separated parts on its own (the resource part may hold colons).
  const split = (arn: string) => [...arn.split(':').slice(0, 5), arn.split(':').slice(5).join(':')];
  const [p, v] = [split(pattern), split(value)];
  return value.split(':').length >= 6 && p.every((part, i) => wildcardMatch(part, v[i], false));
};
const number = (text: string) => {
  const n = Number(text);
  if (text.trim() === '' || Number.isNaN(n)) {
    throw new Error(`${JSON.stringify(text)} is not a number`);
  }
  return n;
};

/** The positive operators; each negated one is the NOR of its positive twin (missing keys aside). */
const OPERATORS: { [operator: string]: Test } = {
  StringEquals: (a, e) => e.includes(a),
  StringEqualsIgnoreCase: (a, e) => e.some((v) => v.toLowerCase() === a.toLowerCase()),
  StringLike: (a, e) => e.some((v) => wildcardMatch(v, a, false)),
  ArnEquals: (a, e) => e.some((v) => arnMatch(v, a)),
  ArnLike: (a, e) => e.some((v) => arnMatch(v, a)),
  Bool: (a, e) => e.some((v) => v.toLowerCase() === a.toLowerCase()),
  NumericEquals: (a, e) => e.some((v) => number(a) === number(v)),
  NumericLessThan: (a, e) => e.some((v) => number(a) < number(v)),
  NumericLessThanEquals: (a, e) => e.some((v) => number(a) <= number(v)),
  NumericGreaterThan: (a, e) => e.some((v) => number(a) > number(v)),
  NumericGreaterThanEquals: (a, e) => e.some((v) => number(a) >= number(v)),
};
const NEGATED: { [operator: string]: string } = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
  NumericNotEquals: 'NumericEquals',
};

function conditionsHold(condition: any, context: Context, id: string, variables: boolean): boolean {
  // Operators and keys are ANDed, the values of one key ORed (NORed for a negated operator).
  const results = Object.entries<any>(condition).flatMap(([operator, tests]) => Object.entries<any>(tests).map(([key, values]) => {
    const where = `${id} ${operator} ${key}`;
    const expected = strings(values, where, true).map((v) => {
      if (!variables || !v.includes('${')) {
        return v;
      }
      if (operator.includes('Like')) {
        // A substituted value would have to match literally inside a wildcard pattern.
        throw new Error(`${where}: policy variables in a Like operator are not modelled`);
      }
      return substitute(v, context, where, false);
    });
    return conditionHolds(operator, context.get(key.toLowerCase()), expected, where);
  }));
  return results.every(Boolean);
}

function conditionHolds(fullOperator: string, actual: string | string[] | undefined, expected: string[], id: string): boolean {
  const [, set, base, ifExists] = /^(?:(ForAnyValue|ForAllValues):)?(.+?)(IfExists)?$/.exec(fullOperator)!;
  if (base === 'Null') {
    if (set || ifExists) {
      throw new Error(`${id}: ${fullOperator} is not modelled`);
    }
    const missing = actual === undefined || (Array.isArray(actual) && actual.length === 0);
    return expected.some((v) => v.toLowerCase() === String(missing));
  }
  const positive = OPERATORS[base] ? base : NEGATED[base];
  if (!positive) {
    throw new Error(`${id}: condition operator ${fullOperator} is not modelled`);
  }
  const negated = positive !== base;
  const test = (value: string) => OPERATORS[positive](value, expected) !== negated;
  if (set) {
    if (ifExists) {
      throw new Error(`${id}: ${fullOperator} is not modelled`);
    }
    const values = actual === undefined ? [] : Array.isArray(actual) ? actual : [actual];
    // ForAllValues holds for a missing or empty key, ForAnyValue does not (multivalued context keys).
    return set === 'ForAllValues' ? values.every(test) : values.some(test);
  }
  if (Array.isArray(actual)) {
    throw new Error(`${id}: a multivalued key needs ForAnyValue or ForAllValues`);
  }
  if (actual === undefined) {
    // A missing key fails a positive operator and satisfies a negated one; IfExists satisfies both.
    return ifExists !== undefined || negated;
  }
  return test(actual);
}

// --- Patterns -------------------------------------------------------------------------------------

/** IAM wildcard matching: `*` is any run of characters (also '/' and ':'), `?` is one character. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive: boolean): boolean {
  if (typeof pattern !== 'string') {
    throw new Error(`unresolved pattern ${JSON.stringify(pattern)}`);
  }
  return new RegExp(`^${pattern.split('').map(regexOf).join('')}$`, caseInsensitive ? 'is' : 's').test(value);
}

const regexOf = (c: string) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'));

/** A Resource pattern with policy variables: a substituted value matches literally, never as a wildcard. */
function variablePatternMatch(pattern: string, value: string, context: Context, id: string): boolean {
  const source = substitute(pattern, context, id, true);
  return new RegExp(`^${source}$`, 's').test(value);
}

/**
 * Replaces `${key}` (or `${key, 'default'}`) by the key's value, and `${*}`, `${?}`, `${$}` by the
 * character itself. As a regex (for Resource) the values are escaped; as text, returned as they are.
 */
function substitute(text: string, context: Context, id: string, asRegex: boolean): string {
  let out = '';
  let rest = text;
  while (rest.length > 0) {
    const variable = /^\$\{([^}]*)\}/.exec(rest);
    if (variable) {
      const [, inner] = variable;
      const [, key, fallback] = /^\s*([^,]+?)\s*(?:,\s*'([^']*)'\s*)?$/.exec(inner) ?? [];
      let literal: string;
      if (['*', '?', '$'].includes(inner)) {
        literal = inner;
      } else {
        const value = key === undefined ? undefined : context.get(key.toLowerCase());
        if (Array.isArray(value)) {
          throw new Error(`${id}: the multivalued key ${key} cannot be a policy variable`);
        }
        if (value === undefined && fallback === undefined) {
          throw new Error(`${id}: the policy variable ${variable[0]} has no value in the request (not modelled)`);
        }
        literal = value ?? fallback!;
      }
      out += asRegex ? literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : literal;
      rest = rest.slice(variable[0].length);
    } else {
      out += asRegex ? regexOf(rest[0]) : rest[0];
      rest = rest.slice(1);
    }
  }
  return out;
}

function strings(value: any, what: string, scalars = false): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item === 'string' || (scalars && (typeof item === 'number' || typeof item === 'boolean'))) {
      return String(item);
    }
    throw new Error(`${what}: ${JSON.stringify(item)} is not a string (unresolved?)`);
  });
}

function unmodelled(message: string): never {
  throw new Error(message);
}
