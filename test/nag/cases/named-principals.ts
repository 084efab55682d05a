import { Aws, Fn, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { C, NC, RuleCase, UNV } from './types';
import { param, plain } from '../helpers';

const KEY = 'KmsKeyUsedOnlyByNamedPrincipals';
const SECRET = 'SecretReadDeniedToOthers';

const ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] };
const BREAK_GLASS = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/break-glass']] };
const USE = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

const hostRole = (s: Stack) => new iam.Role(s, 'HostRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });

/** Administration without use or grants, for the account. */
const admin = {
  Sid: 'Administration',
  Effect: 'Allow',
  Principal: { AWS: ROOT },
  Action: ['kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*',
    'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion'],
  Resource: '*',
};

const useBy = (principal: unknown, extra: { [key: string]: unknown } = {}) =>
  ({ Sid: 'Use', Effect: 'Allow', Principal: principal, Action: [...USE, 'kms:DescribeKey'], Resource: '*', ...extra });

const denyOthers = (exempt: unknown[], extra: { [key: string]: unknown } = {}, condition?: { [op: string]: unknown }) => ({
  Sid: 'DenyEveryoneElse',
  Effect: 'Deny',
  Principal: '*',
  Action: [...USE, 'kms:CreateGrant'],
  Resource: '*',
  Condition: condition ?? {
    StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } },
    ArnNotEquals: { 'aws:PrincipalArn': exempt },
  },
  ...extra,
});

function keyWith(s: Stack, statements: unknown[]): kms.CfnKey {
  return new kms.CfnKey(s, 'Key', { enableKeyRotation: true, keyPolicy: { Version: '2012-10-17', Statement: statements } });
}

/** A key its host role uses, CloudWatch Logs uses by service principal, and everyone else is denied. */
function namedKey(s: Stack): kms.CfnKey {
  const role = hostRole(s);
  return keyWith(s, [
    admin,
    useBy({ AWS: role.roleArn }),
    useBy({ Service: 'logs.amazonaws.com' }, { Sid: 'Logs' }),
    denyOthers([role.roleArn, BREAK_GLASS]),
  ]);
}

const readDeny = (exempt: unknown[], action: unknown = 'secretsmanager:GetSecretValue', extra: { [key: string]: unknown } = {}) => ({
  Sid: 'OnlyTheHostReads',
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: action,
  Resource: '*',
  Condition: { ArnNotEquals: { 'aws:PrincipalArn': exempt }, StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } },
  ...extra,
});

function secretWithPolicy(s: Stack, statement: unknown): secretsmanager.CfnSecret {
  const secret = new secretsmanager.CfnSecret(s, 'Secret', { generateSecretString: {} });
  plain(s, 'AWS::SecretsManager::ResourcePolicy', { SecretId: { Ref: 'Secret' }, ResourcePolicy: { Version: '2012-10-17', Statement: [statement] } }, 'SecretPolicy');
  return secret;
}

