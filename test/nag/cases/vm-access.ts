import { Aws, CfnMapping, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { C, NA, NC, RuleCase, UNV } from './types';
import { CMK_ARN, customerKey, param, plain } from '../helpers';

// Instance access, operator privileges that reach data, and the audit of both.
const instance = (s: Stack, id: string, tags: { [key: string]: string }) =>
  new ec2.CfnInstance(s, id, { imageId: 'ami-1', tags: Object.entries(tags).map(([key, value]) => ({ key, value })) });
const databaseHost = (s: Stack) => instance(s, 'Database', { 'timescale:service': 'orders', 'timescale:role': 'database' });
const bastion = (s: Stack) => instance(s, 'Bastion', { 'timescale:service': 'orders', 'timescale:role': 'bastion' });
const DOCUMENT_CHECK = { BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } };
const TAGGED = { StringEquals: { 'ssm:resourceTag/timescale:service': 'orders' } };
const allInstances = (s: Stack) => s.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' });
const operatorRole = (s: Stack, id = 'OperatorRole') => new iam.Role(s, id, { assumedBy: new iam.AccountRootPrincipal() });
const trust = (principal: { [kind: string]: unknown }) => ({ Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });
const doc = (...statements: { [key: string]: unknown }[]) => ({ Version: '2012-10-17', Statement: statements.map((st) => ({ Effect: 'Allow', Resource: '*', ...st })) });
const managed = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const CUSTOMER_ACCOUNT = '444455556666';
const superuserSecret = (s: Stack) => new secretsmanager.Secret(s, 'Superuser', {
  generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'postgres' }), generateStringKey: 'password' },
});
const CUSTOMER_TEMPLATE = JSON.stringify({ username: 'orders_admin', dbname: 'orders', host: 'db.example.com', port: 5432 });
const customerSecret = (s: Stack) => new secretsmanager.Secret(s, 'CustomerAdmin', {
  generateSecretString: { secretStringTemplate: CUSTOMER_TEMPLATE, generateStringKey: 'password' },
});
const readSecret = (resources: string[]) => new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources });
const customerPeering = (s: Stack) => plain(s, 'AWS::EC2::VPCPeeringConnection', { VpcId: 'vpc-1', PeerVpcId: 'vpc-2', PeerOwnerId: CUSTOMER_ACCOUNT }, 'Peering');

