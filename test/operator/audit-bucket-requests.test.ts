import { Template } from 'aws-cdk-lib/assertions';
import { ACCOUNT, REGION, logicalIdOf, newOperatorStack } from './operator-test-util';
import { resolve, resourceArns } from '../deploy/template-model';
import { Decision, PolicyDocument, Principal, evaluateRequest } from '../support/iam-evaluator';

/**
 * Requests to the audit bucket decided as AWS would, with the caller's identity policies and the
 * bucket policy together (test/support/iam-evaluator.ts): who may add, read, delete or unlock audit
 * objects and reconfigure the bucket, for concrete principals of the account.
 */
const BUCKET = 'orders-audit-bucket';
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const HOST_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/orders-host`;
const EXEC_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`;
const POWER_USER_ARN = `arn:aws:iam::${ACCOUNT}:role/PowerUser`;
const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/orders-operator-audit`;

const built = newOperatorStack();
const template = Template.fromStack(built.stack).toJSON() as any;
const modelled = resourceArns(template, { region: REGION, accountId: ACCOUNT });
const deployment = {
  region: REGION,
  accountId: ACCOUNT,
  resourceArn: (id: string) => {
    if (id === logicalIdOf(built.stack, built.access.auditBucket)) {
      return BUCKET_ARN;
    }
    return id === logicalIdOf(built.stack, built.hostRole) ? HOST_ROLE_ARN : modelled(id);
  },
};
const bucketPolicyId = logicalIdOf(built.stack, built.access.auditBucket.policy!);
const bucketPolicy: PolicyDocument = resolve(template.Resources[bucketPolicyId].Properties.PolicyDocument, deployment);
const hostPolicies: PolicyDocument[] = Object.values<any>(template.Resources)
  .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((role: any) => role.Ref === logicalIdOf(built.stack, built.hostRole)))
  .map((r) => resolve(r.Properties.PolicyDocument, deployment));
const ADMINISTRATOR_ACCESS: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const POWER_USER_ACCESS: PolicyDocument = {
  Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }],
};

const role = (arn: string): Principal => ({ type: 'role', arn });
const TLS = { 'aws:SecureTransport': true, 'aws:ResourceAccount': ACCOUNT };

function decide(principal: Principal, identity: PolicyDocument[], action: string, key?: string, context: object = {}): Decision {
  return evaluateRequest(
    { principal, action, resource: key === undefined ? BUCKET_ARN : `${BUCKET_ARN}/${key}`, context: { ...TLS, ...context } },
    { identity, resource: bucketPolicy },
  ).decision;
}

describe('the audit bucket, for concrete requests (identity and bucket policies together)', () => {
  const host = role(HOST_ROLE_ARN);
  const hostWithS3Everything = [...hostPolicies, { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }];

  test.each<[string, () => Decision, Decision]>([
    ['the host adds a session transcript', () => decide(host, hostPolicies, 's3:PutObject', 'session-logs/sess-1.log'), 'Allow'],
    ['the host checks the bucket encryption', () => decide(host, hostPolicies, 's3:GetEncryptionConfiguration'), 'Allow'],
    ['the host reads a transcript', () => decide(host, hostPolicies, 's3:GetObject', 'session-logs/sess-1.log'), 'ImplicitDeny'],
    ['the host, even granted s3:* in IAM, writes a trail file', () => decide(host, hostWithS3Everything, 's3:PutObject', `cloudtrail/AWSLogs/${ACCOUNT}/x.json.gz`), 'ExplicitDeny'],
    ['the host, even granted s3:* in IAM, deletes a transcript version', () => decide(host, hostWithS3Everything, 's3:DeleteObjectVersion', 'session-logs/sess-1.log'), 'ExplicitDeny'],
    ['the host, even granted s3:* in IAM, bypasses governance mode', () => decide(host, hostWithS3Everything, 's3:BypassGovernanceRetention', 'session-logs/sess-1.log'), 'ExplicitDeny'],
    ['a PowerUser deletes a transcript version', () => decide(role(POWER_USER_ARN), [POWER_USER_ACCESS], 's3:DeleteObjectVersion', 'session-logs/sess-1.log'), 'ExplicitDeny'],
    ['a PowerUser shortens a retention', () => decide(role(POWER_USER_ARN), [POWER_USER_ACCESS], 's3:PutObjectRetention', 'cloudtrail/x.json.gz'), 'ExplicitDeny'],
    ['a PowerUser removes the bucket policy', () => decide(role(POWER_USER_ARN), [POWER_USER_ACCESS], 's3:DeleteBucketPolicy'), 'ExplicitDeny'],
    ['a PowerUser suspends versioning', () => decide(role(POWER_USER_ARN), [POWER_USER_ACCESS], 's3:PutBucketVersioning'), 'ExplicitDeny'],
    ['a PowerUser adds a lifecycle rule', () => decide(role(POWER_USER_ARN), [POWER_USER_ACCESS], 's3:PutLifecycleConfiguration'), 'ExplicitDeny'],
    ['the CloudFormation execution role updates the bucket policy', () => decide(role(EXEC_ROLE_ARN), [ADMINISTRATOR_ACCESS], 's3:PutBucketPolicy'), 'Allow'],
    ['the CloudFormation execution role updates the lock', () => decide(role(EXEC_ROLE_ARN), [ADMINISTRATOR_ACCESS], 's3:PutBucketObjectLockConfiguration'), 'Allow'],
    ['the CloudFormation execution role updates the lifecycle', () => decide(role(EXEC_ROLE_ARN), [ADMINISTRATOR_ACCESS], 's3:PutLifecycleConfiguration'), 'Allow'],
    ['the CloudFormation execution role without TLS', () => decide(role(EXEC_ROLE_ARN), [ADMINISTRATOR_ACCESS], 's3:PutBucketPolicy', undefined, { 'aws:SecureTransport': false }), 'ExplicitDeny'],
  ])('%s -> %s', (_what, decision, expected) => {
    expect(decision()).toBe(expected);
  });

  const cloudTrail: Principal = { type: 'service', service: 'cloudtrail.amazonaws.com' };
  const trailWrite = { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': TRAIL_ARN, 'aws:SourceAccount': ACCOUNT };

  test.each<[string, string, object, Decision]>([
    ['this trail delivers a log file', `cloudtrail/AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/x.json.gz`, trailWrite, 'Allow'],
    ['another trail delivers a log file', `cloudtrail/AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/x.json.gz`,
      { ...trailWrite, 'aws:SourceArn': `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/other` }, 'ImplicitDeny'],
    ['this trail writes among the session logs', 'session-logs/x.log', trailWrite, 'ImplicitDeny'],
  ])('CloudTrail: %s -> %s', (_what, key, context, expected) => {
    expect(evaluateRequest(
      { principal: cloudTrail, action: 's3:PutObject', resource: `${BUCKET_ARN}/${key}`, context: { ...TLS, ...context } },
      { resource: bucketPolicy },
    ).decision).toBe(expected);
  });
});
