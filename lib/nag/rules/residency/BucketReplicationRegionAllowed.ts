import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { judgeCopy } from '../../private/regions';
import { renderResource, StackIndex } from '../../private/rendered';
import { NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic, knownText } from '../../private/values';

/** Buckets of this stack by literal BucketName (built once). */
function bucketsByName(index: StackIndex): Set<string> {
  return index.memo('bucket-names', () => new Set(index.byType('AWS::S3::Bucket')
    .map((b) => b.properties.BucketName).filter((n): n is string => typeof n === 'string')));
}

/**
 * Regions of the app's buckets by literal BucketName (a bucket of another stack is named by a literal ARN,
 * `PhysicalName.GENERATE_IF_NEEDED` for cross-Region replication). One walk of the app, only for stacks
 * that replicate to a bucket they do not hold.
 */
function appBucketRegions(index: StackIndex): Map<string, string> {
  return index.memo('app-bucket-regions', () => {
    const out = new Map<string, string>();
    for (const c of index.stack.node.root.node.findAll()) {
      if (!CfnResource.isCfnResource(c) || c.cfnResourceType !== 'AWS::S3::Bucket') {
        continue;
      }
      const stack = Stack.of(c);
      const name = renderResource(c, stack)?.properties.BucketName;
      if (typeof name === 'string') {
        out.set(name, Token.isUnresolved(stack.region) ? UNKNOWN_REGION : stack.region);
      }
    }
    return out;
  });
}

const UNKNOWN_REGION = '';

/**
 * S3 ARNs hold no Region (`arn:aws:s3:::name`), so a destination counts as staying only when it is a
 * bucket of this stack (by reference, or by the literal name of one); anything else cannot be verified.
 */
function judgeDestination(bucket: unknown, what: string, index: StackIndex, allowed: string[]): Outcome {
  const target = isIntrinsic(bucket) ? index.target(bucket) : undefined;
  if (target?.type === 'AWS::S3::Bucket') {
    return judgeCopy({ kind: 'same' }, what, allowed);
  }
  const name = knownText(bucket)?.match(/^arn:[^:]+:s3:::([^/]+)$/)?.[1];
  if (name && !name.includes('${') && bucketsByName(index).has(name)) {
    return judgeCopy({ kind: 'same' }, what, allowed);
  }
  const region = name && !name.includes('${') ? appBucketRegions(index).get(name) : undefined;
  if (region) {
    return judgeCopy({ kind: 'region', region }, `${what} (bucket ${name} of the app)`, allowed);
  }
  return unverifiable(`${what}: ${describe(bucket)} is not a bucket of this stack${region === UNKNOWN_REGION ? ' and its stack names no Region' : ''}, and an S3 ARN does not say its Region`);
}

/** S3 replication copies objects only to buckets in allowed Regions. */
export const BucketReplicationRegionAllowed: RuleDefinition = {
  name: 'BucketReplicationRegionAllowed',
  guarantee: 'G8',
  info: 'A bucket replicates objects to a bucket that may be outside the allowed regions.',
  explanation: 'GDPR data residency: replicated objects are customer data. Replicate only to a bucket of the same ' +
    'stack, or of a stack of the app whose env.region is allowed. An S3 ARN carries no Region, so a bucket defined ' +
    'outside the app cannot be verified at synth: acknowledge the warning with the destination\'s Region as the reason.',
  resourceTypes: ['AWS::S3::Bucket'],
  evaluate(r, { index, options }) {
    const config = r.properties.ReplicationConfiguration;
    if (config === undefined) {
      return NOT_APPLICABLE;
    }
    if (isIntrinsic(config) || isIntrinsic(config.Rules)) {
      return unverifiable(`ReplicationConfiguration is ${describe(config)}, only known at deploy time`);
    }
    const outcomes = asArray<any>(config.Rules).map((rule, i) => {
      const destination = rule?.Destination;
      return isIntrinsic(destination)
        ? unverifiable(`the destination of replication rule ${rule?.Id ?? i} is only known at deploy time`)
        : judgeDestination(destination?.Bucket, `replication rule ${rule?.Id ?? i}`, index, options.allowedRegions ?? []);
    });
    return outcomes.length === 0 ? NOT_APPLICABLE : worst(outcomes);
  },
};
