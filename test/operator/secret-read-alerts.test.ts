import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { matchesPattern } from './event-pattern';
import { ACCOUNT, REGION, logicalIdOf, newOperatorStack } from './operator-test-util';
import { resolve, resourceArns } from '../deploy/template-model';

const SECRET_NAME = 'orders/superuser';
const PARTIAL_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET_NAME}`;
const FULL_ARN = `${PARTIAL_ARN}-AbCdEf`;
const IMPORTED_NAME = 'orders/tls-key';
const IMPORTED_PARTIAL_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${IMPORTED_NAME}`;

/**
 * A GetSecretValue record as EventBridge delivers it, in the shape of the CloudTrail User Guide's and
 * the Secrets Manager User Guide's examples ("AWS CloudTrail entries for Secrets Manager"): an
 * assumed-role caller has `userIdentity.sessionContext.sessionIssuer.arn`, the role's ARN; an IAM
 * user or the root user has no session issuer.
 */
function getSecretValueEvent(secretId: string, userIdentity: any, eventName = 'GetSecretValue'): any {
  return {
    'version': '0',
    'id': '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'AWS API Call via CloudTrail',
    'source': 'aws.secretsmanager',
    'account': ACCOUNT,
    'time': '2026-12-02T22:00:00Z',
    'region': REGION,
    'resources': [],
    'detail': {
      eventVersion: '1.09',
      userIdentity,
      eventTime: '2026-12-02T22:00:00Z',
      eventSource: 'secretsmanager.amazonaws.com',
      eventName,
      awsRegion: REGION,
      sourceIPAddress: '10.0.1.23',
      userAgent: 'aws-cli/2.22.0',
      requestParameters: { secretId },
      responseElements: null,
      requestID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      eventID: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE22222',
      readOnly: true,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
    },
  };
}

