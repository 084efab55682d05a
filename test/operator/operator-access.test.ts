import { Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  ACCOUNT, ALICE_ARN, REGION, SRE_ROLE_ARN, asList, dependencyCycles, logicalIdOf, newOperatorStack, newStack, statementsOfRole,
} from './operator-test-util';
import { ServiceKeys } from '../../lib/keys';
import { OperatorAccess, VmAccessAudit } from '../../lib/operator';

const DOCUMENT_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:${REGION}:${ACCOUNT}:document/orders-operator-session`]] };
const TRAIL_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudtrail:${REGION}:${ACCOUNT}:trail/orders-operator-audit`]] };

describe('OperatorAccess with defaults', () => {
  let stack: Stack;
  let access: OperatorAccess;
  let template: Template;
  let keyId: string;
  let roleId: string;
  let hostRoleId: string;
  let auditBucketId: string;
  let sessionLogGroupId: string;
  let topicId: string;

  beforeAll(() => {
    const built = newOperatorStack({ alertEmails: ['oncall@example.com'] });
    stack = built.stack;
    access = built.access;
    template = Template.fromStack(stack);
    keyId = logicalIdOf(stack, built.logsKey);
    roleId = logicalIdOf(stack, access.role);
    hostRoleId = logicalIdOf(stack, built.hostRole);
    auditBucketId = logicalIdOf(stack, access.auditBucket);
    sessionLogGroupId = logicalIdOf(stack, access.sessionLogGroup);
    topicId = logicalIdOf(stack, access.alertTopic);
  });

  test('matches the snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });

  test('the template has no dependency cycle (key policy names the trail and topic by constructed ARN)', () => {
    expect(dependencyCycles(template.toJSON() as any)).toEqual([]);
  });

  describe('session document', () => {
    test('is a Session document of its own, with a deterministic exposed name', () => {
      expect(access.sessionDocumentName).toBe('orders-operator-session');
      template.hasResourceProperties('AWS::SSM::Document', {
        Name: 'orders-operator-session',
        DocumentType: 'Session',
        UpdateMethod: 'NewVersion',
        Content: Match.objectLike({ schemaVersion: '1.0', sessionType: 'Standard_Stream' }),
      });
    });

    test('logs to the encrypted log group and bucket, encrypts the stream, runs as the operator user, with time limits', () => {
      template.hasResourceProperties('AWS::SSM::Document', {
        Content: {
          inputs: Match.objectLike({
            s3BucketName: { Ref: auditBucketId },
            s3KeyPrefix: 'session-logs',
            s3EncryptionEnabled: true,
            cloudWatchLogGroupName: { Ref: sessionLogGroupId },
            cloudWatchEncryptionEnabled: true,
            cloudWatchStreamingEnabled: true,
            kmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
            runAsEnabled: true,
            runAsDefaultUser: 'timescale-operator',
            idleSessionTimeout: '20',
            maxSessionDuration: '60',
          }),
        },
      });
    });

    test('the shell profile holds no secret', () => {
      const doc = Object.values(template.findResources('AWS::SSM::Document'))[0];
      const profile = JSON.stringify(doc.Properties.Content.inputs.shellProfile);
      expect(profile).not.toMatch(/password|secret|token|AKIA|PGPASS|BEGIN .*PRIVATE/i);
      expect(doc.Properties.Content.inputs.shellProfile.linux).toContain('umask 077');
    });
  });

  describe('where sessions are recorded', () => {
    test('the session log group is KMS-encrypted, kept one year, retained except on a failed create, and named by CloudFormation', () => {
      const logGroup = template.toJSON().Resources[stack.getLogicalId(access.sessionLogGroup.node.defaultChild as logs.CfnLogGroup)];
      expect(logGroup).toEqual({
        Type: 'AWS::Logs::LogGroup',
        Properties: { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, RetentionInDays: 365 },
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
      // The session document takes the generated name by reference.
      template.hasResourceProperties('AWS::SSM::Document', {
        Content: { inputs: Match.objectLike({ cloudWatchLogGroupName: stack.resolve(access.sessionLogGroup.logGroupName) }) },
      });
    });

    test('the audit bucket is KMS-encrypted with a bucket key, versioned, object-locked, private, retained and access-logged', () => {
      const accessLogsId = logicalIdOf(stack, access.accessLogsBucket as s3.Bucket);
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] } },
            }],
          },
          VersioningConfiguration: { Status: 'Enabled' },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
          },
          LoggingConfiguration: { DestinationBucketName: { Ref: accessLogsId }, LogFilePrefix: 'audit-bucket/' },
          LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 365, Status: 'Enabled' })] },
        }),
        DeletionPolicy: 'Retain',
      });
      expect(template.toJSON().Resources[auditBucketId].Properties).toMatchObject({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 365 } } },
      });
    });

    test('the audit bucket refuses requests without TLS', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: auditBucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          })]),
        },
      });
    });

    test('the access-log bucket accepts log delivery from the audit bucket only, and is private and retained', () => {
      const accessLogsId = logicalIdOf(stack, access.accessLogsBucket as s3.Bucket);
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: accessLogsId },
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: {
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [auditBucketId, 'Arn'] } },
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            },
          })]),
        },
      });
      expect(template.toJSON().Resources[accessLogsId]).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: { PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true }, VersioningConfiguration: { Status: 'Enabled' } },
      });
    });
  });

  describe('operator role', () => {
    test('only the named principals may assume it, each only with recent MFA', () => {
      const trust = template.toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument.Statement
        .filter((s: any) => s.Action === 'sts:AssumeRole');
      expect(trust.map((s: any) => s.Principal)).toEqual([{ AWS: SRE_ROLE_ARN }, { AWS: ALICE_ARN }]);
      for (const statement of trust) {
        expect(statement).toMatchObject({
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' }, NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } },
        });
      }
    });

    test('an operator may set only its own user name as the source identity, with MFA', () => {
      const trust = template.toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument.Statement;
      const others = trust.filter((s: any) => s.Action !== 'sts:AssumeRole');
      expect(others).toEqual([{
        Effect: 'Allow',
        Action: 'sts:SetSourceIdentity',
        Principal: { AWS: [SRE_ROLE_ARN, ALICE_ARN] },
        Condition: {
          Bool: { 'aws:MultiFactorAuthPresent': 'true' },
          NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' },
          StringEquals: { 'sts:SourceIdentity': '${aws:username}' },
        },
      }]);
    });

    test('has a one-hour maximum session', () => {
      template.hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 3600, Description: Match.stringLikeRegexp('Operators of orders') });
    });

    test('may start sessions only on instances tagged with this service, with the document check', () => {
      const statements = statementsOfRole(template, roleId);
      expect(statements).toContainEqual(expect.objectContaining({
        Action: 'ssm:StartSession',
        Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:${REGION}:${ACCOUNT}:instance/*`]] },
        Condition: {
          StringEquals: { [`ssm:resourceTag/${OperatorAccess.SERVICE_TAG_KEY}`]: 'orders' },
          BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' },
        },
      }));
    });

    test('may use only its own session document, and every StartSession statement carries the document check', () => {
      const statements = statementsOfRole(template, roleId);
      expect(statements).toContainEqual(expect.objectContaining({
        Action: 'ssm:StartSession', Resource: DOCUMENT_ARN, Condition: { BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } },
      }));
      const startSession = statements.filter((s) => asList(s.Action).includes('ssm:StartSession'));
      expect(startSession.length).toBeGreaterThan(0);
      for (const statement of startSession) {
        expect(statement.Condition.BoolIfExists).toEqual({ 'ssm:SessionDocumentAccessCheck': 'true' });
      }
      // No document other than the logged one: the only document ARN is this one.
      const documents = startSession.flatMap((s) => asList(s.Resource)).filter((r) => JSON.stringify(r).includes(':document/'));
      expect(documents).toEqual([DOCUMENT_ARN]);
    });

    test('may terminate and resume only its own sessions', () => {
      const statements = statementsOfRole(template, roleId);
      const own = statements.find((s) => asList(s.Action).includes('ssm:TerminateSession'));
      expect(own.Action).toEqual(['ssm:TerminateSession', 'ssm:ResumeSession', 'ssmmessages:OpenDataChannel']);
      expect(own.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:${REGION}:${ACCOUNT}:session/\${aws:userid}-*`]] });
    });

    test('may generate the data key for the session stream, named in the key policy', () => {
      expect(statementsOfRole(template, roleId)).toContainEqual(expect.objectContaining({
        Action: 'kms:GenerateDataKey', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      }));
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Sid: 'OrdersOperatorRoleEncryptsSessionStream', Action: 'kms:GenerateDataKey', Principal: { AWS: { 'Fn::GetAtt': [roleId, 'Arn'] } },
          })]),
        },
      });
    });

    test('is granted nothing else that reaches a machine: no SendCommand, Automation, Instance Connect or serial console', () => {
      const actions = statementsOfRole(template, roleId).flatMap((s) => asList(s.Action));
      expect(actions.sort()).toEqual([
        'ec2:DescribeInstances', 'kms:GenerateDataKey', 'ssm:DescribeInstanceInformation', 'ssm:DescribeInstanceProperties',
        'ssm:DescribeSessions', 'ssm:GetConnectionStatus', 'ssm:GetDocument', 'ssm:ResumeSession', 'ssm:StartSession',
        'ssm:StartSession', 'ssm:TerminateSession', 'ssmmessages:OpenDataChannel',
      ]);
      const grants = VmAccessAudit.findGrantsInTemplate(template.toJSON(), []);
      expect(new Set(grants.map((g) => g.grantee))).toEqual(new Set([roleId]));
      expect(VmAccessAudit.findGrantsInTemplate(template.toJSON(), [roleId])).toEqual([]);
    });
  });

  describe('host logging', () => {
    test('the host role may write transcripts to the bucket prefix and the log group, and decrypt the session stream', () => {
      const statements = statementsOfRole(template, hostRoleId);
      expect(statements).toEqual(expect.arrayContaining([
        expect.objectContaining({
          Action: 's3:PutObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [auditBucketId, 'Arn'] }, '/session-logs/*']] },
        }),
        expect.objectContaining({ Action: 's3:GetEncryptionConfiguration', Resource: { 'Fn::GetAtt': [auditBucketId, 'Arn'] } }),
        expect.objectContaining({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          Resource: { 'Fn::GetAtt': [sessionLogGroupId, 'Arn'] },
        }),
        expect.objectContaining({ Action: 'logs:DescribeLogGroups' }),
        expect.objectContaining({ Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } }),
        expect.objectContaining({
          Action: 'kms:GenerateDataKey',
          Condition: { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } },
        }),
      ]));
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Action: 'kms:Decrypt', Principal: { AWS: { 'Fn::GetAtt': [hostRoleId, 'Arn'] } },
          })]),
        },
      });
    });

    test('the host role gets no session-starting permission', () => {
      const actions = statementsOfRole(template, hostRoleId).flatMap((s) => asList(s.Action));
      expect(actions.filter((a: string) => /^ssm:|^ec2-instance-connect:/.test(a))).toEqual([]);
    });

    test('granting the same host twice adds nothing', () => {
      const before = statementsOfRole(template, hostRoleId).length;
      const again = newOperatorStack();
      again.access.grantHostLogging(again.hostRole);
      const after = statementsOfRole(Template.fromStack(again.stack), logicalIdOf(again.stack, again.hostRole)).length;
      expect(after).toBe(before);
    });
  });

  describe('audit trail', () => {
    test('is multi-region, includes global events, validates log files, is KMS-encrypted and delivers to the bucket and log group', () => {
      const trailLogGroupId = logicalIdOf(stack, access.trailLogGroup);
      template.hasResourceProperties('AWS::CloudTrail::Trail', {
        TrailName: 'orders-operator-audit',
        IsLogging: true,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
        KMSKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
        S3BucketName: { Ref: auditBucketId },
        S3KeyPrefix: 'cloudtrail',
        CloudWatchLogsLogGroupArn: { 'Fn::GetAtt': [trailLogGroupId, 'Arn'] },
        EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'All' }],
      });
      expect(template.toJSON().Resources[trailLogGroupId]).toEqual({
        Type: 'AWS::Logs::LogGroup',
        Properties: { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] }, RetentionInDays: 365 },
        DeletionPolicy: 'RetainExceptOnCreate',
        UpdateReplacePolicy: 'Retain',
      });
    });

    test('only this trail may write to the bucket and use the key', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: auditBucketId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: 's3:GetBucketAcl', Condition: { StringEquals: { 'aws:SourceArn': TRAIL_ARN } } }),
            Match.objectLike({
              Action: 's3:PutObject',
              Principal: { Service: 'cloudtrail.amazonaws.com' },
              Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', 'aws:SourceArn': TRAIL_ARN } },
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Sid: 'OrdersCloudTrailEncryptsThisTrail',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 'kms:GenerateDataKey*',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceArn': TRAIL_ARN } }),
          })]),
        },
      });
    });

    test('CloudTrail may decrypt with the key, for this trail only, as a bucket with an S3 Bucket Key requires', () => {
      // CloudTrail User Guide, "Configure AWS KMS key policies for CloudTrail": with an S3 Bucket Key,
      // kms:Decrypt is required to create or update a trail with SSE-KMS encryption.
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: { ServerSideEncryptionConfiguration: [Match.objectLike({ BucketKeyEnabled: true })] },
      });
      const key = Object.values(template.findResources('AWS::KMS::Key'))[0];
      const decrypt = key.Properties.KeyPolicy.Statement.filter((s: any) =>
        JSON.stringify(s.Principal) === '{"Service":"cloudtrail.amazonaws.com"}' && [s.Action].flat().includes('kms:Decrypt'));
      expect(decrypt).toEqual([{
        Sid: 'OrdersCloudTrailDecryptsForBucketKey',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceArn': TRAIL_ARN } },
      }]);
    });

    test('the trail is created after the bucket policy and its log delivery role', () => {
      const trail = Object.values(template.findResources('AWS::CloudTrail::Trail'))[0];
      const policyId = logicalIdOf(stack, access.auditBucket.policy!);
      expect(trail.DependsOn).toEqual(expect.arrayContaining([policyId]));
      expect(trail.DependsOn.some((d: string) => d.startsWith('OperatorsTrailLogsRole'))).toBe(true);
    });
  });

  describe('alerts', () => {
    test('an EventBridge rule sends every StartSession, ResumeSession and TerminateSession to the topic', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.ssm'],
          'detail-type': ['AWS API Call via CloudTrail'],
          'detail': { eventSource: ['ssm.amazonaws.com'], eventName: ['StartSession', 'ResumeSession', 'TerminateSession'] },
        },
        Targets: [Match.objectLike({ Arn: { Ref: topicId } })],
      });
    });

    test('the topic is KMS-encrypted and TLS-only, and accepts events from the rule only', () => {
      template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: 'orders-operator-sessions',
        KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
      const ruleId = logicalIdOf(stack, access.sessionEventsRule);
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
            }),
          ]),
        },
      });
    });

    test('EventBridge may use the key for this topic only', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              StringEquals: {
                'kms:EncryptionContext:aws:sns:topicArn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sns:${REGION}:${ACCOUNT}:orders-operator-sessions`]],
                },
              },
            },
          })]),
        },
      });
    });

    test('CloudWatch alarms of this account and region may publish to the topic and use its key, for this topic only', () => {
      const alarms = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:${REGION}:${ACCOUNT}:alarm:*`]] };
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([{
            Sid: 'CloudWatchAlarmsOfThisAccountPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': alarms } },
          }]),
        },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([{
            Sid: 'OrdersCloudWatchAlarmsPublishToAlertTopic',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
            Resource: '*',
            Condition: {
              StringEquals: {
                'kms:EncryptionContext:aws:sns:topicArn': {
                  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:sns:${REGION}:${ACCOUNT}:orders-operator-sessions`]],
                },
                'aws:SourceAccount': { Ref: 'AWS::AccountId' },
              },
              ArnLike: { 'aws:SourceArn': alarms },
            },
          }]),
        },
      });
    });

    test('subscribes the alert emails', () => {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: topicId } });
    });
  });

  test('every key policy statement this construct adds names its principal or carries conditions', () => {
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0];
    const added = key.Properties.KeyPolicy.Statement.filter((s: any) => s.Sid);
    expect(added.length).toBeGreaterThanOrEqual(6);
    for (const statement of added) {
      expect(JSON.stringify(statement.Principal)).not.toBe('{"AWS":"*"}');
      const namedRole = JSON.stringify(statement.Principal).includes('Fn::GetAtt');
      expect(namedRole || Object.keys(statement.Condition ?? {}).length > 0).toBe(true);
    }
    // Nobody uses the key through the account's IAM policies: the host writing transcripts through S3 is named.
    expect(added.filter((s: any) => JSON.stringify(s.Principal).includes(':root'))).toEqual([]);
    expect(added.find((s: any) => s.Sid === 'OrdersHostWritesSessionLogsThroughS31')).toEqual(expect.objectContaining({
      Principal: { AWS: { 'Fn::GetAtt': [hostRoleId, 'Arn'] } },
      Action: 'kms:GenerateDataKey',
      Condition: { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } },
    }));
  });

  test('exposes the approval for the PostgreSQL renderer, and none by default', () => {
    expect(access.approval).toBeUndefined();
    const approval = { operator: 'alice', reason: 'slow query', ticket: 'CASE-1', expires: '2099-01-01T00:00:00Z' };
    expect(newOperatorStack({ approval }).access.approval).toEqual(approval);
  });

  test('gives the commands that create the non-root run-as user', () => {
    expect(access.operatorUserCommands()).toEqual([
      'id -u timescale-operator >/dev/null 2>&1 || useradd --create-home --shell /bin/bash timescale-operator',
    ]);
  });
});

describe('OperatorAccess tampering alerts', () => {
  const rulesTo = (template: Template, access: OperatorAccess) => Object.values(template.findResources('AWS::Events::Rule'))
    .filter((r: any) => JSON.stringify(r.Properties.Targets).includes(logicalIdOf(Stack.of(access), access.alertTopic)))
    .map((r: any) => r.Properties.EventPattern);

  test('alert on a stopped or changed trail, a changed session document, Run Command and snapshot sharing', () => {
    const { stack, access } = newOperatorStack();
    const patterns = rulesTo(Template.fromStack(stack), access);
    const byName = (name: string) => patterns.find((p: any) => p.detail.eventName.includes(name));
    expect(byName('StopLogging')).toMatchObject({
      'source': ['aws.cloudtrail'],
      'detail-type': ['AWS API Call via CloudTrail'],
      'detail': { eventName: ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'], requestParameters: { name: ['orders-operator-audit', TRAIL_ARN] } },
    });
    expect(byName('UpdateDocumentDefaultVersion').detail.requestParameters).toEqual({ name: ['orders-operator-session'] });
    expect(byName('SendCommand').source).toEqual(['aws.ssm']);
    expect(byName('ModifySnapshotAttribute').source).toEqual(['aws.ec2']);
  });

  test("alert on key policy, key state and people's grants for the keys named, and on backup vault policy changes", () => {
    const { stack, access } = newOperatorStack();
    const keys = new ServiceKeys(stack, 'Keys');
    access.alertOnKeyChanges(keys.dataKey, keys.backupKey);
    access.alertOnBackupVaultChanges(backup.BackupVault.fromBackupVaultName(stack, 'Vault', 'orders-vault'));
    const patterns = rulesTo(Template.fromStack(stack), access);
    const keyArns = [keys.dataKey, keys.backupKey].map((key) => ({ 'Fn::GetAtt': [logicalIdOf(stack, key as any), 'Arn'] }));
    expect(patterns).toEqual(expect.arrayContaining([
      expect.objectContaining({
        detail: expect.objectContaining({
          eventName: ['PutKeyPolicy', 'DisableKey', 'DisableKeyRotation', 'ScheduleKeyDeletion'], resources: { ARN: keyArns },
        }),
      }),
      expect.objectContaining({
        detail: expect.objectContaining({
          eventName: ['CreateGrant'], resources: { ARN: keyArns }, userIdentity: { invokedBy: [{ exists: false }] },
        }),
      }),
      expect.objectContaining({
        detail: expect.objectContaining({
          eventName: expect.arrayContaining(['PutBackupVaultAccessPolicy', 'DeleteBackupVault']), requestParameters: { backupVaultName: ['orders-vault'] },
        }),
      }),
    ]));
  });

  test('warns when nobody is subscribed to the alerts, and not when an address is', () => {
    const warnings = (props: any) => {
      const { stack } = newOperatorStack(props);
      return Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('operator alert topic has no subscription'));
    };
    expect(warnings({})).toHaveLength(1);
    expect(warnings({ alertEmails: ['oncall@example.com'] })).toHaveLength(0);
  });
});

describe('OperatorAccess.grantSecretReadToOperator', () => {
  test('only sessions whose source identity is that operator may read the secret, and decrypt it only through Secrets Manager', () => {
    const { stack, access } = newOperatorStack();
    const keys = new ServiceKeys(stack, 'Keys');
    const secret = new secretsmanager.Secret(stack, 'Password', { encryptionKey: keys.secretsKey });
    access.grantSecretReadToOperator(secret, 'jdoe');
    const template = Template.fromStack(stack);
    const statements = statementsOfRole(template, logicalIdOf(stack, access.role));
    const reads = statements.filter((s) => asList(s.Action).includes('secretsmanager:GetSecretValue'));
    expect(reads).toEqual([expect.objectContaining({
      Resource: { Ref: logicalIdOf(stack, secret) },
      Condition: { StringEquals: { 'aws:SourceIdentity': 'jdoe' } },
    })]);
    const keyPolicy = template.toJSON().Resources[logicalIdOf(stack, keys.secretsKey as any)].Properties.KeyPolicy.Statement;
    const operatorUse = keyPolicy.filter((s: any) => JSON.stringify(s.Principal ?? {}).includes(logicalIdOf(stack, access.role)));
    expect(operatorUse).toEqual([expect.objectContaining({
      Action: 'kms:Decrypt',
      Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
    })]);
  });

  test('refuses an operator name that cannot be a source identity', () => {
    const { stack, access } = newOperatorStack();
    const secret = new secretsmanager.Secret(stack, 'Password');
    expect(() => access.grantSecretReadToOperator(secret, 'j doe')).toThrow(
      /grantSecretReadToOperator: operator must be a source identity of 2 to 64 letters, digits and \+=,\.@_-; got "j doe"/);
  });
});

describe('OperatorAccess options', () => {
  test('retention applies to both log groups and the bucket lifecycle', () => {
    const { stack } = newOperatorStack({ logRetention: logs.RetentionDays.TWO_YEARS });
    const template = Template.fromStack(stack);
    expect(Object.values(template.findResources('AWS::Logs::LogGroup')).map((r) => r.Properties.RetentionInDays)).toEqual([731, 731]);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 731, NoncurrentVersionExpiration: { NoncurrentDays: 731 } })] },
      BucketEncryption: Match.anyValue(),
    });
  });

  test('auditBucketObjectLock replaces the governance-mode retention, for example with COMPLIANCE mode', () => {
    const { stack, access } = newOperatorStack({ auditBucketObjectLock: s3.ObjectLockRetention.compliance(Duration.days(400)) });
    const bucket = Template.fromStack(stack).toJSON().Resources[logicalIdOf(stack, access.auditBucket)];
    expect(bucket.Properties.ObjectLockEnabled).toBe(true);
    expect(bucket.Properties.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 400 } },
    });
  });

  test('session limits and run-as user are written into the document', () => {
    const { stack } = newOperatorStack({
      idleSessionTimeout: Duration.minutes(5), maxSessionLength: Duration.hours(2), runAsUser: 'dba-ops', maxSessionDuration: Duration.hours(4),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SSM::Document', {
      Content: { inputs: Match.objectLike({ idleSessionTimeout: '5', maxSessionDuration: '120', runAsDefaultUser: 'dba-ops' }) },
    });
    template.hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 14400 });
  });

  test('grantAuditRead lets an auditor read the bucket and logs, decrypting through S3 only', () => {
    const { stack, access } = newOperatorStack();
    const auditor = new iam.Role(stack, 'Auditor', { assumedBy: new iam.AccountRootPrincipal() });
    access.grantAuditRead(auditor);
    const template = Template.fromStack(stack);
    const auditorId = logicalIdOf(stack, auditor);
    const actions = statementsOfRole(template, auditorId).flatMap((s) => asList(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:List*', 'logs:FilterLogEvents', 'logs:GetLogEvents']));
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([Match.objectLike({
          Action: 'kms:Decrypt',
          Principal: { AWS: { 'Fn::GetAtt': [auditorId, 'Arn'] } },
          Condition: { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } },
        })]),
      },
    });
  });

  test('loosened defaults are warned about', () => {
    const { stack } = newOperatorStack({
      maxSessionDuration: Duration.hours(8),
      mfaMaxAge: Duration.hours(2),
      idleSessionTimeout: Duration.minutes(45),
      logRetention: logs.RetentionDays.ONE_MONTH,
    });
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Test/Operators', Match.stringLikeRegexp('maxSessionDuration is 8 hours, longer than the 1 hour default'));
    annotations.hasWarning('/Test/Operators', Match.stringLikeRegexp('mfaMaxAge is 2 hours'));
    annotations.hasWarning('/Test/Operators', Match.stringLikeRegexp('idle 45 minutes'));
    annotations.hasWarning('/Test/Operators', Match.stringLikeRegexp('logRetention is 30 days, shorter than the one year default'));
  });

  test('the defaults with an alert address raise no warning', () => {
    const { stack } = newOperatorStack({ alertEmails: ['oncall@example.com'] });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('an account principal is accepted with a warning', () => {
    const { stack } = newOperatorStack({ operatorPrincipals: [new iam.AccountPrincipal(ACCOUNT)] });
    Annotations.fromStack(stack).hasWarning('/Test/Operators', Match.stringLikeRegexp('account principal'));
  });

  test('an imported key cannot be changed: a warning lists the statements to add', () => {
    const stack = newStack();
    const logsKey = kms.Key.fromKeyArn(stack, 'Imported', `arn:aws:kms:${REGION}:${ACCOUNT}:key/11111111-2222-3333-4444-555555555555`);
    new OperatorAccess(stack, 'Operators', { serviceName: 'orders', logsKey, operatorPrincipals: [new iam.ArnPrincipal(SRE_ROLE_ARN)] });
    Annotations.fromStack(stack).hasWarning('/Test/Operators',
      Match.stringLikeRegexp('OrdersCloudTrailEncryptsThisTrail.*OrdersEventBridgePublishesToAlertTopic'));
  });

  test('the ServiceKeys logs key accepts the statements (its own key policy checks pass)', () => {
    const stack = newStack();
    const keys = new ServiceKeys(stack, 'Keys');
    const hostRole = new iam.Role(stack, 'HostRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    new OperatorAccess(stack, 'Operators', {
      serviceName: 'orders', logsKey: keys.logsKey, operatorPrincipals: [new iam.ArnPrincipal(SRE_ROLE_ARN)], hostRoles: [hostRole],
    });
    // ServiceKeys validates its key policies at synthesis: a statement it refuses fails here.
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::KMS::Key', {
      Description: Match.stringLikeRegexp('logs key'),
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'OrdersCloudTrailEncryptsThisTrail' })]) },
    });
  });
});

describe('OperatorAccess bad input', () => {
  const key = () => {
    const stack = newStack();
    return { stack, logsKey: new kms.Key(stack, 'Key') };
  };
  const build = (props: Partial<ConstructorParameters<typeof OperatorAccess>[2]>) => {
    const { stack, logsKey } = key();
    return () => new OperatorAccess(stack, 'Operators', {
      serviceName: 'orders', logsKey, operatorPrincipals: [new iam.ArnPrincipal(SRE_ROLE_ARN)], ...props,
    });
  };

  test('fails when the operator role would not require MFA', () => {
    expect(build({ requireMfa: false })).toThrow(/requireMfa must be true; got false\. An operator role without MFA is not accepted/);
  });

  test('fails when the maximum session is over 12 hours', () => {
    expect(build({ maxSessionDuration: Duration.hours(13) })).toThrow(/maxSessionDuration must be from 1 hour to 12 hours; got 13 hours/);
  });

  test('fails when the maximum session is under the IAM minimum of 1 hour', () => {
    expect(build({ maxSessionDuration: Duration.minutes(30) })).toThrow(/maxSessionDuration must be from 1 hour to 12 hours; got 30 minutes/);
  });

  test('fails when there are no operator principals', () => {
    expect(build({ operatorPrincipals: [] })).toThrow(/operatorPrincipals must name at least one IAM user or role; got an empty list/);
  });

  test('fails when an operator principal is a service or federated principal, which cannot present MFA', () => {
    expect(build({ operatorPrincipals: [new iam.ServicePrincipal('ec2.amazonaws.com')] })).toThrow(/IAM users and roles only; got .*ec2\.amazonaws\.com/);
    expect(build({ operatorPrincipals: [new iam.FederatedPrincipal('cognito-identity.amazonaws.com', {})] })).toThrow(/cannot present MFA/);
  });

  test('fails when anyone (*) could assume the role', () => {
    expect(build({ operatorPrincipals: [new iam.AnyPrincipal()] })).toThrow(/must be named principals; got .*"\*"/);
  });

  test('fails with an AWS-managed key', () => {
    const stack = newStack();
    const logsKey = kms.Alias.fromAliasName(stack, 'Managed', 'alias/aws/s3');
    expect(() => new OperatorAccess(stack, 'Operators', {
      serviceName: 'orders', logsKey, operatorPrincipals: [new iam.ArnPrincipal(SRE_ROLE_ARN)],
    })).toThrow(/OperatorAccessProps.logsKey must be a customer-managed KMS key/);
  });

  test('fails with a service name that cannot name the document', () => {
    expect(build({ serviceName: 'has space' })).toThrow(/serviceName must be 1 to 63 letters.*got "has space"/);
    expect(build({ serviceName: 'aws-db' })).toThrow(/not with 'aws'/);
  });

  test('fails when sessions would run as root', () => {
    expect(build({ runAsUser: 'root' })).toThrow(/runAsUser must be a non-root Linux user name.*got "root"/);
  });

  test('fails with session times Session Manager does not accept', () => {
    expect(build({ idleSessionTimeout: Duration.minutes(61) })).toThrow(/idleSessionTimeout must be a whole number of minutes from 1 to 60; got 1 hour 1 minute/);
    expect(build({ maxSessionLength: Duration.hours(13) })).toThrow(/maxSessionLength must be a whole number of minutes from 1 to 720; got 13 hours/);
    expect(build({ idleSessionTimeout: Duration.seconds(90) })).toThrow(/idleSessionTimeout must be a whole number of minutes/);
  });

  test('fails with an MFA age outside the role session range', () => {
    expect(build({ mfaMaxAge: Duration.hours(24) })).toThrow(/mfaMaxAge must be from 60 to 43200 seconds; got 1 day/);
  });

  test('fails with an alert address that is not an email', () => {
    expect(build({ alertEmails: ['not-an-email'] })).toThrow(/alertEmails must hold email addresses; got "not-an-email"/);
  });
});

describe('OperatorAccess for two services sharing one logs key', () => {
  test('their key policy statements keep distinct IDs, names do not collide, and there is no cycle', () => {
    const { stack, logsKey } = newOperatorStack();
    new OperatorAccess(stack, 'Billing', { serviceName: 'billing_db', logsKey, operatorPrincipals: [new iam.ArnPrincipal(SRE_ROLE_ARN)] });
    const template = Template.fromStack(stack);
    const sids: string[] = Object.values(template.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement
      .map((s: any) => s.Sid).filter((s: any) => s);
    expect(new Set(sids).size).toBe(sids.length);
    expect(sids).toContain('BillingdbCloudTrailEncryptsThisTrail');
    template.resourceCountIs('AWS::CloudTrail::Trail', 2);
    template.hasResourceProperties('AWS::SSM::Document', { Name: 'billing_db-operator-session' });
    expect(dependencyCycles(template.toJSON() as any)).toEqual([]);
  });
});
