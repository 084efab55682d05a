import { conditionValues, statementsOf } from '../../private/iam';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { asArray, isIntrinsic } from '../../private/values';

function deniesInsecure(document: unknown): boolean {
  return statementsOf(document).some((s) => {
    const everyone = s.Principal === '*' || asArray((s.Principal as any)?.AWS).includes('*');
    const allActions = asArray(s.Action).some((a) => a === 's3:*' || a === '*');
    const insecure = conditionValues(s, ['Bool'], 'aws:SecureTransport').some((v) => v === false || v === 'false');
    return s.Effect === 'Deny' && everyone && allActions && insecure;
  });
}

/** Buckets have a policy that denies requests not made over TLS. */
export const BucketDeniesInsecureTransport: RuleDefinition = {
  name: 'BucketDeniesInsecureTransport',
  guarantee: 'G3',
  info: 'The S3 bucket has no policy denying requests without TLS (aws:SecureTransport = false).',
  explanation: 'There is no option for plaintext connections. Add a bucket policy statement that denies s3:* to "*" ' +
    'when aws:SecureTransport is false (s3.Bucket enforceSSL: true).',
  resourceTypes: ['AWS::S3::Bucket'],
  evaluate(r, { index }) {
    if (r.type !== 'AWS::S3::Bucket') {
      return NOT_APPLICABLE;
    }
    const byBucket = index.groupByReference('AWS::S3::BucketPolicy', 'Bucket');
    const policies = [...(byBucket.get(r.logicalId) ?? [])];
    if (typeof r.properties.BucketName === 'string') {
      policies.push(...(byBucket.get(`literal:${r.properties.BucketName}`) ?? []));
    }
    if (policies.length === 0) {
      return nonCompliant('no AWS::S3::BucketPolicy in the stack targets this bucket');
    }
    if (policies.some((p) => deniesInsecure(p.properties.PolicyDocument))) {
      return COMPLIANT;
    }
    if (policies.some((p) => isIntrinsic(p.properties.PolicyDocument) || isIntrinsic(p.properties.PolicyDocument?.Statement))) {
      return unverifiable('the bucket policy document is only known at deploy time');
    }
    return nonCompliant('the bucket policy has no Deny of s3:* for "*" when aws:SecureTransport is false');
  },
};
