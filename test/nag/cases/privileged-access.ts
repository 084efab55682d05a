import { ArnFormat, Fn, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { C, NA, NC, RuleCase, UNV } from './types';
import { param, plain } from '../helpers';

// Superuser secrets and who may read them.
const SUPERUSER_TEMPLATE = { secretStringTemplate: JSON.stringify({ username: 'postgres' }), generateStringKey: 'password' };
const superuserSecret = (s: Stack) => new secretsmanager.Secret(s, 'Superuser', { generateSecretString: SUPERUSER_TEMPLATE });
const hostRole = (s: Stack, id = 'HostRole') => new iam.Role(s, id, { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
const operatorRole = (s: Stack, id = 'OperatorRole') => new iam.Role(s, id, { assumedBy: new iam.AccountRootPrincipal() });
/** The operator role's generated policy, holding the given statement. */
const operatorPolicyWith = (s: Stack, statement: iam.PolicyStatement) => {
  const role = operatorRole(s);
  role.addToPolicy(statement);
  return role.node.findChild('DefaultPolicy');
};
const readSecret = (resources: string[]) => new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources });
const trustEc2 = { Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
const trustAccount = { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'sts:AssumeRole' }] };
/** A plain role people assume, allowed ssm:StartSession on `resources` inline. */
const sessionRole = (s: Stack, resources: unknown) => plain(s, 'AWS::IAM::Role', {
  AssumeRolePolicyDocument: trustAccount,
  Policies: [{ PolicyName: 'ops', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ssm:StartSession', Resource: resources }] } }],
}, 'Operator');

// Hosts and session grants.
const instance = (s: Stack, id: string, tags: { [key: string]: string }) =>
  new ec2.CfnInstance(s, id, { imageId: 'ami-1', tags: Object.entries(tags).map(([key, value]) => ({ key, value })) });
const databaseHost = (s: Stack) => instance(s, 'Database', { 'timescale:service': 'orders', 'timescale:role': 'database' });
const bastion = (s: Stack) => instance(s, 'Bastion', { 'timescale:service': 'orders', 'timescale:role': 'bastion' });
const instanceArn = (s: Stack, i: ec2.CfnInstance) => s.formatArn({ service: 'ec2', resource: 'instance', resourceName: i.ref });
const documentArn = (s: Stack, name: string) => s.formatArn({ service: 'ssm', account: '', resource: 'document', resourceName: name });
const FORWARD = 'AWS-StartPortForwardingSessionToRemoteHost';
const LOGGED = 'orders-operator-session';
const DOCUMENT_CHECK = { BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } };
const startSession = (resources: string[], conditions?: { [op: string]: any }) =>
  new iam.PolicyStatement({ actions: ['ssm:StartSession'], resources, conditions: { ...DOCUMENT_CHECK, ...conditions } });
const loggedDocument = (s: Stack) => plain(s, 'AWS::SSM::Document', {
  Name: LOGGED,
  DocumentType: 'Session',
  Content: { schemaVersion: '1.0', sessionType: 'Standard_Stream', inputs: { cloudWatchLogGroupName: 'x', cloudWatchEncryptionEnabled: true, kmsKeyId: 'alias/k' } },
}, 'SessionDocument');
/** Shell on every service host (instance/* by tag) with the logging document. */
const shellOnServiceHosts = (s: Stack) => [
  startSession([s.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })], { StringEquals: { 'ssm:resourceTag/timescale:service': 'orders' } }),
  startSession([documentArn(s, LOGGED)]),
];

