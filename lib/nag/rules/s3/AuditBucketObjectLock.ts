import { auditBuckets, auditDestination, isSessionDocument } from '../../private/audit';
import { RenderedResource } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable } from '../../private/rule';
import { describe, isIntrinsic, isTrue } from '../../private/values';

const MODES = ['GOVERNANCE', 'COMPLIANCE'];

function positive(value: unknown): boolean {
  return (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) && Number(value) > 0;
}

function judgeBucket(bucket: RenderedResource, sources: string[]): Outcome {
  const p = bucket.properties;
  const lock = p.ObjectLockConfiguration;
  const retention = lock?.Rule?.DefaultRetention;
  const versioning = p.VersioningConfiguration?.Status;
  const values = [p.ObjectLockEnabled, lock, lock?.Rule, retention, retention?.Mode, retention?.Days, retention?.Years];
  if ([...values, p.VersioningConfiguration, versioning].some(isIntrinsic)) {
    return unverifiable(`the object lock or versioning of the audit bucket (written by ${sources.join(', ')}) is only known at deploy time`);
  }
  const missing: string[] = [];
  if (!isTrue(p.ObjectLockEnabled)) {
    missing.push('ObjectLockEnabled is not true');
  }
  if (!retention) {
    missing.push('ObjectLockConfiguration has no default retention (Rule.DefaultRetention)');
  } else {
    if (!MODES.includes(retention.Mode)) {
      missing.push(`the default retention mode is ${describe(retention.Mode)}, not GOVERNANCE or COMPLIANCE`);
    }
    if (!positive(retention.Days) && !positive(retention.Years)) {
      missing.push('the default retention has neither Days nor Years');
    }
  }
  if (versioning !== 'Enabled') {
    missing.push('VersioningConfiguration Status is not Enabled');
  }
  return missing.length === 0 ? COMPLIANT : nonCompliant(`the bucket receives audit logs from ${sources.join(', ')}, but ${missing.join('; ')}`);
}

/**
 * Buckets that receive audit logs keep every version for a retention period: object lock with a
 * default retention (governance or compliance mode) and versioning.
 *
 * Audit that its subject can rewrite is no audit: whoever may write session logs or trail files (the
 * host role writes its own session logs) could otherwise overwrite or delete the record of what
 * they did. With object lock, an overwrite makes a new version and the old one stays until the
 * retention ends. Audit buckets are the S3BucketName of a trail and the s3BucketName input of a
 * Session Manager session document; one outside the stack cannot be seen and is reported as such.
 */
export const AuditBucketObjectLock: RuleDefinition = {
  name: 'AuditBucketObjectLock',
  guarantee: 'G6',
  info: 'A bucket that receives audit logs has no object lock with a default retention, or no versioning.',
  explanation: 'Session logs and trail files must outlive whoever could rewrite them. On each bucket a trail or a session ' +
    'document writes to, set ObjectLockEnabled: true, ObjectLockConfiguration.Rule.DefaultRetention (Mode GOVERNANCE ' +
    'or COMPLIANCE, with Days or Years) and VersioningConfiguration Status Enabled. Object lock can be turned on for an ' +
    'existing bucket, but only objects written afterwards are protected.',
  resourceTypes: ['AWS::S3::Bucket', 'AWS::CloudTrail::Trail', 'AWS::SSM::Document'],
  evaluate(r, { index }) {
    if (r.type === 'AWS::S3::Bucket') {
      const sources = auditBuckets(index).get(r);
      return sources ? judgeBucket(r, sources) : NOT_APPLICABLE;
    }
    if (r.type === 'AWS::SSM::Document' && isSessionDocument(r) !== 'yes') {
      return NOT_APPLICABLE;
    }
    if (r.type !== 'AWS::CloudTrail::Trail' && r.type !== 'AWS::SSM::Document') {
      return NOT_APPLICABLE;
    }
    const destination = auditDestination(r, index);
    // A bucket of the stack is judged on the bucket itself.
    return destination.kind === 'elsewhere'
      ? unverifiable(`the audit bucket ${describe(destination.value)} is not in this stack, so its object lock cannot be seen`)
      : NOT_APPLICABLE;
  },
};
