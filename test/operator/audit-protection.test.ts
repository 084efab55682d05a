import { App, CliCredentialsStackSynthesizer, Duration, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { ACCOUNT, REGION, asList, logicalIdOf, newOperatorStack, newStack, statementsOfRole } from './operator-test-util';
import { ServiceKeys } from '../../lib/keys';
import { Decision, evaluate, resolve, resourceArns } from '../deploy/template-model';

const EXEC_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-${REGION}`;
const SOMEONE_ELSE_ARN = `arn:aws:iam::${ACCOUNT}:role/PowerUser`;

/**
 * The audit bucket's policy as S3 would hold it in account ACCOUNT, and a function that evaluates it
 * for one request by an IAM principal. Only the statements for any principal (`*`) can apply to an
 * IAM role or user; the others name AWS services.
 */
function auditBucketPolicy(built: ReturnType<typeof newOperatorStack>) {
  const { stack, access } = built;
  const template = Template.fromStack(stack).toJSON() as any;
  const deployment = { region: REGION, accountId: ACCOUNT, resourceArn: resourceArns(template, { region: REGION, accountId: ACCOUNT }) };
  const policyId = logicalIdOf(stack, access.auditBucket.policy!);
  const document = resolve(template.Resources[policyId].Properties.PolicyDocument, deployment);
  const forAnyone = document.Statement.filter((s: any) => s.Principal === '*' || JSON.stringify(s.Principal) === '{"AWS":"*"}');
  const bucketArn = deployment.resourceArn(logicalIdOf(stack, access.auditBucket));
  const roleArn = (role: iam.IRole) => deployment.resourceArn(logicalIdOf(stack, role as iam.Role));
  const decide = (principalArn: string, action: string, key?: string): Decision => evaluate({ Statement: forAnyone }, {
    action,
    resource: key === undefined ? bucketArn : `${bucketArn}/${key}`,
    context: { 'aws:PrincipalArn': principalArn, 'aws:SecureTransport': 'true' },
  });
  return { decide, roleArn, document };
}

describe('OperatorAccess audit bucket Object Lock', () => {
  const bucketOf = (built: ReturnType<typeof newOperatorStack>) =>
    Template.fromStack(built.stack).toJSON().Resources[logicalIdOf(built.stack, built.access.auditBucket)];

  test('is on by default, in governance mode for 365 days, on a versioned, retained bucket', () => {
    const bucket = bucketOf(newOperatorStack());
    expect(bucket.Properties.ObjectLockEnabled).toBe(true);
    expect(bucket.Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } },
    });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
  });

  test('auditRetention sets the governance-mode retention', () => {
    const bucket = bucketOf(newOperatorStack({ auditRetention: Duration.days(730) }));
    expect(bucket.Properties.ObjectLockConfiguration.Rule).toEqual({ DefaultRetention: { Mode: 'GOVERNANCE', Days: 730 } });
  });

  test('the access-log bucket has no Object Lock, which S3 server access logging cannot deliver to', () => {
    const built = newOperatorStack();
    const accessLogs = Template.fromStack(built.stack).toJSON().Resources[logicalIdOf(built.stack, built.access.accessLogsBucket as s3.Bucket)];
    expect(accessLogs.Properties.ObjectLockEnabled).toBeUndefined();
    expect(accessLogs.Properties.ObjectLockConfiguration).toBeUndefined();
  });

  test.each([
    [Duration.days(0), /auditRetention must be a whole number of days from 1 to 36500; got 0 days/],
    [Duration.days(36501), /auditRetention must be a whole number of days from 1 to 36500; got 36501 days/],
    [Duration.hours(36), /auditRetention must be a whole number of days from 1 to 36500; got 1 day 12 hours/],
    [Duration.days(Token.asNumber({ Ref: 'Days' })), /auditRetention must be a concrete duration; got a token/],
  ])('fails at synthesis with a retention S3 Object Lock does not accept (%s)', (auditRetention, message) => {
    expect(() => newOperatorStack({ auditRetention })).toThrow(message);
  });

  test('fails when both auditRetention and auditBucketObjectLock set the retention', () => {
    expect(() => newOperatorStack({ auditRetention: Duration.days(30), auditBucketObjectLock: s3.ObjectLockRetention.compliance(Duration.days(30)) }))
      .toThrow(/auditRetention \(30 days\) and auditBucketObjectLock \(COMPLIANCE 30 days\) both set/);
  });

  test('fails with an empty list of administrators, which would leave CloudFormation unable to update the bucket', () => {
    expect(() => newOperatorStack({ auditBucketAdministrators: [] })).toThrow(/auditBucketAdministrators must name at least one role; got an empty list/);
  });
});

describe('OperatorAccess audit bucket policy, evaluated for concrete requests', () => {
  const built = newOperatorStack();
  const { decide, roleArn } = auditBucketPolicy(built);
  const host = roleArn(built.hostRole);
  const operator = roleArn(built.access.role);

  test.each<[string, () => string, string, string | undefined, Decision]>([
    ['the host adds a session transcript', () => host, 's3:PutObject', 'session-logs/sess-0123.log', 'ImplicitDeny'],
    ['the host checks the bucket encryption', () => host, 's3:GetEncryptionConfiguration', undefined, 'ImplicitDeny'],
    ['the host writes a forged trail log file', () => host, 's3:PutObject', `cloudtrail/AWSLogs/${ACCOUNT}/CloudTrail/x.json.gz`, 'ExplicitDeny'],
    ['the host deletes a transcript', () => host, 's3:DeleteObject', 'session-logs/sess-0123.log', 'ExplicitDeny'],
    ['the host deletes a transcript version', () => host, 's3:DeleteObjectVersion', 'session-logs/sess-0123.log', 'ExplicitDeny'],
    ['the host shortens a retention', () => host, 's3:PutObjectRetention', 'session-logs/sess-0123.log', 'ExplicitDeny'],
    ['the host lifts a legal hold', () => host, 's3:PutObjectLegalHold', 'session-logs/sess-0123.log', 'ExplicitDeny'],
    ['the host bypasses governance mode', () => host, 's3:BypassGovernanceRetention', 'session-logs/sess-0123.log', 'ExplicitDeny'],
    ['the host rewrites the bucket policy', () => host, 's3:PutBucketPolicy', undefined, 'ExplicitDeny'],
    ['the host suspends versioning', () => host, 's3:PutBucketVersioning', undefined, 'ExplicitDeny'],
    ['another principal of the account deletes a trail file version', () => SOMEONE_ELSE_ARN, 's3:DeleteObjectVersion', 'cloudtrail/x.json.gz', 'ExplicitDeny'],
    ['another principal bypasses governance mode', () => SOMEONE_ELSE_ARN, 's3:BypassGovernanceRetention', 'cloudtrail/x.json.gz', 'ExplicitDeny'],
    ['another principal removes the lock', () => SOMEONE_ELSE_ARN, 's3:PutBucketObjectLockConfiguration', undefined, 'ExplicitDeny'],
    ['another principal adds a 1-day expiry', () => SOMEONE_ELSE_ARN, 's3:PutLifecycleConfiguration', undefined, 'ExplicitDeny'],
    ['another principal deletes the bucket policy', () => SOMEONE_ELSE_ARN, 's3:DeleteBucketPolicy', undefined, 'ExplicitDeny'],
    ['the operator role deletes a transcript', () => operator, 's3:DeleteObject', 'session-logs/sess-0123.log', 'ExplicitDeny'],
    ['an auditor reads a transcript', () => SOMEONE_ELSE_ARN, 's3:GetObject', 'session-logs/sess-0123.log', 'ImplicitDeny'],
    // CloudFormation updates the bucket and its policy with the execution role: it must not be denied.
    ['CloudFormation updates the bucket policy', () => EXEC_ROLE_ARN, 's3:PutBucketPolicy', undefined, 'ImplicitDeny'],
    ['CloudFormation deletes the bucket policy with the stack', () => EXEC_ROLE_ARN, 's3:DeleteBucketPolicy', undefined, 'ImplicitDeny'],
    ['CloudFormation updates the lock configuration', () => EXEC_ROLE_ARN, 's3:PutBucketObjectLockConfiguration', undefined, 'ImplicitDeny'],
    ['CloudFormation updates versioning', () => EXEC_ROLE_ARN, 's3:PutBucketVersioning', undefined, 'ImplicitDeny'],
    ['CloudFormation updates the lifecycle', () => EXEC_ROLE_ARN, 's3:PutLifecycleConfiguration', undefined, 'ImplicitDeny'],
  ])('%s: %s', (_what, principal, action, key, expected) => {
    // ImplicitDeny here means "not denied by the bucket policy": the caller's IAM policy decides.
    expect(decide(principal(), action, key)).toBe(expected);
  });

  test('a request without TLS is denied even to the host', () => {
    const { stack, access } = built;
    const template = Template.fromStack(stack).toJSON() as any;
    const deployment = { region: REGION, accountId: ACCOUNT, resourceArn: resourceArns(template, { region: REGION, accountId: ACCOUNT }) };
    const document = resolve(template.Resources[logicalIdOf(stack, access.auditBucket.policy!)].Properties.PolicyDocument, deployment);
    const forAnyone = document.Statement.filter((s: any) => s.Principal === '*' || JSON.stringify(s.Principal) === '{"AWS":"*"}');
    expect(evaluate({ Statement: forAnyone }, {
      action: 's3:PutObject',
      resource: `${deployment.resourceArn(logicalIdOf(stack, access.auditBucket))}/session-logs/x.log`,
      context: { 'aws:PrincipalArn': host, 'aws:SecureTransport': 'false' },
    })).toBe('ExplicitDeny');
  });

  test('the host role may only PutObject under session-logs/ and read the encryption configuration, in IAM too', () => {
    const template = Template.fromStack(built.stack);
    const s3Statements = statementsOfRole(template, logicalIdOf(built.stack, built.hostRole))
      .filter((s) => asList(s.Action).some((a: string) => a.startsWith('s3:')));
    const auditBucketId = logicalIdOf(built.stack, built.access.auditBucket);
    expect(s3Statements).toEqual([
      { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [auditBucketId, 'Arn'] }, '/session-logs/*']] } },
      { Effect: 'Allow', Action: 's3:GetEncryptionConfiguration', Resource: { 'Fn::GetAtt': [auditBucketId, 'Arn'] } },
    ]);
  });

  test('a host role granted after construction is denied too', () => {
    const later = newOperatorStack({ hostRoles: [] });
    const bastionRole = new iam.Role(later.stack, 'BastionRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    later.access.grantHostLogging(bastionRole);
    const policy = auditBucketPolicy(later);
    expect(policy.decide(policy.roleArn(bastionRole), 's3:DeleteObjectVersion', 'session-logs/x.log')).toBe('ExplicitDeny');
    expect(policy.decide(policy.roleArn(bastionRole), 's3:PutObject', 'cloudtrail/x.json.gz')).toBe('ExplicitDeny');
    expect(policy.decide(policy.roleArn(bastionRole), 's3:PutObject', 'session-logs/x.log')).toBe('ImplicitDeny');
  });

  test('without host roles the policy has no statement about hosts', () => {
    const none = newOperatorStack({ hostRoles: [] });
    const sids = auditBucketPolicy(none).document.Statement.map((s: any) => s.Sid);
    expect(sids).not.toContain('HostsWriteSessionLogsOnly');
    expect(sids).toContain('AuditLogsKeptFromAllButAdministrators');
  });
});

describe('OperatorAccess audit bucket administrators', () => {
  test('auditBucketAdministrators replaces the execution role as the only principals not denied', () => {
    const stack = newStack();
    const deployer = iam.Role.fromRoleArn(stack, 'Deployer', `arn:aws:iam::${ACCOUNT}:role/pipeline-deployer`);
    const built = newOperatorStack({ auditBucketAdministrators: [deployer] }, stack);
    const { decide } = auditBucketPolicy(built);
    expect(decide(deployer.roleArn, 's3:PutBucketPolicy')).toBe('ImplicitDeny');
    expect(decide(EXEC_ROLE_ARN, 's3:PutBucketPolicy')).toBe('ExplicitDeny');
  });

  test('the deployers given to ServiceKeys in the stack are the administrators, so keys, secrets and bucket trust one role', () => {
    const stack = newStack();
    const deployer = iam.Role.fromRoleArn(stack, 'Deployer', `arn:aws:iam::${ACCOUNT}:role/pipeline-deployer`);
    new ServiceKeys(stack, 'Keys', { deployers: [deployer] });
    const { decide } = auditBucketPolicy(newOperatorStack({}, stack));
    expect(decide(deployer.roleArn, 's3:PutBucketPolicy')).toBe('ImplicitDeny');
    expect(decide(EXEC_ROLE_ARN, 's3:PutBucketPolicy')).toBe('ExplicitDeny');
  });

  test('with another synthesizer, deleting and unlocking are denied to everyone, bucket changes are left to IAM, and a warning says so', () => {
    const stack = new Stack(new App(), 'Test', { env: { account: ACCOUNT, region: REGION }, synthesizer: new CliCredentialsStackSynthesizer() });
    const built = newOperatorStack({}, stack);
    const { decide } = auditBucketPolicy(built);
    expect(decide(EXEC_ROLE_ARN, 's3:DeleteObjectVersion', 'session-logs/x.log')).toBe('ExplicitDeny');
    expect(decide(EXEC_ROLE_ARN, 's3:BypassGovernanceRetention', 'session-logs/x.log')).toBe('ExplicitDeny');
    expect(decide(SOMEONE_ELSE_ARN, 's3:PutBucketPolicy')).toBe('ImplicitDeny');
    Annotations.fromStack(stack).hasWarning('/Test/Operators', Match.stringLikeRegexp('Pass OperatorAccessProps.auditBucketAdministrators'));
  });

  test('with the default synthesizer there is no administrators warning', () => {
    const { stack } = newOperatorStack({ alertEmails: ['oncall@example.com'] });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('auditBucketAdministrators'))).toEqual([]);
  });
});

describe('OperatorAccess audit bucket change alert', () => {
  test('changes to the audit bucket policy, lock, versioning, lifecycle, encryption or logging alert', () => {
    const { stack, access } = newOperatorStack();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['AWS API Call via CloudTrail'],
        'detail': {
          eventSource: ['s3.amazonaws.com'],
          eventName: Match.arrayWith(['PutBucketPolicy', 'DeleteBucketPolicy', 'PutObjectLockConfiguration', 'PutBucketVersioning', 'PutBucketLifecycle']),
          requestParameters: { bucketName: [{ Ref: logicalIdOf(stack, access.auditBucket) }] },
        },
      },
      Targets: [Match.objectLike({ Arn: { Ref: logicalIdOf(stack, access.alertTopic) } })],
    });
  });
});
