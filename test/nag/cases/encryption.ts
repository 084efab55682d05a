import { Fn, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { C, NA, NC, RuleCase, UNV } from './types';
import { CMK_ARN, customerKey, param, plain } from '../helpers';

const volume = (s: any, props: Partial<ec2.CfnVolumeProps> = {}) =>
  new ec2.CfnVolume(s, 'Volume', { availabilityZone: 'eu-west-1a', size: 10, ...props });

const ebsMapping = (ebs: any) => [{ DeviceName: '/dev/xvda', Ebs: ebs }];

export const ENCRYPTION_CASES: RuleCase[] = [
  // VolumeCustomerManagedKey
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'l1',
    title: 'key of the same stack',
    expect: C,
    build: (s) => volume(s, { encrypted: true, kmsKeyId: customerKey(s).keyArn }),
  },
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'l1',
    title: 'alias of the same stack',
    expect: C,
    build: (s) => volume(s, { encrypted: true, kmsKeyId: new kms.Alias(s, 'Alias', { aliasName: 'alias/data', targetKey: customerKey(s) }).aliasArn }),
  },
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'l1',
    title: 'AWS-managed alias/aws/ebs',
    expect: NC,
    detail: /alias\/aws\/ebs/,
    build: (s) => volume(s, { encrypted: true, kmsKeyId: 'alias/aws/ebs' }),
  },
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'l1',
    title: 'AWS-managed key ARN by alias',
    expect: NC,
    build: (s) => volume(s, { encrypted: true, kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:alias/aws/ebs' }),
  },
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'plain',
    title: 'plain CfnResource, not encrypted',
    expect: NC,
    detail: /Encrypted/,
    build: (s) => plain(s, 'AWS::EC2::Volume', { AvailabilityZone: 'a', Size: 1 }),
  },
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'plain',
    title: 'plain CfnResource, encrypted without key',
    expect: NC,
    detail: /not set/,
    build: (s) => plain(s, 'AWS::EC2::Volume', { Encrypted: true }),
  },
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'plain',
    title: 'imported customer key ARN literal',
    expect: C,
    build: (s) => plain(s, 'AWS::EC2::Volume', { Encrypted: true, KmsKeyId: CMK_ARN }),
  },
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'override',
    title: 'override to alias/aws/ebs',
    expect: NC,
    build: (s) => {
      const v = volume(s, { encrypted: true, kmsKeyId: customerKey(s).keyArn });
      v.addPropertyOverride('KmsKeyId', 'alias/aws/ebs');
      return v;
    },
  },
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'override',
    title: 'override fixes an unencrypted volume',
    expect: C,
    build: (s) => {
      const v = volume(s);
      v.addPropertyOverride('Encrypted', true);
      v.addPropertyOverride('KmsKeyId', customerKey(s).keyId);
      return v;
    },
  },
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'token',
    title: 'KmsKeyId from a parameter',
    expect: UNV,
    detail: /parameter Param/,
    build: (s) => volume(s, { encrypted: true, kmsKeyId: param(s) }),
  },
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'token',
    title: 'KmsKeyId imported from another stack',
    expect: UNV,
    build: (s) => volume(s, { encrypted: true, kmsKeyId: Fn.importValue('DataKeyArn') }),
  },
  {
    rule: 'VolumeCustomerManagedKey',
    form: 'token',
    title: 'key ARN joined from pseudo parameters',
    expect: C,
    build: (s) => volume(s, { encrypted: true, kmsKeyId: kms.Key.fromKeyArn(s, 'K', s.formatArn({ service: 'kms', resource: 'key', resourceName: '1234abcd-12ab-34cd-56ef-1234567890ab' })).keyArn }),
  },

  // BlockDeviceCustomerManagedKey
  {
    rule: 'BlockDeviceCustomerManagedKey',
    form: 'l1',
    title: 'instance block device under a stack key',
    expect: C,
    build: (s) => new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: true, kmsKeyId: customerKey(s).keyArn } }] }),
  },
  {
    rule: 'BlockDeviceCustomerManagedKey',
    form: 'l1',
    title: 'instance without block device mappings',
    expect: NC,
    detail: /AMI default/,
    build: (s) => new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1' }),
  },
  {
    rule: 'BlockDeviceCustomerManagedKey',
    form: 'l2',
    title: 'ec2.Instance with an encrypted root volume under a CMK',
    expect: C,
    build: (s) => {
      const vpc = ec2.Vpc.fromVpcAttributes(s, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'] });
      return new ec2.Instance(s, 'Host', {
        vpc,
        instanceType: new ec2.InstanceType('t3.micro'),
        machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-1' }),
        requireImdsv2: true,
        blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true, kmsKey: customerKey(s) }) }],
      });
    },
  },
  {
    rule: 'BlockDeviceCustomerManagedKey',
    form: 'plain',
    title: 'plain instance, encrypted without key',
    expect: NC,
    build: (s) => plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1', BlockDeviceMappings: ebsMapping({ Encrypted: true }) }),
  },
  {
    rule: 'BlockDeviceCustomerManagedKey',
    form: 'plain',
    title: 'plain launch template under a CMK',
    expect: C,
    build: (s) => plain(s, 'AWS::EC2::LaunchTemplate', { LaunchTemplateData: { BlockDeviceMappings: ebsMapping({ Encrypted: true, KmsKeyId: CMK_ARN }) } }),
  },
  {
    rule: 'BlockDeviceCustomerManagedKey',
    form: 'plain',
    title: 'plain launch template unencrypted',
    expect: NC,
    build: (s) => plain(s, 'AWS::EC2::LaunchTemplate', { LaunchTemplateData: { BlockDeviceMappings: ebsMapping({ VolumeSize: 8 }) } }),
  },
  {
    rule: 'BlockDeviceCustomerManagedKey',
    form: 'plain',
    title: 'instance judged through its launch template',
    expect: C,
    build: (s) => {
      const lt = plain(s, 'AWS::EC2::LaunchTemplate', { LaunchTemplateData: { BlockDeviceMappings: ebsMapping({ Encrypted: true, KmsKeyId: CMK_ARN }) } }, 'Lt');
      return plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1', LaunchTemplate: { LaunchTemplateId: lt.ref, Version: '1' } });
    },
  },
  {
    rule: 'BlockDeviceCustomerManagedKey',
    form: 'override',
    title: 'override to alias/aws/ebs',
    expect: NC,
    build: (s) => {
      const i = new ec2.CfnInstance(s, 'Host', { imageId: 'ami-1', blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: true, kmsKeyId: customerKey(s).keyArn } }] });
      i.addPropertyOverride('BlockDeviceMappings.0.Ebs.KmsKeyId', 'alias/aws/ebs');
      return i;
    },
  },
  {
    rule: 'BlockDeviceCustomerManagedKey',
    form: 'token',
    title: 'block device key from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::EC2::Instance', { ImageId: 'ami-1', BlockDeviceMappings: ebsMapping({ Encrypted: true, KmsKeyId: param(s) }) }),
  },
  {
    rule: 'BlockDeviceCustomerManagedKey',
    form: 'plain',
    title: 'not applicable to volumes',
    expect: NA,
    build: (s) => plain(s, 'AWS::EC2::Volume', { Encrypted: true }),
  },

  // KmsKeyRotation
  { rule: 'KmsKeyRotation', form: 'l2', title: 'kms.Key with rotation', expect: C, build: (s) => customerKey(s) },
  { rule: 'KmsKeyRotation', form: 'l2', title: 'kms.Key without rotation', expect: NC, build: (s) => new kms.Key(s, 'Key') },
  {
    rule: 'KmsKeyRotation',
    form: 'plain',
    title: 'plain key with rotation',
    expect: C,
    build: (s) => plain(s, 'AWS::KMS::Key', { EnableKeyRotation: true }),
  },
  {
    rule: 'KmsKeyRotation',
    form: 'plain',
    title: 'asymmetric keys cannot rotate',
    expect: NA,
    build: (s) => plain(s, 'AWS::KMS::Key', { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' }),
  },
  {
    rule: 'KmsKeyRotation',
    form: 'override',
    title: 'override turns rotation off',
    expect: NC,
    build: (s) => {
      const k = customerKey(s);
      (k.node.defaultChild as kms.CfnKey).addPropertyOverride('EnableKeyRotation', false);
      return k;
    },
  },
  {
    rule: 'KmsKeyRotation',
    form: 'token',
    title: 'rotation from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::KMS::Key', { EnableKeyRotation: param(s) }),
  },

  // KmsKeyPolicyNoUnconditionedWildcard
  { rule: 'KmsKeyPolicyNoUnconditionedWildcard', form: 'l2', title: 'default key policy', expect: C, build: (s) => customerKey(s) },
  {
    rule: 'KmsKeyPolicyNoUnconditionedWildcard',
    form: 'l2',
    title: 'AnyPrincipal without condition',
    expect: NC,
    build: (s) => {
      const k = customerKey(s);
      k.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['kms:Decrypt'], resources: ['*'] }));
      return k;
    },
  },
  {
    rule: 'KmsKeyPolicyNoUnconditionedWildcard',
    form: 'l2',
    title: 'AnyPrincipal constrained by kms:CallerAccount',
    expect: C,
    build: (s) => {
      const k = customerKey(s);
      k.addToResourcePolicy(new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:CallerAccount': '111122223333' } },
      }));
      return k;
    },
  },
  {
    rule: 'KmsKeyPolicyNoUnconditionedWildcard',
    form: 'plain',
    title: 'plain key with Principal "*"',
    expect: NC,
    build: (s) => plain(s, 'AWS::KMS::Key', { KeyPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }] } }),
  },
  {
    rule: 'KmsKeyPolicyNoUnconditionedWildcard',
    form: 'override',
    title: 'override opens the root statement to everyone',
    expect: NC,
    build: (s) => {
      const k = customerKey(s);
      (k.node.defaultChild as kms.CfnKey).addPropertyOverride('KeyPolicy.Statement.0.Principal', { AWS: '*' });
      return k;
    },
  },
  {
    rule: 'KmsKeyPolicyNoUnconditionedWildcard',
    form: 'token',
    title: 'key policy imported at deploy time',
    expect: UNV,
    build: (s) => plain(s, 'AWS::KMS::Key', { KeyPolicy: Fn.importValue('Policy') }),
  },

  // KmsKeyRetained
  { rule: 'KmsKeyRetained', form: 'l2', title: 'kms.Key default (RETAIN)', expect: C, build: (s) => customerKey(s) },
  {
    rule: 'KmsKeyRetained',
    form: 'l2',
    title: 'kms.Key with DESTROY',
    expect: NC,
    build: (s) => new kms.Key(s, 'Key', { enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY }),
  },
  {
    rule: 'KmsKeyRetained',
    form: 'plain',
    title: 'plain key without DeletionPolicy',
    expect: NC,
    detail: /DeletionPolicy/,
    build: (s) => plain(s, 'AWS::KMS::Key', {}),
  },
  {
    rule: 'KmsKeyRetained',
    form: 'override',
    title: 'override deletes on replacement',
    expect: NC,
    detail: /UpdateReplacePolicy/,
    build: (s) => {
      const k = customerKey(s);
      (k.node.defaultChild as kms.CfnKey).addOverride('UpdateReplacePolicy', 'Delete');
      return k;
    },
  },
  {
    rule: 'KmsKeyRetained',
    form: 'token',
    title: 'retained key whose rotation is a parameter',
    expect: C,
    build: (s) => {
      const k = plain(s, 'AWS::KMS::Key', { EnableKeyRotation: param(s) });
      k.applyRemovalPolicy(RemovalPolicy.RETAIN);
      return k;
    },
  },

  // BackupVaultCustomerManagedKey
  {
    rule: 'BackupVaultCustomerManagedKey',
    form: 'l2',
    title: 'vault with a CMK',
    expect: C,
    build: (s) => new backup.BackupVault(s, 'Vault', { encryptionKey: customerKey(s) }),
  },
  {
    rule: 'BackupVaultCustomerManagedKey',
    form: 'l2',
    title: 'vault with the default key',
    expect: NC,
    build: (s) => new backup.BackupVault(s, 'Vault'),
  },
  {
    rule: 'BackupVaultCustomerManagedKey',
    form: 'plain',
    title: 'plain vault on alias/aws/backup',
    expect: NC,
    build: (s) => plain(s, 'AWS::Backup::BackupVault', { BackupVaultName: 'v', EncryptionKeyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/aws/backup' }),
  },
  {
    rule: 'BackupVaultCustomerManagedKey',
    form: 'override',
    title: 'override to the AWS-managed key',
    expect: NC,
    build: (s) => {
      const v = new backup.BackupVault(s, 'Vault', { encryptionKey: customerKey(s) });
      (v.node.defaultChild as backup.CfnBackupVault).addPropertyOverride('EncryptionKeyArn', 'alias/aws/backup');
      return v;
    },
  },
  {
    rule: 'BackupVaultCustomerManagedKey',
    form: 'token',
    title: 'vault key from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::Backup::BackupVault', { BackupVaultName: 'v', EncryptionKeyArn: param(s) }),
  },

  // BucketCustomerManagedKey
  {
    rule: 'BucketCustomerManagedKey',
    form: 'l2',
    title: 'SSE-KMS with a CMK',
    expect: C,
    build: (s) => new s3.Bucket(s, 'Bucket', { encryption: s3.BucketEncryption.KMS, encryptionKey: customerKey(s) }),
  },
  {
    rule: 'BucketCustomerManagedKey',
    form: 'l2',
    title: 'SSE-S3',
    expect: NC,
    detail: /AES256/,
    build: (s) => new s3.Bucket(s, 'Bucket', { encryption: s3.BucketEncryption.S3_MANAGED }),
  },
  {
    rule: 'BucketCustomerManagedKey',
    form: 'l2',
    title: 'SSE-KMS with the AWS-managed key',
    expect: NC,
    build: (s) => new s3.Bucket(s, 'Bucket', { encryption: s3.BucketEncryption.KMS_MANAGED }),
  },
  {
    rule: 'BucketCustomerManagedKey',
    form: 'plain',
    title: 'plain bucket with an imported CMK',
    expect: C,
    build: (s) => plain(s, 'AWS::S3::Bucket', { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: CMK_ARN } }] } }),
  },
  {
    rule: 'BucketCustomerManagedKey',
    form: 'plain',
    title: 'plain bucket without encryption settings',
    expect: NC,
    build: (s) => plain(s, 'AWS::S3::Bucket', {}),
  },
  {
    rule: 'BucketCustomerManagedKey',
    form: 'override',
    title: 'override to AES256',
    expect: NC,
    build: (s) => {
      const b = new s3.Bucket(s, 'Bucket', { encryption: s3.BucketEncryption.KMS, encryptionKey: customerKey(s) });
      (b.node.defaultChild as s3.CfnBucket).addPropertyOverride('BucketEncryption.ServerSideEncryptionConfiguration.0.ServerSideEncryptionByDefault.SSEAlgorithm', 'AES256');
      return b;
    },
  },
  {
    rule: 'BucketCustomerManagedKey',
    form: 'token',
    title: 'bucket key from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::S3::Bucket', { BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: param(s) } }] } }),
  },

  // LogGroupCustomerManagedKey
  {
    rule: 'LogGroupCustomerManagedKey',
    form: 'l2',
    title: 'log group with a CMK',
    expect: C,
    build: (s) => new logs.LogGroup(s, 'Logs', { encryptionKey: customerKey(s) }),
  },
  { rule: 'LogGroupCustomerManagedKey', form: 'l2', title: 'log group without a key', expect: NC, build: (s) => new logs.LogGroup(s, 'Logs') },
  {
    rule: 'LogGroupCustomerManagedKey',
    form: 'plain',
    title: 'plain log group with an imported CMK',
    expect: C,
    build: (s) => plain(s, 'AWS::Logs::LogGroup', { KmsKeyId: CMK_ARN }),
  },
  {
    rule: 'LogGroupCustomerManagedKey',
    form: 'override',
    title: 'override removes the key',
    expect: NC,
    build: (s) => {
      const l = new logs.LogGroup(s, 'Logs', { encryptionKey: customerKey(s) });
      (l.node.defaultChild as logs.CfnLogGroup).addPropertyDeletionOverride('KmsKeyId');
      return l;
    },
  },
  {
    rule: 'LogGroupCustomerManagedKey',
    form: 'token',
    title: 'log group key from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::Logs::LogGroup', { KmsKeyId: param(s) }),
  },

  // SecretCustomerManagedKey
  {
    rule: 'SecretCustomerManagedKey',
    form: 'l2',
    title: 'secret with a CMK',
    expect: C,
    build: (s) => new secretsmanager.Secret(s, 'Secret', { encryptionKey: customerKey(s) }),
  },
  { rule: 'SecretCustomerManagedKey', form: 'l2', title: 'secret with aws/secretsmanager', expect: NC, build: (s) => new secretsmanager.Secret(s, 'Secret') },
  {
    rule: 'SecretCustomerManagedKey',
    form: 'plain',
    title: 'plain secret on alias/aws/secretsmanager',
    expect: NC,
    build: (s) => plain(s, 'AWS::SecretsManager::Secret', { KmsKeyId: 'alias/aws/secretsmanager' }),
  },
  {
    rule: 'SecretCustomerManagedKey',
    form: 'override',
    title: 'override adds a CMK',
    expect: C,
    build: (s) => {
      const sec = new secretsmanager.Secret(s, 'Secret');
      (sec.node.defaultChild as secretsmanager.CfnSecret).addPropertyOverride('KmsKeyId', customerKey(s).keyArn);
      return sec;
    },
  },
  {
    rule: 'SecretCustomerManagedKey',
    form: 'token',
    title: 'secret key from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::SecretsManager::Secret', { KmsKeyId: param(s) }),
  },

  // TopicCustomerManagedKey
  {
    rule: 'TopicCustomerManagedKey',
    form: 'l2',
    title: 'topic with a CMK',
    expect: C,
    build: (s) => new sns.Topic(s, 'Topic', { masterKey: customerKey(s) }),
  },
  { rule: 'TopicCustomerManagedKey', form: 'l2', title: 'unencrypted topic', expect: NC, build: (s) => new sns.Topic(s, 'Topic') },
  {
    rule: 'TopicCustomerManagedKey',
    form: 'plain',
    title: 'plain topic on alias/aws/sns',
    expect: NC,
    build: (s) => plain(s, 'AWS::SNS::Topic', { KmsMasterKeyId: 'alias/aws/sns' }),
  },
  {
    rule: 'TopicCustomerManagedKey',
    form: 'override',
    title: 'override to alias/aws/sns',
    expect: NC,
    build: (s) => {
      const t = new sns.Topic(s, 'Topic', { masterKey: customerKey(s) });
      (t.node.defaultChild as sns.CfnTopic).addPropertyOverride('KmsMasterKeyId', 'alias/aws/sns');
      return t;
    },
  },
  {
    rule: 'TopicCustomerManagedKey',
    form: 'token',
    title: 'topic key from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::SNS::Topic', { KmsMasterKeyId: param(s) }),
  },

  // SecretValueGenerated (G2, kept here with the other secret cases)
  { rule: 'SecretValueGenerated', form: 'l2', title: 'generated secret', expect: C, build: (s) => new secretsmanager.Secret(s, 'Secret') },
  {
    rule: 'SecretValueGenerated',
    form: 'l2',
    title: 'unsafe plaintext value',
    expect: NC,
    build: (s) => new secretsmanager.Secret(s, 'Secret', { secretStringValue: SecretValue.unsafePlainText('hunter2') }),
  },
  {
    rule: 'SecretValueGenerated',
    form: 'plain',
    title: 'plain SecretString literal',
    expect: NC,
    build: (s) => plain(s, 'AWS::SecretsManager::Secret', { SecretString: '{"password":"hunter2"}' }),
  },
  {
    rule: 'SecretValueGenerated',
    form: 'override',
    title: 'override replaces generation by a literal',
    expect: NC,
    build: (s) => {
      const sec = new secretsmanager.Secret(s, 'Secret');
      const cfn = sec.node.defaultChild as secretsmanager.CfnSecret;
      cfn.addPropertyDeletionOverride('GenerateSecretString');
      cfn.addPropertyOverride('SecretString', 'hunter2');
      return sec;
    },
  },
  {
    rule: 'SecretValueGenerated',
    form: 'token',
    title: 'SecretString from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::SecretsManager::Secret', { SecretString: param(s) }),
  },
];
