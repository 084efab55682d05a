import { judgeKey } from '../../private/kms';
import { nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { isIntrinsic, isTrue } from '../../private/values';

/** EBS volumes are encrypted with a customer-managed KMS key. */
export const VolumeCustomerManagedKey: RuleDefinition = {
  name: 'VolumeCustomerManagedKey',
  guarantee: 'G1',
  info: 'The EBS volume is not encrypted with a customer-managed KMS key.',
  explanation: 'Database data and WAL live on EBS volumes; G1 requires AES-256 encryption under a key whose policy, ' +
    'rotation and deletion the service owner controls. Set Encrypted: true and KmsKeyId to a kms.Key (not alias/aws/ebs).',
  resourceTypes: ['AWS::EC2::Volume'],
  evaluate(r, { index }) {
    if (r.type !== 'AWS::EC2::Volume') {
      return NOT_APPLICABLE;
    }
    return judgeEbs(r.properties, index, 'KmsKeyId');
  },
};

/** Shared by the volume and block-device rules: `Encrypted` plus a customer-managed `KmsKeyId`. */
export function judgeEbs(ebs: any, index: Parameters<typeof judgeKey>[1], what: string) {
  if (isIntrinsic(ebs?.Encrypted)) {
    return unverifiable(`Encrypted is ${JSON.stringify(ebs.Encrypted)}, only known at deploy time`);
  }
  if (!isTrue(ebs?.Encrypted)) {
    return nonCompliant('Encrypted is not true');
  }
  return judgeKey(ebs.KmsKeyId, index, what);
}
