import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { isIntrinsic, isTrue } from '../../private/values';

/** Symmetric customer-managed keys rotate their key material. */
export const KmsKeyRotation: RuleDefinition = {
  name: 'KmsKeyRotation',
  guarantee: 'G1',
  info: 'The symmetric KMS key does not have automatic key rotation enabled.',
  explanation: 'Rotation limits how much data one key version protects. Set EnableKeyRotation: true ' +
    '(kms.Key enableKeyRotation). Asymmetric and HMAC keys cannot rotate and are not judged.',
  resourceTypes: ['AWS::KMS::Key'],
  evaluate(r) {
    if (r.type !== 'AWS::KMS::Key') {
      return NOT_APPLICABLE;
    }
    const spec = r.properties.KeySpec ?? 'SYMMETRIC_DEFAULT';
    if (isIntrinsic(spec)) {
      return unverifiable('KeySpec is only known at deploy time');
    }
    if (spec !== 'SYMMETRIC_DEFAULT') {
      return NOT_APPLICABLE;
    }
    const rotation = r.properties.EnableKeyRotation;
    if (isIntrinsic(rotation)) {
      return unverifiable(`EnableKeyRotation is ${JSON.stringify(rotation)}, only known at deploy time`);
    }
    return isTrue(rotation) ? COMPLIANT : nonCompliant('EnableKeyRotation is not true');
  },
};
