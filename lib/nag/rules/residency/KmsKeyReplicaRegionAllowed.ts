import { judgeStackRegion } from './StackRegionAllowed';
import { coversAction, isEveryone, parsePolicy, PolicyStatementJson, statementsOf } from '../../private/iam';
import { judgeCopy, regionOfArn } from '../../private/regions';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic, isTrue } from '../../private/values';

const NOT_EQUALS = ['StringNotEquals', 'StringNotEqualsIgnoreCase', 'ForAnyValue:StringNotEquals', 'ForAnyValue:StringNotEqualsIgnoreCase'];

/**
 * A statement that denies kms:ReplicateKey to everyone unless the replica Region is allowed:
 * `Deny`, principal `*`, `StringNotEquals { kms:ReplicaRegion: [allowed...] }` and no other condition.
 */
function confinesReplicas(s: PolicyStatementJson, allowed: string[]): boolean {
  if (s.Effect !== 'Deny' || !isEveryone(s.Principal) || !coversAction(s, 'kms:ReplicateKey')) {
    return false;
  }
  const blocks = Object.entries(s.Condition ?? {});
  if (blocks.length !== 1 || !NOT_EQUALS.includes(blocks[0][0])) {
    return false;
  }
  const keys = Object.entries(blocks[0][1] ?? {});
  if (keys.length !== 1 || keys[0][0].toLowerCase() !== 'kms:replicaregion') {
    return false;
  }
  const regions = asArray(keys[0][1]);
  return regions.length > 0 && regions.every((r) => typeof r === 'string' && allowed.includes(r));
}

/**
 * KMS key material stays in allowed Regions. A multi-Region primary key can be replicated to any
 * Region by whoever holds kms:ReplicateKey, so it passes only when its key policy denies replicas
 * outside the allowed Regions; a replica key lives in its stack's Region, and shares key material
 * with its primary's Region.
 */
export const KmsKeyReplicaRegionAllowed: RuleDefinition = {
  name: 'KmsKeyReplicaRegionAllowed',
  guarantee: 'G8',
  info: 'A multi-Region KMS key may be replicated outside the allowed regions, or a replica key is outside them.',
  explanation: 'GDPR data residency: a key that decrypts customer data stays in the agreed regions. Prefer single-Region ' +
    'keys. A MultiRegion key needs a key policy statement that denies kms:ReplicateKey to "*" with ' +
    'StringNotEquals kms:ReplicaRegion [allowedRegions]; an AWS::KMS::ReplicaKey must be in an allowed region and so must its primary.',
  resourceTypes: ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'],
  evaluate(r, { index, options }) {
    const allowed = options.allowedRegions ?? [];
    if (r.type === 'AWS::KMS::ReplicaKey') {
      const here = judgeStackRegion(r.stack, index, allowed);
      const primary = judgeCopy(regionOfArn(r.properties.PrimaryKeyArn, index), `its primary key ${describe(r.properties.PrimaryKeyArn)}`, allowed);
      return worst([here.verdict === COMPLIANT.verdict ? here : { ...here, detail: `the replica key: ${here.detail}` }, primary]);
    }
    const multiRegion = r.properties.MultiRegion;
    if (isIntrinsic(multiRegion)) {
      return unverifiable(`MultiRegion is ${describe(multiRegion)}, only known at deploy time`);
    }
    if (!isTrue(multiRegion)) {
      return NOT_APPLICABLE;
    }
    const policy = parsePolicy(r.properties.KeyPolicy);
    const statements = statementsOf(policy);
    if (statements.some((s) => confinesReplicas(s, allowed))) {
      return COMPLIANT;
    }
    const outcome: Outcome = isIntrinsic(policy) || isIntrinsic((policy as any)?.Statement) || statements.some((st) => isIntrinsic(st))
      ? unverifiable('the key is MultiRegion and its key policy statements are only known at deploy time')
      : nonCompliant(`the key is MultiRegion and no key policy statement denies kms:ReplicateKey outside ${allowed.join(', ')}`);
    return outcome;
  },
};
