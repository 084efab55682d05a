import { CfnParameter, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { C, NA, NC, RuleCase, UNV } from './types';
import { CMK_ARN, customerKey, param, plain } from '../helpers';

const sessionContent = (inputs: { [key: string]: unknown }) => ({ schemaVersion: '1.0', sessionType: 'Standard_Stream', inputs });

function policyWith(s: Stack, statement: iam.PolicyStatement, attachTo?: iam.IRole | iam.IUser): iam.Policy {
  const p = new iam.Policy(s, 'Policy', { statements: [statement] });
  if (attachTo && 'roleName' in attachTo) {
    p.attachToRole(attachTo);
  } else if (attachTo) {
    p.attachToUser(attachTo as iam.IUser);
  } else {
    p.attachToUser(new iam.User(s, 'Operator'));
  }
  return p;
}

const MFA = { Bool: { 'aws:MultiFactorAuthPresent': 'true' } };
const LOGGED_WITH_MFA = { Bool: { 'ssm:SessionDocumentAccessCheck': 'true', 'aws:MultiFactorAuthPresent': 'true' } };

const shellIngress = (s: Stack, props: { [key: string]: any }) =>
  plain(s, 'AWS::EC2::SecurityGroupIngress', { GroupId: 'sg-1', IpProtocol: 'tcp', CidrIp: '10.0.0.0/8', ...props });

export const ACCESS_CASES: RuleCase[] = [
  // StatefulResourceRetained
  { rule: 'StatefulResourceRetained', form: 'l2', title: 'bucket default (RETAIN)', expect: C, build: (s) => new s3.Bucket(s, 'Bucket') },
  {
    rule: 'StatefulResourceRetained',
    form: 'l2',
    title: 'bucket with DESTROY',
    expect: NC,
    detail: /DeletionPolicy is Delete/,
    build: (s) => new s3.Bucket(s, 'Bucket', { removalPolicy: RemovalPolicy.DESTROY }),
  },
  {
    rule: 'StatefulResourceRetained',
    form: 'l1',
    title: 'volume snapshotted',
    expect: C,
    build: (s) => {
      const v = new ec2.CfnVolume(s, 'Volume', { availabilityZone: 'a', size: 1 });
      v.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
      return v;
    },
  },
  {
    rule: 'StatefulResourceRetained',
    form: 'plain',
    title: 'plain log group without policies',
    expect: NC,
    build: (s) => plain(s, 'AWS::Logs::LogGroup', {}),
  },
  {
    rule: 'StatefulResourceRetained',
    form: 'plain',
    title: 'a log group cannot be snapshotted',
    expect: NC,
    build: (s) => {
      const l = plain(s, 'AWS::Logs::LogGroup', {});
      l.applyRemovalPolicy(RemovalPolicy.SNAPSHOT, { applyToUpdateReplacePolicy: true });
      return l;
    },
  },
  {
    rule: 'StatefulResourceRetained',
    form: 'plain',
    title: 'security groups are stateless',
    expect: NA,
    build: (s) => plain(s, 'AWS::EC2::SecurityGroup', { GroupDescription: 'x' }),
  },
  {
    rule: 'StatefulResourceRetained',
    form: 'override',
    title: 'override deletes a retained log group',
    expect: NC,
    build: (s) => {
      const l = new logs.LogGroup(s, 'Logs');
      (l.node.defaultChild as logs.CfnLogGroup).addOverride('DeletionPolicy', 'Delete');
      return l;
    },
  },
  {
    rule: 'StatefulResourceRetained',
    form: 'token',
    title: 'retained secret named by a parameter',
    expect: C,
    build: (s) => new secretsmanager.Secret(s, 'Secret', { secretName: param(s), removalPolicy: RemovalPolicy.RETAIN }),
  },
  {
    rule: 'StatefulResourceRetained',
    form: 'l2',
    title: 'secretsmanager.Secret default is deleted with the stack',
    expect: NC,
    build: (s) => new secretsmanager.Secret(s, 'Secret'),
  },

  // CloudTrailValidatedAndEncrypted
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'l2',
    title: 'cloudtrail.Trail with a CMK',
    expect: C,
    build: (s) => new cloudtrail.Trail(s, 'Trail', { encryptionKey: customerKey(s) }),
  },
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'l2',
    title: 'cloudtrail.Trail without KMS',
    expect: NC,
    detail: /KMSKeyId is not set/,
    build: (s) => new cloudtrail.Trail(s, 'Trail'),
  },
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'plain',
    title: 'plain trail without validation',
    expect: NC,
    detail: /EnableLogFileValidation/,
    build: (s) => plain(s, 'AWS::CloudTrail::Trail', { IsLogging: true, S3BucketName: 'b', KMSKeyId: CMK_ARN }),
  },
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'override',
    title: 'override disables validation',
    expect: NC,
    build: (s) => {
      const t = new cloudtrail.Trail(s, 'Trail', { encryptionKey: customerKey(s) });
      (t.node.defaultChild as cloudtrail.CfnTrail).addPropertyOverride('EnableLogFileValidation', false);
      return t;
    },
  },
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'token',
    title: 'trail key from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::CloudTrail::Trail', { IsLogging: true, S3BucketName: 'b', EnableLogFileValidation: true, KMSKeyId: param(s) }),
  },

  // SessionDocumentEncryptedLogging
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'l1',
    title: 'encrypted CloudWatch logging with a key',
    expect: C,
    build: (s) => {
      const lg = new logs.LogGroup(s, 'Sessions');
      return new ssm.CfnDocument(s, 'Doc', { documentType: 'Session', content: sessionContent({ cloudWatchLogGroupName: lg.logGroupName, cloudWatchEncryptionEnabled: true, kmsKeyId: customerKey(s).keyId }) });
    },
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'encrypted S3 logging with a key',
    expect: C,
    build: (s) => plain(s, 'AWS::SSM::Document', { DocumentType: 'Session', Content: sessionContent({ s3BucketName: 'b', s3EncryptionEnabled: true, kmsKeyId: 'alias/sessions' }) }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'YAML content',
    expect: C,
    build: (s) => plain(s, 'AWS::SSM::Document', { DocumentType: 'Session', DocumentFormat: 'YAML', Content: "schemaVersion: '1.0'\nsessionType: Standard_Stream\ninputs:\n  cloudWatchLogGroupName: sessions\n  cloudWatchEncryptionEnabled: true\n  kmsKeyId: alias/sessions\n" }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'YAML content with a decoy cloudWatchEncryptionEnabled outside inputs',
    expect: NC,
    detail: /cloudWatchEncryptionEnabled false/,
    build: (s) => plain(s, 'AWS::SSM::Document', {
      DocumentType: 'Session',
      DocumentFormat: 'YAML',
      Content: [
        "schemaVersion: '1.0'",
        'sessionType: Standard_Stream',
        'inputs:',
        '  cloudWatchLogGroupName: sessions',
        '  cloudWatchEncryptionEnabled: false',
        '  kmsKeyId: alias/sessions',
        'notes:',
        '  cloudWatchEncryptionEnabled: true',
        '',
      ].join('\n'),
    }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'YAML flow-mapping inputs with encryption off',
    expect: NC,
    detail: /cloudWatchEncryptionEnabled false/,
    build: (s) => plain(s, 'AWS::SSM::Document', {
      DocumentType: 'Session',
      DocumentFormat: 'YAML',
      Content: "schemaVersion: '1.0'\nsessionType: Standard_Stream\ninputs: {cloudWatchLogGroupName: sessions, cloudWatchEncryptionEnabled: false, kmsKeyId: alias/sessions}\n",
    }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'YAML inputs that say cloudWatchEncryptionEnabled twice',
    expect: UNV,
    build: (s) => plain(s, 'AWS::SSM::Document', {
      DocumentType: 'Session',
      DocumentFormat: 'YAML',
      Content: "schemaVersion: '1.0'\nsessionType: Standard_Stream\ninputs:\n  cloudWatchLogGroupName: sessions\n  cloudWatchEncryptionEnabled: false\n  kmsKeyId: alias/sessions\n  cloudWatchEncryptionEnabled: true\n",
    }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'YAML inputs merged from an anchor, read differently by YAML 1.1 and 1.2',
    expect: UNV,
    build: (s) => plain(s, 'AWS::SSM::Document', {
      DocumentType: 'Session',
      DocumentFormat: 'YAML',
      Content: "schemaVersion: '1.0'\nsessionType: Standard_Stream\nbase: &base\n  cloudWatchEncryptionEnabled: false\ninputs:\n  <<: *base\n  cloudWatchLogGroupName: sessions\n  kmsKeyId: alias/sessions\n",
    }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'inputs that set cloudWatchEncryptionEnabled twice, in two cases',
    expect: UNV,
    build: (s) => plain(s, 'AWS::SSM::Document', {
      DocumentType: 'Session',
      Content: {
        schemaVersion: '1.0',
        sessionType: 'Standard_Stream',
        inputs: { cloudWatchLogGroupName: 'sessions', cloudWatchEncryptionEnabled: true, kmsKeyId: 'alias/sessions', CloudWatchEncryptionEnabled: false },
      },
    }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'a Port session document, which Session Manager never logs, is judged by where it may be used',
    expect: NA,
    build: (s) => plain(s, 'AWS::SSM::Document', {
      DocumentType: 'Session',
      Content: { schemaVersion: '1.0', sessionType: 'Port', inputs: { cloudWatchLogGroupName: 'sessions', cloudWatchEncryptionEnabled: true, kmsKeyId: 'alias/sessions' } },
    }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'a YAML alias bomb is unreadable, not an error',
    expect: UNV,
    detail: /only known at deploy time, or cannot be read one way only/,
    build: (s) => plain(s, 'AWS::SSM::Document', {
      DocumentType: 'Session',
      DocumentFormat: 'YAML',
      Content: `schemaVersion: '1.0'\nsessionType: Standard_Stream\nx: &x [1]\ninputs:\n  l: [${Array.from({ length: 150 }, () => '*x').join(', ')}]\n`,
    }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'logging without session encryption key',
    expect: NC,
    detail: /kmsKeyId/,
    build: (s) => plain(s, 'AWS::SSM::Document', { DocumentType: 'Session', Content: sessionContent({ cloudWatchLogGroupName: 'x', cloudWatchEncryptionEnabled: true }) }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'no logging at all',
    expect: NC,
    build: (s) => plain(s, 'AWS::SSM::Document', { DocumentType: 'Session', Content: sessionContent({ kmsKeyId: 'alias/sessions' }) }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'command documents are not judged',
    expect: NA,
    build: (s) => plain(s, 'AWS::SSM::Document', { DocumentType: 'Command', Content: { schemaVersion: '2.2', mainSteps: [] } }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'override',
    title: 'override turns log encryption off',
    expect: NC,
    build: (s) => {
      const d = new ssm.CfnDocument(s, 'Doc', { documentType: 'Session', content: sessionContent({ cloudWatchLogGroupName: 'x', cloudWatchEncryptionEnabled: true, kmsKeyId: 'alias/k' }) });
      d.addPropertyOverride('Content.inputs.cloudWatchEncryptionEnabled', false);
      return d;
    },
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'token',
    title: 'content imported at deploy time',
    expect: UNV,
    build: (s) => plain(s, 'AWS::SSM::Document', { DocumentType: 'Session', Content: Fn.importValue('Doc') }),
  },

  // StartSessionRequiresLoggingDocument
  {
    rule: 'StartSessionRequiresLoggingDocument',
    form: 'l2',
    title: 'StartSession with the document check',
    expect: C,
    build: (s) => policyWith(s, new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: ['*'], conditions: LOGGED_WITH_MFA })),
  },
  {
    rule: 'StartSessionRequiresLoggingDocument',
    form: 'l2',
    title: 'StartSession with the documented BoolIfExists document check',
    expect: C,
    build: (s) => policyWith(s, new iam.PolicyStatement({
      actions: ['ssm:StartSession'], resources: ['*'], conditions: { ...MFA, BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } },
    })),
  },
  {
    rule: 'StartSessionRequiresLoggingDocument',
    form: 'l2',
    title: 'StartSession without the document check',
    expect: NC,
    build: (s) => policyWith(s, new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: ['*'], conditions: MFA })),
  },
  {
    rule: 'StartSessionRequiresLoggingDocument',
    form: 'l2',
    title: 'no session grant',
    expect: NA,
    build: (s) => policyWith(s, new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] })),
  },
  {
    rule: 'StartSessionRequiresLoggingDocument',
    form: 'plain',
    title: 'role inline ssm:Start*',
    expect: NC,
    build: (s) => plain(s, 'AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }] }, Policies: [{ PolicyName: 'ops', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ssm:Start*', Resource: '*' }] } }] }),
  },
  {
    rule: 'StartSessionRequiresLoggingDocument',
    form: 'override',
    title: 'override drops the condition',
    expect: NC,
    build: (s) => {
      const p = policyWith(s, new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: ['*'], conditions: LOGGED_WITH_MFA }));
      (p.node.defaultChild as iam.CfnPolicy).addPropertyDeletionOverride('PolicyDocument.Statement.0.Condition.Bool.ssm:SessionDocumentAccessCheck');
      return p;
    },
  },
  {
    rule: 'StartSessionRequiresLoggingDocument',
    form: 'token',
    title: 'policy document imported at deploy time',
    expect: UNV,
    build: (s) => plain(s, 'AWS::IAM::ManagedPolicy', { PolicyDocument: Fn.importValue('Doc') }),
  },

  // InteractiveAccessRequiresMfa
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'l2',
    title: 'SendCommand with MFA',
    expect: C,
    build: (s) => policyWith(s, new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: ['*'], conditions: MFA })),
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'l2',
    title: 'SendCommand without MFA',
    expect: NC,
    detail: /ssm:SendCommand/,
    build: (s) => policyWith(s, new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: ['*'] })),
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'l2',
    title: 'ec2-instance-connect:* without MFA',
    expect: NC,
    build: (s) => policyWith(s, new iam.PolicyStatement({ actions: ['ec2-instance-connect:*'], resources: ['*'] })),
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'l2',
    title: 'MFA via BoolIfExists does not count',
    expect: NC,
    build: (s) => policyWith(s, new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: ['*'], conditions: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'true' } } })),
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'l2',
    title: 'service-only role (maintenance window) is not judged',
    expect: C,
    build: (s) => policyWith(s, new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: ['*'] }),
      new iam.Role(s, 'MwRole', { assumedBy: new iam.ServicePrincipal('ssm.amazonaws.com') })),
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'l2',
    title: 'role that people can assume only with MFA',
    expect: C,
    build: (s) => policyWith(s, new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: ['*'] }),
      new iam.Role(s, 'OperatorRole', { assumedBy: new iam.AccountRootPrincipal().withConditions(MFA) })),
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'l2',
    title: 'role that people can assume without MFA',
    expect: NC,
    build: (s) => policyWith(s, new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: ['*'] }),
      new iam.Role(s, 'OperatorRole', { assumedBy: new iam.AccountRootPrincipal() })),
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'plain',
    title: 'managed policy with Action "*"',
    expect: NC,
    build: (s) => plain(s, 'AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } }),
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'plain',
    title: 'NotAction that leaves ssm open',
    expect: NC,
    build: (s) => plain(s, 'AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }] } }),
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'plain',
    title: 'read-only grants',
    expect: C,
    build: (s) => plain(s, 'AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['ssm:Describe*', 'ec2:Describe*'], Resource: '*' }] } }),
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'override',
    title: 'override removes the MFA condition',
    expect: NC,
    build: (s) => {
      const p = policyWith(s, new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: ['*'], conditions: MFA }));
      (p.node.defaultChild as iam.CfnPolicy).addPropertyDeletionOverride('PolicyDocument.Statement.0.Condition');
      return p;
    },
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'token',
    title: 'policy document imported at deploy time',
    expect: UNV,
    build: (s) => plain(s, 'AWS::IAM::Policy', { PolicyName: 'p', PolicyDocument: Fn.importValue('Doc') }),
  },

  // NoSshKeyPair
  { rule: 'NoSshKeyPair', form: 'l1', title: 'instance without a key', expect: C, build: (s) => new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1' }) },
  { rule: 'NoSshKeyPair', form: 'l1', title: 'instance with a key', expect: NC, build: (s) => new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', keyName: 'ops' }) },
  { rule: 'NoSshKeyPair', form: 'l2', title: 'ec2.KeyPair resource', expect: NC, build: (s) => new ec2.KeyPair(s, 'Key') },
  {
    rule: 'NoSshKeyPair',
    form: 'plain',
    title: 'launch template with a key',
    expect: NC,
    build: (s) => plain(s, 'AWS::EC2::LaunchTemplate', { LaunchTemplateData: { KeyName: 'ops' } }),
  },
  {
    rule: 'NoSshKeyPair',
    form: 'override',
    title: 'override attaches a key',
    expect: NC,
    build: (s) => {
      const i = new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1' });
      i.addPropertyOverride('KeyName', 'ops');
      return i;
    },
  },
  {
    rule: 'NoSshKeyPair',
    form: 'token',
    title: 'key name from a parameter is still a key',
    expect: NC,
    build: (s) => new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', keyName: param(s) }),
  },

  // NoRemoteShellIngress
  {
    rule: 'NoRemoteShellIngress',
    form: 'plain',
    title: 'SSH from a private network',
    expect: NC,
    detail: /22/,
    build: (s) => shellIngress(s, { FromPort: 22, ToPort: 22 }),
  },
  { rule: 'NoRemoteShellIngress', form: 'plain', title: 'RDP', expect: NC, build: (s) => shellIngress(s, { FromPort: 3389, ToPort: 3389 }) },
  { rule: 'NoRemoteShellIngress', form: 'plain', title: 'database port only', expect: C, build: (s) => shellIngress(s, { FromPort: 5432, ToPort: 5432 }) },
  {
    rule: 'NoRemoteShellIngress',
    form: 'l2',
    title: 'all ports from another group',
    expect: NC,
    detail: /all ports/,
    build: (s) => {
      const vpc = ec2.Vpc.fromVpcAttributes(s, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['a'] });
      const sg = new ec2.SecurityGroup(s, 'Group', { vpc });
      sg.connections.allowFrom(new ec2.SecurityGroup(s, 'Other', { vpc }), ec2.Port.allTraffic());
      return sg.node.children.find((c) => c instanceof ec2.CfnSecurityGroupIngress)!;
    },
  },
  {
    rule: 'NoRemoteShellIngress',
    form: 'override',
    title: 'override widens to a port range with 22',
    expect: NC,
    build: (s) => {
      const i = new ec2.CfnSecurityGroupIngress(s, 'In', { groupId: 'sg-1', ipProtocol: 'tcp', fromPort: 5432, toPort: 5432, cidrIp: '10.0.0.0/8' });
      i.addPropertyOverride('FromPort', 1);
      return i;
    },
  },
  {
    rule: 'NoRemoteShellIngress',
    form: 'token',
    title: 'ports from a parameter',
    expect: UNV,
    build: (s) => shellIngress(s, { FromPort: new CfnParameter(s, 'P', { type: 'Number' }).valueAsNumber, ToPort: 22 }),
  },
];