export const PRIVILEGED_ACCESS_CASES: RuleCase[] = [
  // DatabaseSuperuserSecretReadOnlyByHost
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'l2',
    title: 'the host role reads the superuser secret',
    expect: C,
    build: (s) => {
      const role = hostRole(s);
      superuserSecret(s).grantRead(role);
      return role.node.findChild('DefaultPolicy');
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'l2',
    title: 'the operator role reads the superuser secret',
    expect: NC,
    detail: /superuser secret Superuser.* is readable by role OperatorRole/,
    build: (s) => {
      const role = operatorRole(s);
      superuserSecret(s).grantRead(role);
      return role.node.findChild('DefaultPolicy');
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'l2',
    title: 'GetSecretValue on * by the operator role',
    expect: NC,
    build: (s) => {
      superuserSecret(s);
      return operatorPolicyWith(s, readSecret(['*']));
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'l2',
    title: 'secretsmanager:* on an ARN pattern that matches the named secret',
    expect: NC,
    build: (s) => {
      new secretsmanager.Secret(s, 'Superuser', { secretName: 'orders/superuser', generateSecretString: SUPERUSER_TEMPLATE });
      return operatorPolicyWith(s, new iam.PolicyStatement({ actions: ['secretsmanager:*'], resources: [s.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: 'orders/*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }));
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'l2',
    title: 'an ARN pattern for other names',
    expect: NA,
    build: (s) => {
      new secretsmanager.Secret(s, 'Superuser', { secretName: 'orders/superuser', generateSecretString: SUPERUSER_TEMPLATE });
      return operatorPolicyWith(s, readSecret(['arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders/customer-*']));
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'l2',
    title: 'an ARN pattern that may match the name CloudFormation generates',
    expect: UNV,
    detail: /may be readable/,
    build: (s) => {
      superuserSecret(s);
      return operatorPolicyWith(s, readSecret(['arn:aws:secretsmanager:eu-west-1:111122223333:secret:Superuser*']));
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'l2',
    title: 'a secret that is not the superuser\'s',
    expect: NA,
    build: (s) => {
      const role = operatorRole(s);
      new secretsmanager.Secret(s, 'Customer', { generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'acme_admin' }), generateStringKey: 'password' } }).grantRead(role);
      return role.node.findChild('DefaultPolicy');
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'plain',
    title: 'a secret tagged database-superuser and a user with AdministratorAccess',
    expect: NC,
    detail: /AWS managed policy AdministratorAccess/,
    build: (s) => {
      plain(s, 'AWS::SecretsManager::Secret', { GenerateSecretString: {}, Tags: [{ Key: 'timescale:secret', Value: 'database-superuser' }] }, 'Superuser');
      return plain(s, 'AWS::IAM::User', { ManagedPolicyArns: ['arn:aws:iam::aws:policy/AdministratorAccess'] }, 'Admin');
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'plain',
    title: 'a resource policy that lets the account read it',
    expect: NC,
    detail: /resource policy.*readable by arn:aws:iam::111122223333:root/,
    build: (s) => {
      const secret = plain(s, 'AWS::SecretsManager::Secret', { GenerateSecretString: { SecretStringTemplate: '{"username":"postgres"}', GenerateStringKey: 'password' } }, 'Superuser');
      return plain(s, 'AWS::SecretsManager::ResourcePolicy', {
        SecretId: secret.ref,
        ResourcePolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] },
      });
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'plain',
    title: 'a resource policy that lets the host role read it',
    expect: C,
    build: (s) => {
      const secret = plain(s, 'AWS::SecretsManager::Secret', { GenerateSecretString: { SecretStringTemplate: '{"username":"postgres"}', GenerateStringKey: 'password' } }, 'Superuser');
      const role = plain(s, 'AWS::IAM::Role', { AssumeRolePolicyDocument: trustEc2 }, 'HostRole');
      return plain(s, 'AWS::SecretsManager::ResourcePolicy', {
        SecretId: secret.ref,
        ResourcePolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: role.getAtt('Arn') }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] },
      });
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'plain',
    title: 'an inline policy of a role people assume',
    expect: NC,
    build: (s) => {
      const secret = plain(s, 'AWS::SecretsManager::Secret', { GenerateSecretString: { SecretStringTemplate: '{"username":"postgres"}', GenerateStringKey: 'password' } }, 'Superuser');
      return plain(s, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: trustAccount,
        Policies: [{ PolicyName: 'read', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'secretsmanager:Get*', Resource: secret.ref }] } }],
      }, 'Reader');
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'override',
    title: 'override adds the operator role to the host\'s policy',
    expect: NC,
    build: (s) => {
      const role = hostRole(s);
      const operator = operatorRole(s);
      superuserSecret(s).grantRead(role);
      const policy = role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy;
      policy.addPropertyOverride('Roles', [{ Ref: s.getLogicalId(role.node.defaultChild as iam.CfnRole) }, { Ref: s.getLogicalId(operator.node.defaultChild as iam.CfnRole) }]);
      return policy;
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'override',
    title: 'override turns a customer secret into the superuser\'s',
    expect: NC,
    build: (s) => {
      const role = operatorRole(s);
      const secret = new secretsmanager.Secret(s, 'Customer', { generateSecretString: { secretStringTemplate: JSON.stringify({ username: 'acme_admin' }), generateStringKey: 'password' } });
      secret.grantRead(role);
      (secret.node.defaultChild as secretsmanager.CfnSecret).addPropertyOverride('GenerateSecretString.SecretStringTemplate', '{"username":"postgres"}');
      return role.node.findChild('DefaultPolicy');
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'token',
    title: 'secret ARN from a parameter read by the operator role',
    expect: UNV,
    build: (s) => {
      superuserSecret(s);
      return operatorPolicyWith(s, readSecret([param(s)]));
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'token',
    title: 'a role whose trust policy is imported',
    expect: UNV,
    build: (s) => {
      const secret = plain(s, 'AWS::SecretsManager::Secret', { GenerateSecretString: { SecretStringTemplate: '{"username":"postgres"}', GenerateStringKey: 'password' } }, 'Superuser');
      return plain(s, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: Fn.importValue('Trust'),
        Policies: [{ PolicyName: 'read', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret.ref }] } }],
      }, 'Reader');
    },
  },

  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'l2',
    title: 'a managed policy the operator role lists in ManagedPolicyArns',
    expect: NC,
    build: (s) => {
      const secret = superuserSecret(s);
      const policy = new iam.ManagedPolicy(s, 'Read', { statements: [readSecret([secret.secretArn])] });
      new iam.Role(s, 'OperatorRole', { assumedBy: new iam.AccountRootPrincipal(), managedPolicies: [policy] });
      return policy;
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'plain',
    title: 'a role that EC2 and the account can assume',
    expect: NC,
    build: (s) => {
      const secret = plain(s, 'AWS::SecretsManager::Secret', { GenerateSecretString: { SecretStringTemplate: '{"username":"postgres"}', GenerateStringKey: 'password' } }, 'Superuser');
      return plain(s, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: { Statement: [...trustEc2.Statement, ...trustAccount.Statement] },
        Policies: [{ PolicyName: 'read', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret.ref }] } }],
      }, 'Reader');
    },
  },

  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'plain',
    title: 'a role people assume holding a managed policy of another stack',
    expect: UNV,
    detail: /managed policy arn:aws:iam::111122223333:policy\/ops, not defined in this stack/,
    build: (s) => {
      plain(s, 'AWS::SecretsManager::Secret', { GenerateSecretString: { SecretStringTemplate: '{"username":"postgres"}', GenerateStringKey: 'password' } }, 'Superuser');
      return plain(s, 'AWS::IAM::Role', { AssumeRolePolicyDocument: trustAccount, ManagedPolicyArns: ['arn:aws:iam::111122223333:policy/ops'] }, 'Operator');
    },
  },
  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'plain',
    title: 'the host role holding a managed policy of another stack',
    expect: NA,
    build: (s) => {
      plain(s, 'AWS::SecretsManager::Secret', { GenerateSecretString: { SecretStringTemplate: '{"username":"postgres"}', GenerateStringKey: 'password' } }, 'Superuser');
      return plain(s, 'AWS::IAM::Role', { AssumeRolePolicyDocument: trustEc2, ManagedPolicyArns: ['arn:aws:iam::111122223333:policy/ops'] }, 'Host');
    },
  },

  {
    rule: 'DatabaseSuperuserSecretReadOnlyByHost',
    form: 'token',
    title: 'a secret whose user name comes from a parameter, read by the operator role',
    expect: UNV,
    build: (s) => {
      const role = operatorRole(s);
      new secretsmanager.Secret(s, 'Maybe', { generateSecretString: { secretStringTemplate: Fn.join('', ['{"username":"', param(s), '"}']), generateStringKey: 'password' } }).grantRead(role);
      return role.node.findChild('DefaultPolicy');
    },
  },

  // PortForwardingNotToDatabaseHosts
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'l2',
    title: 'a port-forwarding role on the bastion only',
    expect: C,
    build: (s) => {
      const role = operatorRole(s, 'ForwardingRole');
      role.addToPolicy(startSession([instanceArn(s, bastion(s)), documentArn(s, FORWARD)]));
      databaseHost(s);
      return role;
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'l2',
    title: 'a shell-only role on service hosts with the logging document',
    expect: C,
    build: (s) => {
      const role = operatorRole(s);
      loggedDocument(s);
      shellOnServiceHosts(s).forEach((st) => role.addToPolicy(st));
      return role;
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'l2',
    title: 'one role with shell on service hosts and port forwarding on the bastion',
    expect: NC,
    detail: /role OperatorRole\w* may start a session on arn:\*:ec2:\*:\*:instance\/\*.*with .*AWS-StartPortForwardingSessionToRemoteHost/,
    build: (s) => {
      const role = operatorRole(s);
      loggedDocument(s);
      shellOnServiceHosts(s).forEach((st) => role.addToPolicy(st));
      role.addToPolicy(startSession([instanceArn(s, bastion(s)), documentArn(s, FORWARD)]));
      return role;
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'l2',
    title: 'port forwarding on a named database host, from two policies',
    expect: NC,
    build: (s) => {
      const role = operatorRole(s);
      new iam.Policy(s, 'Hosts', { statements: [startSession([instanceArn(s, databaseHost(s))])], roles: [role] });
      new iam.ManagedPolicy(s, 'Documents', { statements: [startSession([documentArn(s, 'AWS-StartSSHSession')])], roles: [role] });
      return role;
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'l2',
    title: 'a service host without a role tag counts as a database host',
    expect: NC,
    build: (s) => {
      const role = operatorRole(s);
      role.addToPolicy(startSession([instanceArn(s, instance(s, 'Host', { 'timescale:service': 'orders' })), documentArn(s, FORWARD)]));
      return role;
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'a group with StartSession on *',
    expect: NC,
    build: (s) => plain(s, 'AWS::IAM::Group', { Policies: [{ PolicyName: 'ops', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }] } }] }),
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'a managed policy attached to no principal of the stack, judged alone',
    expect: NC,
    build: (s) => plain(s, 'AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ssm:StartSession', Resource: ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ssm:*::document/*'] }] } }),
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'roles without session grants',
    expect: NA,
    build: (s) => plain(s, 'AWS::IAM::Role', { AssumeRolePolicyDocument: trustEc2 }),
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'override',
    title: 'override widens the bastion grant to every instance',
    expect: NC,
    build: (s) => {
      const role = operatorRole(s, 'ForwardingRole');
      role.addToPolicy(startSession([instanceArn(s, bastion(s)), documentArn(s, FORWARD)]));
      (role.node.findChild('DefaultPolicy').node.defaultChild as iam.CfnPolicy)
        .addPropertyOverride('PolicyDocument.Statement.0.Resource.0', 'arn:aws:ec2:*:*:instance/*');
      return role;
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'token',
    title: 'a port-forwarding grant on an instance named by a parameter',
    expect: UNV,
    build: (s) => {
      const role = operatorRole(s);
      role.addToPolicy(startSession([s.formatArn({ service: 'ec2', resource: 'instance', resourceName: param(s) }), documentArn(s, FORWARD)]));
      return role;
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'token',
    title: 'a database host whose tags are imported',
    expect: UNV,
    build: (s) => {
      const host = plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1', Tags: Fn.importValue('Tags') }, 'Host');
      return plain(s, 'AWS::IAM::Role', {
        AssumeRolePolicyDocument: trustAccount,
        Policies: [{ PolicyName: 'ops', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ssm:StartSession', Resource: [Fn.join('', ['arn:aws:ec2:eu-west-1:111122223333:instance/', host.ref]), 'arn:aws:ssm:eu-west-1::document/AWS-StartPortForwardingSession'] }] } }],
      }, 'Operator');
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'l2',
    title: 'a user judged with the policies of its group',
    expect: NC,
    build: (s) => {
      const group = new iam.Group(s, 'Operators');
      group.addToPolicy(startSession([instanceArn(s, databaseHost(s))]));
      const user = new iam.User(s, 'Operator', { groups: [group] });
      user.addToPolicy(startSession([documentArn(s, FORWARD)]));
      return user;
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'a Port session document of the stack on a database host',
    expect: NC,
    build: (s) => {
      plain(s, 'AWS::SSM::Document', { Name: 'tunnel', DocumentType: 'Session', Content: { schemaVersion: '1.0', sessionType: 'Port', properties: { portNumber: '5432' } } }, 'Tunnel');
      const host = databaseHost(s);
      return sessionRole(s, [instanceArn(s, host), documentArn(s, 'tunnel')]);
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'a YAML session document that says sessionType twice, Standard_Stream first',
    expect: UNV,
    detail: /whether that forwards ports from a database host is only known at deploy time/,
    build: (s) => {
      plain(s, 'AWS::SSM::Document', {
        Name: 'tunnel',
        DocumentType: 'Session',
        DocumentFormat: 'YAML',
        Content: "notes: |\nsessionType: Standard_Stream\nschemaVersion: '1.0'\nsessionType: Port\nproperties:\n  portNumber: '5432'\n",
      }, 'Tunnel');
      const host = databaseHost(s);
      return sessionRole(s, [instanceArn(s, host), documentArn(s, 'tunnel')]);
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'a document pattern that matches a logged shell document and a Port document of the stack',
    expect: NC,
    detail: /document Ops-Tunnel/,
    build: (s) => {
      plain(s, 'AWS::SSM::Document', { Name: 'Ops-Shell', DocumentType: 'Session', Content: { schemaVersion: '1.0', sessionType: 'Standard_Stream' } }, 'Shell');
      plain(s, 'AWS::SSM::Document', { Name: 'Ops-Tunnel', DocumentType: 'Session', Content: { schemaVersion: '1.0', sessionType: 'Port' } }, 'Tunnel');
      return sessionRole(s, ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ssm:*:*:document/Ops-*']);
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'a document pattern that can match documents made outside the stack',
    expect: UNV,
    detail: /document\/Ops-\*, which names documents this stack does not define/,
    build: (s) => {
      plain(s, 'AWS::SSM::Document', { Name: 'Ops-Shell', DocumentType: 'Session', Content: { schemaVersion: '1.0', sessionType: 'Standard_Stream' } }, 'Shell');
      return sessionRole(s, ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ssm:*:*:document/Ops-*']);
    },
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'an SSM- document of another stack: accounts may make SSM- documents',
    expect: UNV,
    detail: /document\/SSM-Tunnel, which names documents this stack does not define/,
    build: (s) => sessionRole(s, ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ssm:*:*:document/SSM-Tunnel']),
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'a session grant next to a managed policy of another stack',
    expect: UNV,
    build: (s) => plain(s, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: trustAccount,
      ManagedPolicyArns: ['arn:aws:iam::111122223333:policy/ops'],
      Policies: [{ PolicyName: 'ops', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ssm:StartSession', Resource: 'arn:aws:ec2:*:*:instance/*' }] } }],
    }, 'Operator'),
  },
  {
    rule: 'PortForwardingNotToDatabaseHosts',
    form: 'plain',
    title: 'AWS managed policies other than the broad ones are not read',
    expect: C,
    build: (s) => plain(s, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: trustEc2,
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] }],
      Policies: [{ PolicyName: 'ops', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'ssm:StartSession', Resource: 'arn:aws:ssm:*::document/AWS-StartInteractiveCommand' }] } }],
    }, 'Host'),
  },
];
