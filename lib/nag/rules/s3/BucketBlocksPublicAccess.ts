import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { isIntrinsic, isTrue } from '../../private/values';

const FLAGS = ['BlockPublicAcls', 'BlockPublicPolicy', 'IgnorePublicAcls', 'RestrictPublicBuckets'];

/** Buckets block all four kinds of public access. */
export const BucketBlocksPublicAccess: RuleDefinition = {
  name: 'BucketBlocksPublicAccess',
  guarantee: 'G4',
  info: 'The S3 bucket does not block all public access.',
  explanation: 'No public Internet-based access is provided. Set all four PublicAccessBlockConfiguration flags ' +
    '(BlockPublicAccess.BLOCK_ALL).',
  resourceTypes: ['AWS::S3::Bucket'],
  evaluate(r) {
    if (r.type !== 'AWS::S3::Bucket') {
      return NOT_APPLICABLE;
    }
    const block = r.properties.PublicAccessBlockConfiguration;
    if (block === undefined) {
      return nonCompliant('PublicAccessBlockConfiguration is not set');
    }
    if (isIntrinsic(block) || FLAGS.some((f) => isIntrinsic(block[f]))) {
      return unverifiable('PublicAccessBlockConfiguration is only known at deploy time');
    }
    const missing = FLAGS.filter((f) => !isTrue(block[f]));
    return missing.length === 0 ? COMPLIANT : nonCompliant(`${missing.join(', ')} not true`);
  },
};
