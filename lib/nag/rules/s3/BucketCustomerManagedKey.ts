import { judgeKey } from '../../private/kms';
import { nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic } from '../../private/values';

/** Buckets use SSE-KMS with a customer-managed key. */
export const BucketCustomerManagedKey: RuleDefinition = {
  name: 'BucketCustomerManagedKey',
  guarantee: 'G1',
  info: 'The S3 bucket is not encrypted with SSE-KMS under a customer-managed key.',
  explanation: 'Backups, audit logs and session transcripts in S3 must be encrypted under a key the service owner ' +
    'controls. Use BucketEncryption.KMS with encryptionKey (SSEAlgorithm aws:kms and KMSMasterKeyID).',
  resourceTypes: ['AWS::S3::Bucket'],
  evaluate(r, { index }) {
    if (r.type !== 'AWS::S3::Bucket') {
      return NOT_APPLICABLE;
    }
    const encryption = r.properties.BucketEncryption;
    if (encryption === undefined) {
      return nonCompliant('BucketEncryption is not set (SSE-S3 default)');
    }
    const rules = encryption.ServerSideEncryptionConfiguration;
    if (isIntrinsic(encryption) || isIntrinsic(rules)) {
      return unverifiable('BucketEncryption is only known at deploy time');
    }
    const list = asArray<any>(rules);
    if (list.length === 0) {
      return nonCompliant('ServerSideEncryptionConfiguration is empty');
    }
    return worst(list.map((rule) => {
      const byDefault = rule?.ServerSideEncryptionByDefault ?? {};
      const algorithm = byDefault.SSEAlgorithm;
      if (isIntrinsic(algorithm)) {
        return unverifiable('SSEAlgorithm is only known at deploy time');
      }
      if (algorithm !== 'aws:kms' && algorithm !== 'aws:kms:dsse') {
        return nonCompliant(`SSEAlgorithm is ${describe(algorithm)}`);
      }
      return judgeKey(byDefault.KMSMasterKeyID, index, 'KMSMasterKeyID');
    }));
  },
};