export const VM_ACCESS_CASES: RuleCase[] = [
  // InstanceAccessOnlyForOperators
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'l2',
    title: 'operator role: sessions on tagged service hosts only',
    expect: C,
    build: (s) => {
      const role = operatorRole(s);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: [allInstances(s)], conditions: { ...TAGGED, ...DOCUMENT_CHECK } }));
      return role;
    },
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'l2',
    title: 'StartSession on * even with the document-access check',
    expect: NC,
    detail: /every instance/,
    build: (s) => {
      const role = operatorRole(s);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: ['*'], conditions: DOCUMENT_CHECK }));
      return role;
    },
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'l2',
    title: 'StartSession on instance/* without a tag condition',
    expect: NC,
    detail: /without a resource tag condition/,
    build: (s) => {
      const role = operatorRole(s);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: [allInstances(s)], conditions: DOCUMENT_CHECK }));
      return role;
    },
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'l1',
    title: 'SendCommand for a role Lambda functions assume',
    expect: NC,
    detail: /Lambda/,
    build: (s) => new iam.CfnRole(s, 'Fn', {
      assumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }),
      policies: [{ policyName: 'run', policyDocument: doc({ Action: 'ssm:SendCommand' }) }],
    }),
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'plain',
    title: 'SendCommand through an AWS::IAM::RolePolicy on a SAML role',
    expect: NC,
    detail: /people/,
    build: (s) => {
      const role = plain(s, 'AWS::IAM::Role', { AssumeRolePolicyDocument: trust({ Federated: 'arn:aws:iam::111122223333:saml-provider/idp' }) }, 'Saml');
      plain(s, 'AWS::IAM::RolePolicy', { RoleName: role.ref, PolicyName: 'run', PolicyDocument: doc({ Action: 'ssm:SendCommand' }) }, 'Run');
      return role;
    },
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'plain',
    title: 'SendCommand for a maintenance window role (only SSM assumes it)',
    expect: C,
    build: (s) => plain(s, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: trust({ Service: 'ssm.amazonaws.com' }),
      Policies: [{ PolicyName: 'run', PolicyDocument: doc({ Action: 'ssm:SendCommand' }) }],
    }, 'Window'),
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'plain',
    title: 'permission set with AmazonSSMFullAccess',
    expect: NC,
    detail: /AmazonSSMFullAccess/,
    build: (s) => plain(s, 'AWS::SSO::PermissionSet', { InstanceArn: 'arn:aws:sso:::instance/ssoins-1', Name: 'ops', ManagedPolicies: [managed('AmazonSSMFullAccess')] }),
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'plain',
    title: 'permission set with the instance-core policy (the agent\'s own)',
    expect: NA,
    build: (s) => plain(s, 'AWS::SSO::PermissionSet', { InstanceArn: 'arn:aws:sso:::instance/ssoins-1', Name: 'ops', ManagedPolicies: [managed('AmazonSSMManagedInstanceCore')] }),
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'plain',
    title: 'instance access for a role the customer account can assume',
    expect: NC,
    detail: /customer account 444455556666/,
    build: (s) => {
      customerPeering(s);
      return plain(s, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${CUSTOMER_ACCOUNT}:root` }),
        Policies: [{ PolicyName: 'shell', PolicyDocument: doc({ Action: 'ssm:StartSession', Resource: 'arn:aws:ec2:*:*:instance/*', Condition: TAGGED }) }],
      }, 'CustomerShell');
    },
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'override',
    title: 'override widens the session grant to *',
    expect: NC,
    build: (s) => {
      const role = new iam.Role(s, 'OperatorRole', {
        assumedBy: new iam.AccountRootPrincipal(),
        inlinePolicies: { shell: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: [allInstances(s)], conditions: TAGGED })] }) },
      });
      (role.node.defaultChild as iam.CfnRole).addPropertyOverride('Policies.0.PolicyDocument.Statement.0.Resource', '*');
      return role;
    },
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'token',
    title: 'a RolePolicy document only known at deploy time',
    expect: UNV,
    build: (s) => {
      const role = operatorRole(s);
      plain(s, 'AWS::IAM::RolePolicy', { RoleName: role.roleName, PolicyName: 'x', PolicyDocument: Fn.importValue('ops-policy') }, 'Imported');
      return role;
    },
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'l2',
    title: 'a role with no instance access',
    expect: NA,
    build: (s) => operatorRole(s),
  },

  // NoInstanceConnectEndpointWithDatabase
  {
    rule: 'NoInstanceConnectEndpointWithDatabase',
    form: 'l1',
    title: 'Instance Connect endpoint beside a database host',
    expect: NC,
    detail: /database host Database/,
    build: (s) => {
      databaseHost(s);
      return new ec2.CfnInstanceConnectEndpoint(s, 'Eice', { subnetId: 'subnet-1' });
    },
  },
  {
    rule: 'NoInstanceConnectEndpointWithDatabase',
    form: 'plain',
    title: 'Instance Connect endpoint in a stack with a bastion only',
    expect: C,
    build: (s) => {
      bastion(s);
      return plain(s, 'AWS::EC2::InstanceConnectEndpoint', { SubnetId: 'subnet-1' }, 'Eice');
    },
  },
  {
    rule: 'NoInstanceConnectEndpointWithDatabase',
    form: 'override',
    title: 'override retags the bastion as a database host',
    expect: NC,
    build: (s) => {
      bastion(s).addPropertyOverride('Tags', [{ Key: 'timescale:service', Value: 'orders' }, { Key: 'timescale:role', Value: 'database' }]);
      return plain(s, 'AWS::EC2::InstanceConnectEndpoint', { SubnetId: 'subnet-1' }, 'Eice');
    },
  },
  {
    rule: 'NoInstanceConnectEndpointWithDatabase',
    form: 'token',
    title: 'host role tag from a parameter',
    expect: UNV,
    build: (s) => {
      new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', tags: [{ key: 'timescale:role', value: param(s) }] });
      return plain(s, 'AWS::EC2::InstanceConnectEndpoint', { SubnetId: 'subnet-1' }, 'Eice');
    },
  },

  // KmsCreateGrantForAwsResourceOnly
  {
    rule: 'KmsCreateGrantForAwsResourceOnly',
    form: 'l2',
    title: 'default key policy (delegates to the account)',
    expect: C,
    build: (s) => customerKey(s),
  },
  {
    rule: 'KmsCreateGrantForAwsResourceOnly',
    form: 'l2',
    title: 'IAM policy with CreateGrant for AWS resources only',
    expect: C,
    build: (s) => new iam.Policy(s, 'Grants', {
      users: [new iam.User(s, 'Ops')],
      statements: [new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: [CMK_ARN], conditions: { Bool: { 'kms:GrantIsForAWSResource': true } } })],
    }),
  },
  {
    rule: 'KmsCreateGrantForAwsResourceOnly',
    form: 'l2',
    title: 'IAM policy with kms:* and no condition',
    expect: NC,
    detail: /without kms:GrantIsForAWSResource/,
    build: (s) => new iam.Policy(s, 'Grants', {
      users: [new iam.User(s, 'Ops')],
      statements: [new iam.PolicyStatement({ actions: ['kms:*'], resources: [CMK_ARN] })],
    }),
  },
  {
    rule: 'KmsCreateGrantForAwsResourceOnly',
    form: 'l1',
    title: 'key policy lets a role create grants freely',
    expect: NC,
    detail: /KeyPolicy statement Ops/,
    build: (s) => new kms.CfnKey(s, 'Key', {
      enableKeyRotation: true,
      keyPolicy: { Statement: [{ Sid: 'Ops', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/ops' }, Action: 'kms:Create*', Resource: '*' }] },
    }),
  },
  {
    rule: 'KmsCreateGrantForAwsResourceOnly',
    form: 'plain',
    title: 'plain key policy: backup role grants for AWS resources',
    expect: C,
    build: (s) => plain(s, 'AWS::KMS::Key', {
      KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/backup' }, Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } }] },
    }, 'Key'),
  },
  {
    rule: 'KmsCreateGrantForAwsResourceOnly',
    form: 'plain',
    title: 'a user with AdministratorAccess',
    expect: NC,
    detail: /AdministratorAccess/,
    build: (s) => plain(s, 'AWS::IAM::User', { ManagedPolicyArns: [managed('AdministratorAccess')] }, 'Admin'),
  },
  {
    rule: 'KmsCreateGrantForAwsResourceOnly',
    form: 'override',
    title: 'override drops the GrantIsForAWSResource condition',
    expect: NC,
    build: (s) => {
      const p = new iam.Policy(s, 'Grants', {
        users: [new iam.User(s, 'Ops')],
        statements: [new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: [CMK_ARN], conditions: { Bool: { 'kms:GrantIsForAWSResource': true } } })],
      });
      (p.node.defaultChild as iam.CfnPolicy).addPropertyOverride('PolicyDocument.Statement.0.Condition.Bool.kms:GrantIsForAWSResource', 'false');
      return p;
    },
  },
  {
    rule: 'KmsCreateGrantForAwsResourceOnly',
    form: 'token',
    title: 'key policy imported from another stack',
    expect: UNV,
    build: (s) => new kms.CfnKey(s, 'Key', { enableKeyRotation: true, keyPolicy: Fn.importValue('key-policy') }),
  },
  {
    rule: 'KmsCreateGrantForAwsResourceOnly',
    form: 'l2',
    title: 'an IAM policy without KMS actions',
    expect: NA,
    build: (s) => new iam.Policy(s, 'Read', { users: [new iam.User(s, 'Ops')], statements: [new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] })] }),
  },

  // SnapshotSharingNotGranted
  {
    rule: 'SnapshotSharingNotGranted',
    form: 'l2',
    title: 'a role that snapshots but cannot share',
    expect: C,
    build: (s) => {
      const role = operatorRole(s);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:CreateSnapshot'], resources: ['*'] }));
      return role;
    },
  },
  {
    rule: 'SnapshotSharingNotGranted',
    form: 'l2',
    title: 'snapshot and share split across two policies of one role',
    expect: NC,
    detail: /ModifySnapshotAttribute/,
    build: (s) => {
      const role = operatorRole(s);
      new iam.Policy(s, 'Create', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['ec2:CreateSnapshots'], resources: ['*'] })] });
      new iam.Policy(s, 'Share', { roles: [role], statements: [new iam.PolicyStatement({ actions: ['ec2:ModifySnapshotAttribute'], resources: ['*'] })] });
      return role;
    },
  },
  {
    rule: 'SnapshotSharingNotGranted',
    form: 'l1',
    title: 'a user with AmazonEC2FullAccess',
    expect: NC,
    detail: /AmazonEC2FullAccess/,
    build: (s) => new iam.CfnUser(s, 'Ops', { managedPolicyArns: [managed('AmazonEC2FullAccess')] }),
  },
  {
    rule: 'SnapshotSharingNotGranted',
    form: 'plain',
    title: 'AdministratorAccess with sharing denied',
    expect: C,
    build: (s) => plain(s, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: trust({ AWS: 'arn:aws:iam::111122223333:root' }),
      ManagedPolicyArns: [managed('AdministratorAccess')],
      Policies: [{ PolicyName: 'noShare', PolicyDocument: { Statement: [{ Effect: 'Deny', Action: 'ec2:ModifySnapshotAttribute', Resource: '*' }] } }],
    }, 'Admin'),
  },
  {
    rule: 'SnapshotSharingNotGranted',
    form: 'plain',
    title: 'sharing through an AWS::IAM::GroupPolicy, snapshots through the group',
    expect: NC,
    build: (s) => {
      const group = plain(s, 'AWS::IAM::Group', { Policies: [{ PolicyName: 'snap', PolicyDocument: doc({ Action: 'ec2:CreateSnapshot' }) }] }, 'Ops');
      plain(s, 'AWS::IAM::GroupPolicy', { GroupName: group.ref, PolicyName: 'share', PolicyDocument: doc({ Action: 'ec2:ModifySnapshotAttribute' }) }, 'Share');
      return group;
    },
  },
  {
    rule: 'SnapshotSharingNotGranted',
    form: 'override',
    title: 'override adds sharing to the snapshot grant',
    expect: NC,
    build: (s) => {
      const role = new iam.Role(s, 'OperatorRole', {
        assumedBy: new iam.AccountRootPrincipal(),
        inlinePolicies: { snap: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['ec2:CreateSnapshot'], resources: ['*'] })] }) },
      });
      (role.node.defaultChild as iam.CfnRole).addPropertyOverride('Policies.0.PolicyDocument.Statement.0.Action', ['ec2:CreateSnapshot', 'ec2:ModifySnapshotAttribute']);
      return role;
    },
  },
  {
    rule: 'SnapshotSharingNotGranted',
    form: 'token',
    title: 'snapshots, and a managed policy from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: trust({ AWS: 'arn:aws:iam::111122223333:root' }),
      ManagedPolicyArns: [param(s)],
      Policies: [{ PolicyName: 'snap', PolicyDocument: doc({ Action: 'ec2:CreateSnapshot' }) }],
    }, 'Ops'),
  },

  // OperatorPassRoleScoped
  {
    rule: 'OperatorPassRoleScoped',
    form: 'l2',
    title: 'operator passes one named role',
    expect: C,
    build: (s) => {
      const role = operatorRole(s);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: ['arn:aws:iam::111122223333:role/restore'] }));
      return role;
    },
  },
  {
    rule: 'OperatorPassRoleScoped',
    form: 'l2',
    title: 'operator passes any role',
    expect: NC,
    detail: /pass every role/,
    build: (s) => {
      const role = operatorRole(s);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: ['*'] }));
      return role;
    },
  },
  {
    rule: 'OperatorPassRoleScoped',
    form: 'l2',
    title: 'operator passes every role of the account without a literal "*"',
    expect: NC,
    detail: /pass every role/,
    build: (s) => {
      const role = operatorRole(s);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: ['arn:aws:iam::111122223333:role/*'] }));
      return role;
    },
  },
  {
    rule: 'OperatorPassRoleScoped',
    form: 'l2',
    title: 'operator passes roles whose names share a prefix',
    expect: C,
    build: (s) => {
      const role = operatorRole(s);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: ['arn:aws:iam::111122223333:role/restore-*'] }));
      return role;
    },
  },
  {
    rule: 'OperatorPassRoleScoped',
    form: 'token',
    title: 'the action written through Fn::Sub',
    expect: NC,
    detail: /pass every role/,
    build: (s) => new iam.CfnRole(s, 'Operator', {
      assumeRolePolicyDocument: trust({ AWS: 'arn:aws:iam::111122223333:root' }),
      policies: [{ policyName: 'pass', policyDocument: doc({ Action: Fn.sub('iam:PassRole') }) }],
    }),
  },
  {
    rule: 'OperatorPassRoleScoped',
    form: 'l1',
    title: 'a Lambda function role (no person assumes it)',
    expect: NA,
    build: (s) => new iam.CfnRole(s, 'Fn', {
      assumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }),
      policies: [{ policyName: 'pass', policyDocument: doc({ Action: 'iam:PassRole' }) }],
    }),
  },
  {
    rule: 'OperatorPassRoleScoped',
    form: 'plain',
    title: 'permission set inline policy passes any role',
    expect: NC,
    build: (s) => plain(s, 'AWS::SSO::PermissionSet', {
      InstanceArn: 'arn:aws:sso:::instance/ssoins-1', Name: 'ops', InlinePolicy: JSON.stringify(doc({ Action: 'iam:PassRole' })),
    }),
  },
  {
    rule: 'OperatorPassRoleScoped',
    form: 'override',
    title: 'override widens PassRole to *',
    expect: NC,
    build: (s) => {
      const role = new iam.Role(s, 'OperatorRole', {
        assumedBy: new iam.AccountRootPrincipal(),
        inlinePolicies: { pass: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['iam:PassRole'], resources: ['arn:aws:iam::111122223333:role/restore'] })] }) },
      });
      (role.node.defaultChild as iam.CfnRole).addPropertyOverride('Policies.0.PolicyDocument.Statement.0.Resource', '*');
      return role;
    },
  },
  {
    rule: 'OperatorPassRoleScoped',
    form: 'token',
    title: 'operator trust policy only known at deploy time',
    expect: UNV,
    build: (s) => plain(s, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: Fn.importValue('trust'),
      Policies: [{ PolicyName: 'pass', PolicyDocument: doc({ Action: 'iam:PassRole' }) }],
    }, 'Ops'),
  },

  // Extensions of existing rules: more policy carriers, more documents, more audit settings.
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'plain',
    title: 'SendCommand without MFA through an AWS::IAM::UserPolicy',
    expect: NC,
    build: (s) => {
      const user = plain(s, 'AWS::IAM::User', {}, 'Ops');
      return plain(s, 'AWS::IAM::UserPolicy', { UserName: user.ref, PolicyName: 'run', PolicyDocument: doc({ Action: 'ssm:SendCommand' }) }, 'Run');
    },
  },
  {
    rule: 'InteractiveAccessRequiresMfa',
    form: 'plain',
    title: 'permission set inline policy with StartSession and no MFA',
    expect: NC,
    detail: /InlinePolicy/,
    build: (s) => plain(s, 'AWS::SSO::PermissionSet', { InstanceArn: 'arn:aws:sso:::instance/ssoins-1', Name: 'ops', InlinePolicy: doc({ Action: 'ssm:StartSession' }) }),
  },
  {
    rule: 'StartSessionRequiresLoggingDocument',
    form: 'plain',
    title: 'StartSession through an AWS::IAM::RolePolicy without the document check',
    expect: NC,
    build: (s) => {
      const role = operatorRole(s);
      return plain(s, 'AWS::IAM::RolePolicy', { RoleName: role.roleName, PolicyName: 'shell', PolicyDocument: doc({ Action: 'ssm:StartSession' }) }, 'Shell');
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'the default shell document on a database host',
    expect: NC,
    detail: /SSM-SessionManagerRunShell/,
    build: (s) => {
      const host = databaseHost(s);
      const role = operatorRole(s);
      plain(s, 'AWS::IAM::RolePolicy', {
        RoleName: role.roleName,
        PolicyName: 'shell',
        PolicyDocument: doc({
          Action: 'ssm:StartSession',
          Resource: [Fn.join('', ['arn:aws:ec2:eu-west-1:111122223333:instance/', host.ref]), 'arn:aws:ssm:eu-west-1:111122223333:document/SSM-SessionManagerRunShell'],
        }),
      }, 'Shell');
      return role;
    },
  },
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'l1',
    title: 'trail not logging',
    expect: NC,
    detail: /IsLogging/,
    build: (s) => new cloudtrail.CfnTrail(s, 'Trail', { isLogging: false, s3BucketName: 'b', enableLogFileValidation: true, kmsKeyId: CMK_ARN }),
  },
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'plain',
    title: 'write-only trail misses GetSecretValue',
    expect: NC,
    detail: /WriteOnly/,
    build: (s) => plain(s, 'AWS::CloudTrail::Trail', {
      IsLogging: true,
      S3BucketName: 'b',
      EnableLogFileValidation: true,
      KMSKeyId: CMK_ARN,
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'WriteOnly' }],
    }),
  },
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'plain',
    title: 'advanced selectors that keep data events only',
    expect: NC,
    detail: /advanced event selector/,
    build: (s) => plain(s, 'AWS::CloudTrail::Trail', {
      IsLogging: true,
      S3BucketName: 'b',
      EnableLogFileValidation: true,
      KMSKeyId: CMK_ARN,
      AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: ['AWS::S3::Object'] }] }],
    }),
  },
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'plain',
    title: 'advanced selector with every management event',
    expect: C,
    build: (s) => plain(s, 'AWS::CloudTrail::Trail', {
      IsLogging: true,
      S3BucketName: 'b',
      EnableLogFileValidation: true,
      KMSKeyId: CMK_ARN,
      AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }],
    }),
  },
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'override',
    title: 'override excludes management events',
    expect: NC,
    build: (s) => {
      const t = new cloudtrail.Trail(s, 'Trail', { encryptionKey: customerKey(s) });
      (t.node.defaultChild as cloudtrail.CfnTrail).addPropertyOverride('EventSelectors', [{ IncludeManagementEvents: false, ReadWriteType: 'All' }]);
      return t;
    },
  },
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'token',
    title: 'IsLogging from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::CloudTrail::Trail', { IsLogging: param(s), S3BucketName: 'b', EnableLogFileValidation: true, KMSKeyId: CMK_ARN }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'CloudWatch logging unencrypted beside encrypted S3',
    expect: NC,
    detail: /cloudWatchEncryptionEnabled false/,
    build: (s) => plain(s, 'AWS::SSM::Document', {
      DocumentType: 'Session',
      Content: { schemaVersion: '1.0', sessionType: 'Standard_Stream', inputs: { s3BucketName: 'b', s3EncryptionEnabled: true, cloudWatchLogGroupName: 'g', cloudWatchEncryptionEnabled: false, kmsKeyId: 'alias/k' } },
    }),
  },
  {
    rule: 'SessionDocumentEncryptedLogging',
    form: 'plain',
    title: 'S3 logging unencrypted beside encrypted CloudWatch',
    expect: NC,
    detail: /s3EncryptionEnabled/,
    build: (s) => plain(s, 'AWS::SSM::Document', {
      DocumentType: 'Session',
      Content: { schemaVersion: '1.0', sessionType: 'Standard_Stream', inputs: { s3BucketName: 'b', cloudWatchLogGroupName: 'g', cloudWatchEncryptionEnabled: true, kmsKeyId: 'alias/k' } },
    }),
  },

  // Secrets written where the template keeps them: environments, user data, parameters, mappings.
  {
    rule: 'NoPasswordLiteral',
    form: 'l2',
    title: 'Lambda environment with a literal API key',
    expect: NC,
    detail: /Environment\/Variables\/API_KEY/,
    build: (s) => new lambda.Function(s, 'Fn', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = () => 1;'),
      environment: { API_KEY: 'sk_live_4f9a8b7c', SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf' },
    }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'l2',
    title: 'Lambda environment naming where the secret is',
    expect: C,
    build: (s) => new lambda.Function(s, 'Fn', {
      runtime: lambda.Runtime.NODEJS_20_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = () => 1;'),
      environment: {
        SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf', KMS_KEY_ID: 'alias/k', TOKEN_TTL: '3600', S3_KEY: 'reports/daily.csv', partitionKey: 'id', PWD: 'app',
      },
    }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'l1',
    title: 'ECS container environment with a literal token',
    expect: NC,
    detail: /ContainerDefinitions\/0\/Environment\/authToken/,
    build: (s) => new ecs.CfnTaskDefinition(s, 'Task', {
      containerDefinitions: [{ name: 'app', image: 'app', environment: [{ name: 'authToken', value: 'tok-12345678' }] }],
    }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: 'ECS container environment with a dynamic reference',
    expect: C,
    build: (s) => plain(s, 'AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [{ Name: 'app', Image: 'app', Environment: [{ Name: 'DB_PASSWORD', Value: '{{resolve:secretsmanager:db:SecretString:password}}' }] }],
    }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'l1',
    title: '.pgpass written by user data',
    expect: NC,
    detail: /\.pgpass line/,
    build: (s) => new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', userData: Fn.base64('#!/bin/bash\ncat > /root/.pgpass <<EOF\nlocalhost:5432:*:postgres:s3cr3t-Value\nEOF\nchmod 600 /root/.pgpass\n') }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'l2',
    title: 'String parameter named like a password',
    expect: NC,
    detail: /String parameter \/orders\/db\/password/,
    build: (s) => new ssm.StringParameter(s, 'Param', { parameterName: '/orders/db/password', stringValue: 'hunter22' }),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'override',
    title: 'override writes a literal into a Lambda secret variable',
    expect: NC,
    build: (s) => {
      const fn = new lambda.Function(s, 'Fn', {
        runtime: lambda.Runtime.NODEJS_20_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = () => 1;'),
        environment: { DB_PASSWORD: '{{resolve:secretsmanager:db:SecretString:password}}' },
      });
      (fn.node.defaultChild as lambda.CfnFunction).addPropertyOverride('Environment.Variables.DB_PASSWORD', 'hunter22');
      return fn;
    },
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'token',
    title: 'a resource reads a NoEcho parameter with a Default',
    expect: NC,
    detail: /NoEcho/,
    build: (s) => {
      const p = new CfnParameter(s, 'DbPassword', { type: 'String', noEcho: true, default: 'hunter22' });
      return plain(s, 'AWS::RDS::DBInstance', { Engine: 'postgres', MasterUsername: 'app', MasterUserPassword: p.valueAsString }, 'Db');
    },
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'token',
    title: 'a NoEcho parameter without a Default',
    expect: C,
    build: (s) => {
      const p = new CfnParameter(s, 'DbPassword', { type: 'String', noEcho: true });
      return plain(s, 'AWS::RDS::DBInstance', { Engine: 'postgres', MasterUsername: 'app', MasterUserPassword: p.valueAsString }, 'Db');
    },
  },
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'plain',
    title: 'private key reached through Fn::FindInMap',
    expect: NC,
    detail: /Mappings\/Keys\/eu-west-1\/tls/,
    build: (s) => {
      new CfnMapping(s, 'Keys', { mapping: { 'eu-west-1': { tls: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----' } } });
      return plain(s, 'AWS::SSM::Parameter', { Type: 'String', Value: Fn.findInMap('Keys', 'eu-west-1', 'tls') }, 'Key');
    },
  },
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'token',
    title: 'private key in a mapping picked by Region',
    expect: NC,
    build: (s) => {
      new CfnMapping(s, 'Keys', { mapping: { 'eu-west-1': { tls: 'none' }, 'us-east-1': { tls: '-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----' } } });
      return plain(s, 'AWS::SSM::Parameter', { Type: 'String', Value: Fn.findInMap('Keys', s.region, 'tls') }, 'Key');
    },
  },
  {
    rule: 'NoPrivateKeyMaterial',
    form: 'plain',
    title: 'a mapping of certificates only',
    expect: C,
    build: (s) => {
      new CfnMapping(s, 'Certs', { mapping: { 'eu-west-1': { tls: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' } } });
      return plain(s, 'AWS::SSM::Parameter', { Type: 'String', Value: Fn.findInMap('Certs', 'eu-west-1', 'tls') }, 'Cert');
    },
  },

  // The superuser secret, read through the new policy carriers.
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'plain',
    title: 'a permission set reads the superuser secret',
    expect: NC,
    detail: /permission set Ops/,
    build: (s) => {
      superuserSecret(s);
      return plain(s, 'AWS::SSO::PermissionSet', { InstanceArn: 'arn:aws:sso:::instance/ssoins-1', Name: 'ops', ManagedPolicies: [managed('SecretsManagerReadWrite')] }, 'Ops');
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'plain',
    title: 'an AWS::IAM::RolePolicy gives an operator role the superuser secret',
    expect: NC,
    detail: /OperatorRole/,
    build: (s) => {
      const secret = superuserSecret(s);
      const role = operatorRole(s);
      return plain(s, 'AWS::IAM::RolePolicy', {
        RoleName: role.roleName, PolicyName: 'read', PolicyDocument: doc({ Action: 'secretsmanager:GetSecretValue', Resource: secret.secretArn }),
      }, 'Read');
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'plain',
    title: 'an AWS::IAM::RolePolicy gives the host role the superuser secret',
    expect: C,
    build: (s) => {
      const secret = superuserSecret(s);
      const role = new iam.Role(s, 'HostRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
      return plain(s, 'AWS::IAM::RolePolicy', {
        RoleName: role.roleName, PolicyName: 'read', PolicyDocument: doc({ Action: 'secretsmanager:GetSecretValue', Resource: secret.secretArn }),
      }, 'Read');
    },
  },

  // DatabaseCredentialsReadOnlyByHost
  {
    rule: 'DatabaseCredentialsReadOnlyByHost',
    form: 'l2',
    title: 'the host role reads the customer admin secret',
    expect: C,
    build: (s) => {
      const role = new iam.Role(s, 'HostRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
      role.addToPolicy(readSecret([customerSecret(s).secretArn]));
      return role.node.findChild('DefaultPolicy');
    },
  },
  {
    rule: 'DatabaseCredentialsReadOnlyByHost',
    form: 'l2',
    title: 'the operator role reads the customer admin secret',
    expect: NC,
    detail: /database credentials secret CustomerAdmin/,
    build: (s) => {
      const role = operatorRole(s);
      role.addToPolicy(readSecret([customerSecret(s).secretArn]));
      return role.node.findChild('DefaultPolicy');
    },
  },
  {
    rule: 'DatabaseCredentialsReadOnlyByHost',
    form: 'l2',
    title: 'the customer account reads its own admin secret through the resource policy',
    expect: C,
    build: (s) => {
      const secret = customerSecret(s);
      secret.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AccountPrincipal(CUSTOMER_ACCOUNT)], actions: ['secretsmanager:GetSecretValue'], resources: ['*'] }));
      return secret.node.findChild('Policy');
    },
  },
  {
    rule: 'DatabaseCredentialsReadOnlyByHost',
    form: 'l2',
    title: 'a role of the customer account reads its own admin secret through the resource policy',
    expect: C,
    stackProps: { env: { account: '111122223333', region: 'eu-west-1' } },
    build: (s) => {
      const secret = customerSecret(s);
      secret.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.ArnPrincipal(`arn:aws:iam::${CUSTOMER_ACCOUNT}:role/app`)], actions: ['secretsmanager:GetSecretValue'], resources: ['*'],
      }));
      return secret.node.findChild('Policy');
    },
  },
  {
    rule: 'DatabaseCredentialsReadOnlyByHost',
    form: 'plain',
    title: 'a role of an account that may be the stack\'s own reads the admin secret through the resource policy',
    expect: UNV,
    build: (s) => {
      const secret = plain(s, 'AWS::SecretsManager::Secret', { GenerateSecretString: { SecretStringTemplate: CUSTOMER_TEMPLATE, GenerateStringKey: 'password' } }, 'CustomerAdmin');
      return plain(s, 'AWS::SecretsManager::ResourcePolicy', {
        SecretId: secret.ref,
        ResourcePolicy: doc({ Action: 'secretsmanager:GetSecretValue', Principal: { AWS: `arn:aws:iam::${CUSTOMER_ACCOUNT}:role/app` } }),
      }, 'Policy');
    },
  },
  {
    rule: 'DatabaseCredentialsReadOnlyByHost',
    form: 'l2',
    title: 'a role of the stack\'s own account reads the admin secret through the resource policy',
    expect: NC,
    detail: /readable by role reporting of this account, which is not the database host/,
    stackProps: { env: { account: '111122223333', region: 'eu-west-1' } },
    build: (s) => {
      const secret = customerSecret(s);
      secret.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.ArnPrincipal('arn:aws:iam::111122223333:role/reporting')], actions: ['secretsmanager:GetSecretValue'], resources: ['*'],
      }));
      return secret.node.findChild('Policy');
    },
  },
  {
    rule: 'DatabaseCredentialsReadOnlyByHost',
    form: 'token',
    title: 'a role named with AWS::AccountId reads the admin secret: the account it deploys into',
    expect: NC,
    detail: /readable by role Admin of this account, which is not the database host/,
    build: (s) => {
      const secret = customerSecret(s);
      secret.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.ArnPrincipal(`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/Admin`)], actions: ['secretsmanager:GetSecretValue'], resources: ['*'],
      }));
      return secret.node.findChild('Policy');
    },
  },
  {
    rule: 'DatabaseCredentialsReadOnlyByHost',
    form: 'plain',
    title: 'a user reads every secret through an AWS::IAM::UserPolicy',
    expect: NC,
    build: (s) => {
      plain(s, 'AWS::SecretsManager::Secret', { GenerateSecretString: { SecretStringTemplate: CUSTOMER_TEMPLATE, GenerateStringKey: 'password' } }, 'CustomerAdmin');
      const user = plain(s, 'AWS::IAM::User', {}, 'Ops');
      return plain(s, 'AWS::IAM::UserPolicy', { UserName: user.ref, PolicyName: 'read', PolicyDocument: doc({ Action: 'secretsmanager:GetSecretValue' }) }, 'Read');
    },
  },
  {
    rule: 'DatabaseCredentialsReadOnlyByHost',
    form: 'override',
    title: 'override points the operator\'s read at the customer admin secret',
    expect: NC,
    build: (s) => {
      const secret = customerSecret(s);
      const role = operatorRole(s);
      role.addToPolicy(readSecret(['arn:aws:secretsmanager:eu-west-1:111122223333:secret:other-AbCdEf']));
      const policy = role.node.findChild('DefaultPolicy');
      (policy.node.defaultChild as iam.CfnPolicy).addPropertyOverride('PolicyDocument.Statement.0.Resource', secret.secretArn);
      return policy;
    },
  },
  {
    rule: 'DatabaseCredentialsReadOnlyByHost',
    form: 'token',
    title: 'the operator reads a secret named by a parameter',
    expect: UNV,
    build: (s) => {
      customerSecret(s);
      const role = operatorRole(s);
      role.addToPolicy(readSecret([param(s)]));
      return role.node.findChild('DefaultPolicy');
    },
  },
  {
    rule: 'DatabaseCredentialsReadOnlyByHost',
    form: 'l2',
    title: 'the approved operator\'s password is not a customer login',
    expect: NA,
    build: (s) => {
      const secret = new secretsmanager.Secret(s, 'ApprovedOperatorPassword', { generateSecretString: { passwordLength: 32 } });
      const role = operatorRole(s);
      role.addToPolicy(readSecret([secret.secretArn]));
      return role.node.findChild('DefaultPolicy');
    },
  },

  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'plain',
    title: 'advanced selectors that split management events into reads and writes',
    expect: C,
    build: (s) => plain(s, 'AWS::CloudTrail::Trail', {
      IsLogging: true,
      S3BucketName: 'b',
      EnableLogFileValidation: true,
      KMSKeyId: CMK_ARN,
      AdvancedEventSelectors: [
        { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['true'] }] },
        { FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['false'] }] },
      ],
    }),
  },
  {
    rule: 'CloudTrailValidatedAndEncrypted',
    form: 'plain',
    title: 'advanced selector with write management events only',
    expect: NC,
    detail: /read and write/,
    build: (s) => plain(s, 'AWS::CloudTrail::Trail', {
      IsLogging: true,
      S3BucketName: 'b',
      EnableLogFileValidation: true,
      KMSKeyId: CMK_ARN,
      AdvancedEventSelectors: [{ FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }, { Field: 'readOnly', Equals: ['false'] }] }],
    }),
  },

  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'l2',
    title: 'the operator role of this account beside a cross-account customer peering',
    expect: C,
    build: (s) => {
      customerPeering(s);
      const role = operatorRole(s);
      role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: [allInstances(s)], conditions: { ...TAGGED, ...DOCUMENT_CHECK } }));
      return role;
    },
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'l2',
    title: 'instance access for the customer account, named with the partition',
    expect: NC,
    detail: /customer account 444455556666/,
    build: (s) => {
      customerPeering(s);
      const role = new iam.Role(s, 'CustomerShell', { assumedBy: new iam.AccountPrincipal(CUSTOMER_ACCOUNT) });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: [allInstances(s)], conditions: { ...TAGGED, ...DOCUMENT_CHECK } }));
      return role;
    },
  },
  {
    rule: 'InstanceAccessOnlyForOperators',
    form: 'token',
    title: 'instance access for an account from a parameter beside a customer peering',
    expect: UNV,
    build: (s) => {
      customerPeering(s);
      const role = new iam.Role(s, 'Shell', { assumedBy: new iam.AccountPrincipal(param(s)) });
      role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources: [allInstances(s)], conditions: { ...TAGGED, ...DOCUMENT_CHECK } }));
      return role;
    },
  },

  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'a permission set may start port forwarding on every instance',
    expect: NC,
    detail: /permission set Ops/,
    build: (s) => {
      databaseHost(s);
      return plain(s, 'AWS::SSO::PermissionSet', {
        InstanceArn: 'arn:aws:sso:::instance/ssoins-1',
        Name: 'ops',
        InlinePolicy: doc({ Action: 'ssm:StartSession', Resource: ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ssm:*::document/AWS-StartPortForwardingSession'] }),
      }, 'Ops');
    },
  },

  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: '.pgpass line echoed by user data',
    expect: NC,
    detail: /\.pgpass line/,
    build: (s) => plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1', UserData: Fn.base64('#!/bin/bash\necho "db.internal:5432:orders:app:s3cr3t-Value" >> ~/.pgpass\n') }, 'Host'),
  },
  {
    rule: 'NoPasswordLiteral',
    form: 'plain',
    title: '.pgpass written from a secret at boot',
    expect: C,
    build: (s) => plain(s, 'AWS::EC2::Instance', {
      ImageId: 'ami-1',
      UserData: Fn.base64('#!/bin/bash\necho "db.internal:5432:orders:app:$(aws secretsmanager get-secret-value --secret-id app --query SecretString --output text)" > ~/.pgpass\n'),
    }, 'Host'),
  },
];