function assumedRole(roleArn: string, sessionName: string): any {
  const roleName = roleArn.split('/').pop();
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEID:${sessionName}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${sessionName}`,
    accountId: ACCOUNT,
    accessKeyId: 'ASIAEXAMPLEKEY',
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: 'AROAEXAMPLEID', arn: roleArn, accountId: ACCOUNT, userName: roleName },
      attributes: { creationDate: '2026-12-02T21:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

const IAM_USER = {
  type: 'IAMUser', principalId: 'AIDAEXAMPLEID', arn: `arn:aws:iam::${ACCOUNT}:user/mallory`, accountId: ACCOUNT, accessKeyId: 'AKIAEXAMPLE', userName: 'mallory',
};
const CONSOLE_IAM_USER = { ...IAM_USER, sessionContext: { attributes: { creationDate: '2026-12-02T21:00:00Z', mfaAuthenticated: 'true' } } };
const ROOT = { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT, accessKeyId: 'ASIAROOT' };

describe('OperatorAccess.alertOnSecretReads', () => {
  const built = newOperatorStack();
  const { stack, access, hostRole } = built;
  const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Superuser', FULL_ARN);
  const imported = secretsmanager.Secret.fromSecretNameV2(stack, 'TlsKey', IMPORTED_NAME);
  const rule = access.alertOnSecretReads([secret, imported], [hostRole]);
  const template = Template.fromStack(stack).toJSON() as any;
  const deployment = { region: REGION, accountId: ACCOUNT, resourceArn: resourceArns(template, { region: REGION, accountId: ACCOUNT }) };
  const ruleResource = template.Resources[logicalIdOf(stack, rule)];
  const pattern = resolve(ruleResource.Properties.EventPattern, deployment);
  const hostRoleArn = deployment.resourceArn(logicalIdOf(stack, hostRole));
  const host = assumedRole(hostRoleArn, 'i-0123456789abcdef0');

  test('is in the state that receives read-only management events, and targets the alert topic', () => {
    expect(ruleResource.Properties.State).toBe('ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS');
    expect(ruleResource.Properties.Targets).toEqual([expect.objectContaining({ Arn: { Ref: logicalIdOf(stack, access.alertTopic) } })]);
    Template.fromStack(stack).hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalIdOf(stack, rule), 'Arn'] } } },
        })]),
      },
    });
  });

  test('names the secrets by full ARN, partial ARN and name, and excludes the expected readers only', () => {
    expect(pattern).toEqual({
      'source': ['aws.secretsmanager'],
      'detail-type': ['AWS API Call via CloudTrail'],
      'detail': {
        eventSource: ['secretsmanager.amazonaws.com'],
        eventName: ['GetSecretValue'],
        requestParameters: {
          secretId: [FULL_ARN, PARTIAL_ARN, SECRET_NAME, { prefix: `${IMPORTED_PARTIAL_ARN}-` }, IMPORTED_PARTIAL_ARN, IMPORTED_NAME],
        },
        $or: [
          { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': [hostRoleArn] }] } } } },
          { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ exists: false }] } } } },
        ],
      },
    });
  });

  test.each<[string, any, boolean]>([
    ['the host role reads the secret by full ARN', getSecretValueEvent(FULL_ARN, host), false],
    ['the host role reads the secret by name', getSecretValueEvent(SECRET_NAME, host), false],
    ['another role reads the secret by full ARN', getSecretValueEvent(FULL_ARN, assumedRole(`arn:aws:iam::${ACCOUNT}:role/PowerUser`, 'bob')), true],
    ['another role reads the secret by partial ARN', getSecretValueEvent(PARTIAL_ARN, assumedRole(`arn:aws:iam::${ACCOUNT}:role/PowerUser`, 'bob')), true],
    ['another role reads the secret by name', getSecretValueEvent(SECRET_NAME, assumedRole(`arn:aws:iam::${ACCOUNT}:role/PowerUser`, 'bob')), true],
    ['the operator role reads the secret', getSecretValueEvent(SECRET_NAME, assumedRole(`arn:aws:iam::${ACCOUNT}:role/Operators`, 'alice')), true],
    ['an IAM user with access keys reads the secret (no session issuer)', getSecretValueEvent(FULL_ARN, IAM_USER), true],
    ['an IAM user in the console reads the secret (session context, no issuer)', getSecretValueEvent(FULL_ARN, CONSOLE_IAM_USER), true],
    ['the root user reads the secret', getSecretValueEvent(SECRET_NAME, ROOT), true],
    ['someone reads the imported secret by its full ARN', getSecretValueEvent(`${IMPORTED_PARTIAL_ARN}-XyZ123`, IAM_USER), true],
    ['someone reads the imported secret by name', getSecretValueEvent(IMPORTED_NAME, IAM_USER), true],
    ['someone reads another secret', getSecretValueEvent(`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:billing/api-key-QwErTy`, IAM_USER), false],
    ['someone reads a secret whose name only starts like ours', getSecretValueEvent(`${SECRET_NAME}-replica`, IAM_USER), false],
    ['someone only describes the secret', getSecretValueEvent(FULL_ARN, IAM_USER, 'DescribeSecret'), false],
  ])('%s -> alert: %s', (_what, event, alerts) => {
    expect(matchesPattern(pattern, event)).toBe(alerts);
  });

  test('with no expected readers, every read alerts', () => {
    const other = newOperatorStack();
    const s = secretsmanager.Secret.fromSecretCompleteArn(other.stack, 'Superuser', FULL_ARN);
    const r = other.access.alertOnSecretReads([s], []);
    const t = Template.fromStack(other.stack).toJSON() as any;
    const p = resolve(t.Resources[logicalIdOf(other.stack, r)].Properties.EventPattern, { region: REGION, accountId: ACCOUNT });
    expect(p.detail.$or).toBeUndefined();
    expect(matchesPattern(p, getSecretValueEvent(FULL_ARN, assumedRole(`arn:aws:iam::${ACCOUNT}:role/anything`, 'x')))).toBe(true);
  });

  test('a secret of the stack is named by its full ARN, the ARN without suffix and its name', () => {
    const other = newOperatorStack();
    const owned = new secretsmanager.Secret(other.stack, 'Password', { secretName: 'orders/password' });
    const r = other.access.alertOnSecretReads([owned], [other.hostRole]);
    const t = Template.fromStack(other.stack).toJSON() as any;
    const ownedArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:orders/password-AbCdEf`;
    // As deployed: Ref of the secret is its full ARN.
    const p = resolve(t.Resources[logicalIdOf(other.stack, r)].Properties.EventPattern, {
      region: REGION, accountId: ACCOUNT, resourceArn: (id) => (id === logicalIdOf(other.stack, owned) ? ownedArn : `arn:aws:unmodelled:::${id}`),
    });
    expect(p.detail.requestParameters.secretId).toEqual([
      ownedArn, `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:orders/password`, 'orders/password',
    ]);
  });

  test('each call makes its own rule', () => {
    const other = newOperatorStack();
    const s = secretsmanager.Secret.fromSecretCompleteArn(other.stack, 'Superuser', FULL_ARN);
    const first = other.access.alertOnSecretReads([s], []);
    const second = other.access.alertOnSecretReads([s], [other.hostRole]);
    expect(first.node.id).toBe('SecretReadsRule');
    expect(second.node.id).toBe('SecretReadsRule1');
  });

  test('fails without secrets', () => {
    expect(() => newOperatorStack().access.alertOnSecretReads([], [])).toThrow(/alertOnSecretReads \(Test\/Operators\) needs at least one secret; got an empty list/);
  });
});

describe('the event-pattern matcher used above', () => {
  test('follows EventBridge on missing fields, lists and $or', () => {
    expect(matchesPattern({ a: ['x'] }, { a: ['y', 'x'] })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': ['x'] }] }, {})).toBe(false);
    expect(matchesPattern({ a: [{ exists: false }] }, {})).toBe(true);
    expect(matchesPattern({ a: { b: [{ exists: false }] } }, { a: 'scalar' })).toBe(true);
    expect(matchesPattern({ a: [{ prefix: 'ab' }] }, { a: 'abc' })).toBe(true);
    expect(matchesPattern({ $or: [{ a: ['1'] }, { b: ['2'] }] }, { b: '2' })).toBe(true);
    expect(matchesPattern({ $or: [{ a: ['1'] }, { b: ['2'] }] }, { c: '3' })).toBe(false);
    expect(() => matchesPattern({ a: [{ suffix: 'x' }] }, { a: 'x' })).toThrow(/not modelled/);
  });
});
