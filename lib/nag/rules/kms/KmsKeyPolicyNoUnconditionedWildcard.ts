import { statementsOf } from '../../private/iam';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { asArray, containsIntrinsic, isIntrinsic } from '../../private/values';

function isWildcardPrincipal(principal: unknown): boolean {
  if (principal === '*') {
    return true;
  }
  if (principal && typeof principal === 'object' && !isIntrinsic(principal)) {
    return asArray((principal as any).AWS).some((p) => p === '*');
  }
  return false;
}

/** Key policies never allow `*` without a condition. */
export const KmsKeyPolicyNoUnconditionedWildcard: RuleDefinition = {
  name: 'KmsKeyPolicyNoUnconditionedWildcard',
  guarantee: 'G1',
  info: 'The KMS key policy allows a wildcard principal without a condition.',
  explanation: 'A key policy statement with Principal "*" and no Condition lets any AWS account use or manage the key. ' +
    'Name the principals, or constrain "*" with conditions such as kms:CallerAccount and kms:ViaService.',
  resourceTypes: ['AWS::KMS::Key'],
  evaluate(r) {
    if (r.type !== 'AWS::KMS::Key') {
      return NOT_APPLICABLE;
    }
    const policy = r.properties.KeyPolicy;
    if (policy === undefined) {
      return COMPLIANT; // the default key policy trusts the owning account only
    }
    if (isIntrinsic(policy) || (typeof policy === 'object' && isIntrinsic((policy as any).Statement))) {
      return unverifiable('KeyPolicy is only known at deploy time');
    }
    const doc = typeof policy === 'string' ? safeParse(policy) : policy;
    if (doc === undefined) {
      return unverifiable('KeyPolicy is a string that is not JSON');
    }
    for (const s of statementsOf(doc)) {
      if (s.Effect !== 'Allow') {
        continue;
      }
      if (containsIntrinsic(s.Principal) && !isWildcardPrincipal(s.Principal)) {
        continue;
      }
      if (isWildcardPrincipal(s.Principal) && Object.keys(s.Condition ?? {}).length === 0) {
        return nonCompliant(`statement ${s.Sid ?? ''} allows Principal "*" without a Condition`.replace('  ', ' '));
      }
    }
    return COMPLIANT;
  },
};

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