export const NAMED_PRINCIPAL_CASES: RuleCase[] = [
  // KmsKeyUsedOnlyByNamedPrincipals
  {
    rule: KEY,
    form: 'l2',
    title: 'kms.Key with its default policy (the account has kms:*)',
    expect: NC,
    detail: /key's own account/,
    build: (s) => new kms.Key(s, 'Key', { enableKeyRotation: true }),
  },
  {
    rule: KEY,
    form: 'l2',
    title: 'kms.Key granting decrypt to a role still keeps the account statement',
    expect: NC,
    build: (s) => {
      const key = new kms.Key(s, 'Key', { enableKeyRotation: true });
      key.grantDecrypt(hostRole(s));
      return key;
    },
  },
  { rule: KEY, form: 'l1', title: 'named users, admin without use, and a deny for everyone else', expect: C, build: namedKey },
  {
    rule: KEY,
    form: 'plain',
    title: 'Principal "*" limited by kms:CallerAccount and kms:ViaService still delegates use to the account',
    expect: NC,
    detail: /statement Use allows use to Principal "\*"/,
    build: (s) => plain(s, 'AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: [admin, useBy({ AWS: '*' }, {
          Condition: { StringEquals: { 'kms:CallerAccount': { Ref: 'AWS::AccountId' }, 'kms:ViaService': 'ec2.eu-west-1.amazonaws.com' } },
        }), denyOthers([BREAK_GLASS])],
      },
    }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'use for the bare account id',
    expect: NC,
    detail: /own account/,
    build: (s) => plain(s, 'AWS::KMS::Key', { KeyPolicy: { Statement: [useBy({ AWS: { Ref: 'AWS::AccountId' } }), denyOthers([BREAK_GLASS])] } }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'administration written as kms:Create* includes kms:CreateGrant',
    expect: NC,
    detail: /allows kms:CreateGrant to the key's own account/,
    build: (s) => plain(s, 'AWS::KMS::Key', {
      KeyPolicy: { Statement: [{ ...admin, Action: ['kms:Create*', 'kms:Describe*', 'kms:Put*'] }, denyOthers([BREAK_GLASS])] },
    }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'NotAction for the account covers use',
    expect: NC,
    detail: /own account/,
    build: (s) => plain(s, 'AWS::KMS::Key', {
      KeyPolicy: { Statement: [{ Effect: 'Allow', Principal: { AWS: ROOT }, NotAction: ['kms:ScheduleKeyDeletion'], Resource: '*' }, denyOthers([BREAK_GLASS])] },
    }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'named users but no deny for everyone else',
    expect: NC,
    detail: /no statement denies use and kms:CreateGrant/,
    build: (s) => plain(s, 'AWS::KMS::Key', { KeyPolicy: { Statement: [admin, useBy({ Service: 'logs.amazonaws.com' })] } }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'a deny that exempts every role of the account denies nobody',
    expect: NC,
    detail: /exempts every principal of the account/,
    build: (s) => plain(s, 'AWS::KMS::Key', {
      KeyPolicy: { Statement: [admin, denyOthers([], {}, { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } })] },
    }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'a deny that leaves out kms:CreateGrant',
    expect: NC,
    detail: /does not deny kms:CreateGrant/,
    build: (s) => plain(s, 'AWS::KMS::Key', { KeyPolicy: { Statement: [admin, denyOthers([BREAK_GLASS], { Action: USE })] } }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'a deny that also needs MFA to be absent applies to too few calls',
    expect: NC,
    detail: /also depends on Bool aws:MultiFactorAuthPresent/,
    build: (s) => plain(s, 'AWS::KMS::Key', {
      KeyPolicy: {
        Statement: [admin, denyOthers([], {}, {
          ArnNotEquals: { 'aws:PrincipalArn': [BREAK_GLASS] },
          Bool: { 'aws:MultiFactorAuthPresent': 'false' },
        })],
      },
    }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'a deny of * to everyone but the named principals, without the account condition, is stricter and holds',
    expect: C,
    build: (s) => plain(s, 'AWS::KMS::Key', {
      KeyPolicy: { Statement: [admin, denyOthers([], { Action: 'kms:*' }, { ArnNotEquals: { 'aws:PrincipalArn': [BREAK_GLASS] } })] },
    }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'another account\'s root is a named principal',
    expect: C,
    stackProps: { env: { account: '111122223333', region: 'eu-west-1' } },
    build: (s) => plain(s, 'AWS::KMS::Key', {
      KeyPolicy: { Statement: [useBy({ AWS: 'arn:aws:iam::444455556666:root' }), denyOthers([BREAK_GLASS])] },
    }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'the literal root of the stack\'s own account',
    expect: NC,
    detail: /own account/,
    stackProps: { env: { account: '111122223333', region: 'eu-west-1' } },
    build: (s) => plain(s, 'AWS::KMS::Key', {
      KeyPolicy: JSON.stringify({
        Statement: [useBy({ AWS: 'arn:aws:iam::111122223333:root' }), denyOthers([], {}, {
          StringEquals: { 'aws:PrincipalAccount': '111122223333' },
          ArnNotEquals: { 'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/break-glass'] },
        })],
      }),
    }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'the account root written with Fn::Sub',
    expect: NC,
    detail: /own account \(AWS arn:\{Partition\}:iam::\{AccountId\}:root\)/,
    build: (s) => plain(s, 'AWS::KMS::Key', {
      KeyPolicy: { Statement: [useBy({ AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }), denyOthers([BREAK_GLASS])] },
    }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'an allow with NotPrincipal admits everyone else',
    expect: NC,
    detail: /NotPrincipal/,
    build: (s) => plain(s, 'AWS::KMS::Key', {
      KeyPolicy: { Statement: [{ Effect: 'Allow', NotPrincipal: { AWS: BREAK_GLASS }, Action: 'kms:Decrypt', Resource: '*' }, denyOthers([BREAK_GLASS])] },
    }),
  },
  {
    rule: KEY,
    form: 'plain',
    title: 'the root may only replace the policy, deployers are named by Fn::Sub, the deny is written with NotAction',
    expect: C,
    build: (s) => {
      const deployer = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}' };
      return plain(s, 'AWS::KMS::Key', {
        KeyPolicy: {
          Statement: [
            { Effect: 'Allow', Principal: { AWS: ROOT }, Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:PutKeyPolicy'], Resource: '*' },
            useBy({ AWS: deployer }, { Condition: { StringEquals: { 'kms:ViaService': 'ec2.eu-west-1.amazonaws.com' } } }),
            {
              Effect: 'Deny',
              Principal: { AWS: '*' },
              NotAction: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:PutKeyPolicy'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } }, ArnNotLike: { 'aws:PrincipalArn': [deployer] } },
            },
          ],
        },
      });
    },
  },
  {
    rule: KEY,
    form: 'token',
    title: 'a literal root when the stack does not know its account may be this account',
    expect: UNV,
    build: (s) => plain(s, 'AWS::KMS::Key', {
      KeyPolicy: { Statement: [useBy({ AWS: 'arn:aws:iam::444455556666:root' }), denyOthers([BREAK_GLASS])] },
    }),
  },
  {
    rule: KEY,
    form: 'token',
    title: 'the key policy is imported',
    expect: UNV,
    build: (s) => plain(s, 'AWS::KMS::Key', { KeyPolicy: Fn.importValue('shared-key-policy') }),
  },
  {
    rule: KEY,
    form: 'token',
    title: 'a user given by a parameter',
    expect: UNV,
    detail: /only known at deploy time/,
    build: (s) => plain(s, 'AWS::KMS::Key', { KeyPolicy: { Statement: [useBy({ AWS: param(s) }), denyOthers([BREAK_GLASS])] } }),
  },
  {
    rule: KEY,
    form: 'token',
    title: 'a deny whose exemption comes from a parameter',
    expect: UNV,
    detail: /exempts .* only known at deploy time/,
    build: (s) => plain(s, 'AWS::KMS::Key', { KeyPolicy: { Statement: [admin, denyOthers([param(s)])] } }),
  },
  {
    rule: KEY,
    form: 'override',
    title: 'an override drops the deny',
    expect: NC,
    build: (s) => {
      const key = namedKey(s);
      key.addPropertyOverride('KeyPolicy.Statement', [admin]);
      return key;
    },
  },

  // SecretReadDeniedToOthers
  {
    rule: SECRET,
    form: 'l2',
    title: 'secretsmanager.Secret without a resource policy',
    expect: NC,
    detail: /no AWS::SecretsManager::ResourcePolicy refers to the secret/,
    build: (s) => new secretsmanager.Secret(s, 'Secret'),
  },
  {
    rule: SECRET,
    form: 'l2',
    title: 'a deny of GetSecretValue to everyone of the account but the host role',
    expect: C,
    build: (s) => {
      const secret = new secretsmanager.Secret(s, 'Secret');
      secret.addToResourcePolicy(new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': hostRole(s).roleArn }, StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID } },
      }));
      return secret;
    },
  },
  {
    rule: SECRET,
    form: 'l2',
    title: 'an allow-only resource policy denies nothing',
    expect: NC,
    detail: /no statement denies secretsmanager:GetSecretValue/,
    build: (s) => {
      const secret = new secretsmanager.Secret(s, 'Secret');
      secret.grantRead(new iam.AccountPrincipal('444455556666'));
      return secret;
    },
  },
  {
    rule: SECRET,
    form: 'plain',
    title: 'a deny of secretsmanager:* with a policy written as JSON text',
    expect: C,
    build: (s) => {
      const secret = plain(s, 'AWS::SecretsManager::Secret', { GenerateSecretString: {} }, 'Secret');
      plain(s, 'AWS::SecretsManager::ResourcePolicy', {
        SecretId: { Ref: 'Secret' },
        ResourcePolicy: JSON.stringify({ Statement: [readDeny(['arn:aws:iam::111122223333:role/host'], 'secretsmanager:*')] }),
      }, 'SecretPolicy');
      return secret;
    },
  },
  {
    rule: SECRET,
    form: 'plain',
    title: 'a deny written with NotAction that leaves GetSecretValue in',
    expect: C,
    build: (s) => secretWithPolicy(s, { ...readDeny([BREAK_GLASS]), Action: undefined, NotAction: ['secretsmanager:DescribeSecret'] }),
  },
  {
    rule: SECRET,
    form: 'plain',
    title: 'a deny of DescribeSecret only',
    expect: NC,
    detail: /does not deny secretsmanager:GetSecretValue/,
    build: (s) => secretWithPolicy(s, readDeny([BREAK_GLASS], 'secretsmanager:Describe*')),
  },
  {
    rule: SECRET,
    form: 'plain',
    title: 'a deny that exempts everyone',
    expect: NC,
    detail: /exempts every principal of the account/,
    build: (s) => secretWithPolicy(s, { ...readDeny([]), Condition: { StringNotLike: { 'aws:PrincipalArn': '*' } } }),
  },
  {
    rule: SECRET,
    form: 'plain',
    title: 'a deny for another account only',
    expect: NC,
    detail: /another account only/,
    stackProps: { env: { account: '111122223333', region: 'eu-west-1' } },
    build: (s) => secretWithPolicy(s, {
      ...readDeny([]),
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': [BREAK_GLASS] }, StringEquals: { 'aws:PrincipalAccount': '444455556666' } },
    }),
  },
  {
    rule: SECRET,
    form: 'plain',
    title: 'a deny that names another secret does not protect this one',
    expect: NC,
    detail: /no statement denies/,
    build: (s) => secretWithPolicy(s, { ...readDeny([BREAK_GLASS]), Resource: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:other-AbCdEf' }),
  },
  {
    rule: SECRET,
    form: 'token',
    title: 'the resource policy is imported',
    expect: UNV,
    build: (s) => {
      const secret = new secretsmanager.CfnSecret(s, 'Secret', { generateSecretString: {} });
      plain(s, 'AWS::SecretsManager::ResourcePolicy', { SecretId: { Ref: 'Secret' }, ResourcePolicy: Fn.importValue('policy') }, 'SecretPolicy');
      return secret;
    },
  },
  {
    rule: SECRET,
    form: 'token',
    title: 'the exempted principal comes from a parameter',
    expect: UNV,
    build: (s) => secretWithPolicy(s, readDeny([param(s)])),
  },
  {
    rule: SECRET,
    form: 'token',
    title: 'a resource policy whose SecretId is a parameter may be the secret\'s',
    expect: UNV,
    build: (s) => {
      const secret = new secretsmanager.CfnSecret(s, 'Secret', { generateSecretString: {} });
      plain(s, 'AWS::SecretsManager::ResourcePolicy', { SecretId: param(s), ResourcePolicy: { Statement: [readDeny([BREAK_GLASS])] } }, 'SecretPolicy');
      return secret;
    },
  },
  {
    rule: SECRET,
    form: 'override',
    title: 'an override turns the deny into an allow',
    expect: NC,
    build: (s) => {
      const secret = secretWithPolicy(s, readDeny([BREAK_GLASS]));
      (s.node.findChild('SecretPolicy') as any).addPropertyOverride('ResourcePolicy.Statement.0.Effect', 'Allow');
      return secret;
    },
  },
];
