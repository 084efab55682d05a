import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition } from '../../private/rule';

const RETAINED = ['Retain', 'RetainExceptOnCreate'];

/** Keys survive stack deletion and replacement: deleting a key destroys every backup it protects. */
export const KmsKeyRetained: RuleDefinition = {
  name: 'KmsKeyRetained',
  guarantee: 'G1',
  info: 'The KMS key would be scheduled for deletion when the stack is deleted or the key replaced.',
  explanation: 'Data and backups encrypted under a deleted key are unrecoverable. Set DeletionPolicy and ' +
    'UpdateReplacePolicy to Retain (RemovalPolicy.RETAIN, the kms.Key default).',
  resourceTypes: ['AWS::KMS::Key', 'AWS::KMS::ReplicaKey'],
  evaluate(r) {
    if (r.type !== 'AWS::KMS::Key' && r.type !== 'AWS::KMS::ReplicaKey') {
      return NOT_APPLICABLE;
    }
    if (!RETAINED.includes(r.deletionPolicy ?? 'Delete')) {
      return nonCompliant(`DeletionPolicy is ${r.deletionPolicy ?? 'Delete (default)'}`);
    }
    if (r.updateReplacePolicy !== 'Retain') {
      return nonCompliant(`UpdateReplacePolicy is ${r.updateReplacePolicy ?? 'Delete (default)'}`);
    }
    return COMPLIANT;
  },
};
