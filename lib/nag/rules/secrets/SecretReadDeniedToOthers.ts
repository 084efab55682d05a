import { judgeDenyToOthers } from '../../private/account-principals';
import { globToRegExp, parsePolicy, PolicyStatementJson, statementsOf } from '../../private/iam';
import { RenderedResource, StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic, pseudoText, referencedLogicalId, UNRESOLVED } from '../../private/values';

const READ = 'secretsmanager:GetSecretValue';
const POLICY_TYPE = 'AWS::SecretsManager::ResourcePolicy';

interface SecretPolicies {
  /** Resource policies that name the secret (by Ref, or by its literal name or ARN). */
  readonly named: RenderedResource[];
  /** Resource policies whose SecretId is only known at deploy time: any of them may be the secret's. */
  readonly unknown: RenderedResource[];
}

/** Resource policies of each secret of the stack, built once per stack. */
function policiesBySecret(index: StackIndex): { bySecret: Map<string, RenderedResource[]>; unknown: RenderedResource[] } {
  return index.memo('secret-resource-policies', () => {
    const bySecret = new Map<string, RenderedResource[]>();
    const unknown: RenderedResource[] = [];
    const names = new Map<string, string>();
    for (const secret of index.byType('AWS::SecretsManager::Secret')) {
      if (typeof secret.properties.Name === 'string') {
        names.set(secret.properties.Name, secret.logicalId);
      }
    }
    for (const policy of index.byType(POLICY_TYPE)) {
      const id = policy.properties.SecretId;
      const target = referencedLogicalId(id) !== undefined ? index.target(id) : undefined;
      let secretId: string | undefined;
      if (target) {
        secretId = target.logicalId;
      } else if (typeof id === 'string') {
        const name = /:secret:(.+?)(-[A-Za-z0-9]{6})?$/.exec(id)?.[1] ?? id;
        secretId = names.get(name) ?? names.get(id);
      } else {
        unknown.push(policy);
      }
      if (secretId) {
        const list = bySecret.get(secretId);
        list ? list.push(policy) : bySecret.set(secretId, [policy]);
      }
    }
    return { bySecret, unknown };
  });
}

function policiesOfSecret(secret: RenderedResource, index: StackIndex): SecretPolicies {
  const { bySecret, unknown } = policiesBySecret(index);
  return { named: bySecret.get(secret.logicalId) ?? [], unknown };
}

/** Whether a statement's Resource reaches the secret (`*`, the secret itself, or an ARN pattern of its name). */
function reachesSecret(s: PolicyStatementJson, secret: RenderedResource, index: StackIndex): boolean {
  if (s.NotResource !== undefined) {
    return false; // not read as a limit here: the qualifying deny names the secret or "*"
  }
  return asArray(s.Resource).some((value) => {
    if (index.target(value) === secret) {
      return true;
    }
    const text = pseudoText(value);
    if (text === undefined || text.includes(UNRESOLVED)) {
      return false;
    }
    if (text === '*') {
      return true;
    }
    const name = typeof secret.properties.Name === 'string' ? secret.properties.Name : undefined;
    const resource = text.split(':').slice(5).join(':');
    return text.startsWith('arn:') && text.split(':')[2] === 'secretsmanager' &&
      (name !== undefined ? globToRegExp(resource).test(`secret:${name}-AbCdEf`) : globToRegExp(resource).test('secret:any-name-AbCdEf'));
  });
}

function judgePolicy(policy: RenderedResource, secret: RenderedResource, index: StackIndex): Outcome {
  const raw = policy.properties.ResourcePolicy;
  if (isIntrinsic(raw) || isIntrinsic((raw as any)?.Statement)) {
    return unverifiable(`the resource policy ${policy.logicalId} is only known at deploy time`);
  }
  const document = parsePolicy(raw);
  if (document === undefined) {
    return unverifiable(`the resource policy ${policy.logicalId} is a string that is not JSON`);
  }
  const statements = statementsOf(document).filter((s) => s.Effect !== 'Deny' || reachesSecret(s, secret, index));
  const judged = judgeDenyToOthers(statements, [READ], READ, secret, index);
  return judged.verdict === COMPLIANT.verdict ? COMPLIANT : { ...judged, detail: `resource policy ${policy.logicalId}: ${judged.detail}` };
}

/**
 * Every secret of the stack is unreadable to the account's other principals, whatever their IAM
 * policies say.
 *
 * `secretsmanager:GetSecretValue` on `*` in an identity policy (SecretsManagerReadWrite,
 * PowerUserAccess, an over-broad grant) reads every secret of the account, and the secret's key
 * policy cannot stop it when the key admits Secrets Manager. Only a resource policy on the secret
 * that denies the read to Principal "*" except named principals (`aws:PrincipalArn` under
 * ArnNotEquals/ArnNotLike) holds against every principal of the account, so the rule requires one.
 */
export const SecretReadDeniedToOthers: RuleDefinition = {
  name: 'SecretReadDeniedToOthers',
  guarantee: 'G2',
  info: 'The secret has no resource policy that denies reading it to every principal but the named ones.',
  explanation: 'Any principal of the account with secretsmanager:GetSecretValue on "*" in IAM reads a secret that has no ' +
    'denying resource policy. Attach an AWS::SecretsManager::ResourcePolicy (SecretId: the secret) with a Deny of ' +
    'secretsmanager:GetSecretValue (or secretsmanager:* / *) to Principal "*", conditioned on aws:PrincipalArn with ' +
    'ArnNotEquals/ArnNotLike (or StringNotEquals/StringNotLike) listing the principals that need the secret, and ' +
    'optionally aws:PrincipalAccount (this account). An exemption that matches every principal ("*", role/*) denies nothing.',
  resourceTypes: ['AWS::SecretsManager::Secret'],
  evaluate(r, { index }) {
    if (r.type !== 'AWS::SecretsManager::Secret') {
      return NOT_APPLICABLE;
    }
    const { named, unknown } = policiesOfSecret(r, index);
    const outcomes = named.map((p) => judgePolicy(p, r, index));
    if (outcomes.some((o) => o.verdict === COMPLIANT.verdict)) {
      return COMPLIANT;
    }
    if (unknown.length > 0) {
      return unverifiable(`no resource policy of the stack denies the read, and ${unknown.map((p) => `${p.logicalId} (SecretId ${describe(p.properties.SecretId)})`).join(', ')} ` +
        'may be the secret\'s, only known at deploy time');
    }
    if (outcomes.length === 0) {
      return nonCompliant('no AWS::SecretsManager::ResourcePolicy refers to the secret, so every principal of the account with secretsmanager:GetSecretValue in IAM reads it');
    }
    return worst(outcomes);
  },
};
