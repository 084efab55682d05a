/**
 * Each live check's compliant and non-compliant answers, with the AWS SDK clients mocked
 * (aws-sdk-client-mock): what `verify` concludes from each API answer.
 */
import { BackupClient, DescribeBackupVaultCommand } from '@aws-sdk/client-backup';
import { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand, DescribeVolumesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetDocumentCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError, CMK_ARN, mockedClients, AWS_MANAGED_ARN } from './support/mocks';
import { RuleStatus } from '../../lib/nag/evidence';
import { trailCheck, loadBalancerCheck, sessionDocumentCheck } from '../../lib/verify/checks/audit';
import { instanceCheck, securityGroupCheck, volumeCheck } from '../../lib/verify/checks/ec2';
import { kmsKeyCheck } from '../../lib/verify/checks/kms';
import { backupVaultCheck, bucketCheck, logGroupCheck, secretCheck, topicCheck } from '../../lib/verify/checks/storage';
import { CheckContext, CheckOptions, ResourceCheck } from '../../lib/verify/context';

const mocks = {
  kms: mockClient(KMSClient),
  ec2: mockClient(EC2Client),
  logs: mockClient(CloudWatchLogsClient),
  secrets: mockClient(SecretsManagerClient),
  sns: mockClient(SNSClient),
  s3: mockClient(S3Client),
  backup: mockClient(BackupClient),
  cloudtrail: mockClient(CloudTrailClient),
  ssm: mockClient(SSMClient),
  elbv2: mockClient(ElasticLoadBalancingV2Client),
};

beforeEach(() => {
  Object.values(mocks).forEach((m) => m.reset());
  // Keys: the customer-managed one is enabled; the AWS managed one is AWS's.
  mocks.kms.on(DescribeKeyCommand, { KeyId: CMK_ARN }).resolves({ KeyMetadata: { KeyId: 'k', KeyManager: 'CUSTOMER', KeyState: 'Enabled' } });
  mocks.kms.on(DescribeKeyCommand, { KeyId: AWS_MANAGED_ARN }).resolves({ KeyMetadata: { KeyId: 'a', KeyManager: 'AWS', KeyState: 'Enabled' } });
});

async function run(check: ResourceCheck, physicalId: string, options: Partial<CheckOptions> = {}) {
  const context = new CheckContext(mockedClients(), { databasePort: 5432, allowedNetworks: [], throttleDelayMs: 1, ...options });
  const outcomes = await check.check({ stackName: 'S', stackId: 'arn:s', logicalId: 'L', physicalId, type: check.resourceType }, context);
  return Object.fromEntries(outcomes.map((o) => [o.rule, o]));
}

const OK = { status: RuleStatus.COMPLIANT };
const BAD = (detail: RegExp) => expect.objectContaining({ status: RuleStatus.NON_COMPLIANT, detail: expect.stringMatching(detail) });

describe('KMS keys', () => {
  const key = (metadata: object, rotation: boolean, policy: object) => {
    mocks.kms.on(DescribeKeyCommand, { KeyId: 'key-1' }).resolves({
      KeyMetadata: { KeyId: 'key-1', KeyManager: 'CUSTOMER', KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT', ...metadata },
    });
    mocks.kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: rotation });
    mocks.kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify(policy) });
  };
  const accountOnly = { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' }] };

  test('an enabled symmetric customer-managed key with rotation and a named principal complies', async () => {
    key({}, true, accountOnly);
    expect(await run(kmsKeyCheck, 'key-1')).toEqual({
      KmsKeyCustomerManagedAes256: expect.objectContaining(OK),
      KmsKeyRotation: expect.objectContaining(OK),
      KmsKeyPolicyNoUnconditionedWildcard: expect.objectContaining(OK),
    });
  });

  test('rotation switched off, a disabled or asymmetric key and an open policy are non-compliant', async () => {
    key({ KeyState: 'Disabled', KeySpec: 'RSA_2048' }, false, { Statement: [{ Sid: 'Open', Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt' }] });
    expect(await run(kmsKeyCheck, 'key-1')).toEqual({
      KmsKeyCustomerManagedAes256: BAD(/KeyState is Disabled; KeySpec is RSA_2048/),
      KmsKeyRotation: BAD(/rotation is off/),
      KmsKeyPolicyNoUnconditionedWildcard: BAD(/statement Open allows Principal "\*" without a Condition/),
    });
  });

  test('Principal "*" constrained by a condition complies', async () => {
    key({}, true, { Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Condition: { StringEquals: { 'kms:CallerAccount': '1' } } }] });
    expect((await run(kmsKeyCheck, 'key-1')).KmsKeyPolicyNoUnconditionedWildcard).toMatchObject(OK);
  });
});

describe('EBS volumes and instances', () => {
  test('a volume under the customer-managed key complies; unencrypted or under an AWS managed key does not', async () => {
    mocks.ec2.on(DescribeVolumesCommand, { VolumeIds: ['vol-1'] }).resolves({ Volumes: [{ VolumeId: 'vol-1', Encrypted: true, KmsKeyId: CMK_ARN }] });
    mocks.ec2.on(DescribeVolumesCommand, { VolumeIds: ['vol-2'] }).resolves({ Volumes: [{ VolumeId: 'vol-2', Encrypted: false }] });
    mocks.ec2.on(DescribeVolumesCommand, { VolumeIds: ['vol-3'] }).resolves({ Volumes: [{ VolumeId: 'vol-3', Encrypted: true, KmsKeyId: AWS_MANAGED_ARN }] });
    expect((await run(volumeCheck, 'vol-1')).VolumeCustomerManagedKey).toMatchObject(OK);
    expect((await run(volumeCheck, 'vol-2')).VolumeCustomerManagedKey).toEqual(BAD(/not encrypted/));
    expect((await run(volumeCheck, 'vol-3')).VolumeCustomerManagedKey).toEqual(BAD(/AWS managed key/));
  });

  const instance = (extra: object) => mocks.ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [{
      Instances: [{
        InstanceId: 'i-1',
        RootDeviceName: '/dev/xvda',
        MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled' },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-root' } }, { DeviceName: '/dev/sdf', Ebs: { VolumeId: 'vol-data' } }],
        ...extra,
      }],
    }],
  });

  test('IMDSv2, no public IP, no key pair and encrypted root and data volumes comply', async () => {
    instance({});
    mocks.ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [{ VolumeId: 'vol-root', Encrypted: true, KmsKeyId: CMK_ARN }, { VolumeId: 'vol-data', Encrypted: true, KmsKeyId: CMK_ARN }],
    });
    expect(await run(instanceCheck, 'i-1')).toEqual({
      InstanceImdsV2: expect.objectContaining(OK),
      InstanceNoPublicIp: expect.objectContaining(OK),
      NoSshKeyPair: expect.objectContaining(OK),
      BlockDeviceCustomerManagedKey: expect.objectContaining({ ...OK, detail: '2 volume(s) under customer-managed keys' }),
    });
  });

  test('IMDSv1, a public IP, a key pair and an unencrypted root volume are each reported', async () => {
    instance({ MetadataOptions: { HttpTokens: 'optional' }, PublicIpAddress: '203.0.113.7', KeyName: 'ops' });
    mocks.ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [{ VolumeId: 'vol-root', Encrypted: false }, { VolumeId: 'vol-data', Encrypted: true, KmsKeyId: CMK_ARN }],
    });
    expect(await run(instanceCheck, 'i-1')).toEqual({
      InstanceImdsV2: BAD(/HttpTokens is optional/),
      InstanceNoPublicIp: BAD(/203\.0\.113\.7/),
      NoSshKeyPair: BAD(/key pair 'ops'/),
      BlockDeviceCustomerManagedKey: BAD(/^root volume vol-root \(\/dev\/xvda\): not encrypted$/),
    });
  });
});

describe('security groups', () => {
  const group = (...IpPermissions: object[]) => mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-1', IpPermissions }] });
  const tcp = (port: number, cidr: string) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: cidr }] });

  test('the database port from a peered private network complies', async () => {
    group(tcp(5432, '10.20.0.0/16'), { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-app' }] });
    expect(await run(securityGroupCheck, 'sg-1')).toEqual({
      IngressNotFromAnywhere: expect.objectContaining(OK),
      DatabaseIngressFromAllowedNetworks: expect.objectContaining(OK),
      NoRemoteShellIngress: expect.objectContaining(OK),
    });
  });

  test('the database port opened to the internet behind CloudFormation\'s back is reported twice', async () => {
    group(tcp(5432, '10.20.0.0/16'), { IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }, tcp(5432, '0.0.0.0/0'));
    const results = await run(securityGroupCheck, 'sg-1');
    expect(results.IngressNotFromAnywhere).toEqual(BAD(/tcp 5432 from ::\/0, tcp 5432 from 0\.0\.0\.0\/0/));
    expect(results.DatabaseIngressFromAllowedNetworks).toEqual(BAD(/port 5432 is open to .*0\.0\.0\.0\/0; allowed: private address ranges/));
  });

  test('with --allowed-network, another private network on the database port is non-compliant', async () => {
    group(tcp(5432, '10.20.0.0/16'), tcp(5432, '10.30.1.0/24'));
    const results = await run(securityGroupCheck, 'sg-1', { allowedNetworks: ['10.20.0.0/16'] });
    expect(results.IngressNotFromAnywhere).toMatchObject(OK);
    expect(results.DatabaseIngressFromAllowedNetworks).toEqual(BAD(/open to 10\.30\.1\.0\/24; allowed: 10\.20\.0\.0\/16/));
  });

  test('SSH from a private network, and all traffic, are remote-shell ingress; a group without the database port is not judged on it', async () => {
    group(tcp(22, '10.0.0.0/8'));
    const ssh = await run(securityGroupCheck, 'sg-1');
    expect(ssh.NoRemoteShellIngress).toEqual(BAD(/port 22 from 10\.0\.0\.0\/8/));
    expect(ssh.DatabaseIngressFromAllowedNetworks).toBeUndefined();
    group({ IpProtocol: '-1', IpRanges: [{ CidrIp: '192.168.0.0/16' }] });
    expect((await run(securityGroupCheck, 'sg-1')).NoRemoteShellIngress).toEqual(BAD(/port 22 from 192\.168\.0\.0\/16, port 3389 from 192\.168\.0\.0\/16/));
  });

  test('ingress from a prefix list cannot be judged without its entries: unverifiable, never compliant', async () => {
    // CloudFront's origin-facing list is public address space; a customer-managed list may hold 0.0.0.0/0.
    group({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: 'pl-3b927c52' }] });
    expect((await run(securityGroupCheck, 'sg-1')).IngressNotFromAnywhere)
      .toMatchObject({ status: RuleStatus.UNVERIFIABLE, detail: 'ingress tcp 443 from pl-3b927c52: prefix list(s) not expanded' });
    // A public range beside it is still a finding.
    group({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: 'pl-1' }] }, tcp(443, '0.0.0.0/1'));
    expect((await run(securityGroupCheck, 'sg-1')).IngressNotFromAnywhere).toEqual(BAD(/tcp 443 from 0\.0\.0\.0\/1/));
  });
});

describe('log groups, secrets, topics', () => {
  test('customer-managed keys comply; no key or the AWS managed key does not', async () => {
    mocks.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: 'lg-1', kmsKeyId: CMK_ARN }, { logGroupName: 'lg-10' }] });
    expect((await run(logGroupCheck, 'lg-1')).LogGroupCustomerManagedKey).toMatchObject(OK);
    expect((await run(logGroupCheck, 'lg-10')).LogGroupCustomerManagedKey).toEqual(BAD(/not encrypted with a KMS key/));
    expect((await run(logGroupCheck, 'lg-gone')).LogGroupCustomerManagedKey).toMatchObject({ status: RuleStatus.UNVERIFIABLE, detail: 'the log group no longer exists' });

    mocks.secrets.on(DescribeSecretCommand, { SecretId: 's-1' }).resolves({ KmsKeyId: CMK_ARN });
    mocks.secrets.on(DescribeSecretCommand, { SecretId: 's-2' }).resolves({});
    expect((await run(secretCheck, 's-1')).SecretCustomerManagedKey).toMatchObject(OK);
    expect((await run(secretCheck, 's-2')).SecretCustomerManagedKey).toEqual(BAD(/aws\/secretsmanager/));

    mocks.sns.on(GetTopicAttributesCommand, { TopicArn: 't-1' }).resolves({ Attributes: { KmsMasterKeyId: CMK_ARN } });
    mocks.sns.on(GetTopicAttributesCommand, { TopicArn: 't-2' }).resolves({ Attributes: { KmsMasterKeyId: 'alias/aws/sns' } });
    expect((await run(topicCheck, 't-1')).TopicCustomerManagedKey).toMatchObject(OK);
    expect((await run(topicCheck, 't-2')).TopicCustomerManagedKey).toEqual(BAD(/AWS managed key alias\/aws\/sns/));
  });
});

describe('buckets', () => {
  test('SSE-KMS with the customer-managed key, all public access blocked and a TLS-only policy comply', async () => {
    mocks.s3.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: CMK_ARN } }] },
    });
    mocks.s3.on(GetPublicAccessBlockCommand).resolves({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    });
    mocks.s3.on(GetBucketPolicyCommand).resolves({
      Policy: JSON.stringify({ Statement: [{ Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] }),
    });
    expect(await run(bucketCheck, 'b')).toEqual({
      BucketCustomerManagedKey: expect.objectContaining(OK),
      BucketBlocksPublicAccess: expect.objectContaining(OK),
      BucketDeniesInsecureTransport: expect.objectContaining(OK),
    });
  });

  test('a TLS Deny counts only when it covers the bucket and every object, with no other condition', async () => {
    mocks.s3.on(GetBucketEncryptionCommand).resolves({});
    mocks.s3.on(GetPublicAccessBlockCommand).resolves({});
    const policy = (statement: object) => mocks.s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify({ Statement: [statement] }) });
    const deny = { Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
    const judged = async () => (await run(bucketCheck, 'backups')).BucketDeniesInsecureTransport;
    for (const Resource of [['arn:aws:s3:::backups', 'arn:aws:s3:::backups/*'], 'arn:aws:s3:::backups*', '*', ['arn:aws-cn:s3:::back?ps', 'arn:aws-cn:s3:::b*']]) {
      policy({ ...deny, Resource });
      expect({ Resource, judged: await judged() }).toEqual({ Resource, judged: expect.objectContaining(OK) });
    }
    for (const Resource of ['arn:aws:s3:::other', ['arn:aws:s3:::other', 'arn:aws:s3:::other/*'], 'arn:aws:s3:::backups', 'arn:aws:s3:::backups/*',
      ['arn:aws:s3:::backups', 'arn:aws:s3:::backups/public/*']]) {
      policy({ ...deny, Resource });
      expect({ Resource, judged: await judged() }).toEqual({ Resource, judged: BAD(/on the bucket and all its objects/) });
    }
    // Narrowed to one account's principals, plaintext requests from every other account get through.
    policy({ ...deny, Resource: '*', Condition: { ...deny.Condition, StringEquals: { 'aws:PrincipalAccount': '999999999999' } } });
    expect(await judged()).toEqual(BAD(/with no other condition/));
    policy({ ...deny, Resource: '*', Condition: { BoolIfExists: { 'aws:SecureTransport': false } } });
    expect(await judged()).toMatchObject(OK);
  });

  test('SSE-S3, a missing public access block and a missing policy are non-compliant', async () => {
    mocks.s3.on(GetBucketEncryptionCommand).resolves({ ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } });
    mocks.s3.on(GetPublicAccessBlockCommand).rejects(awsError('NoSuchPublicAccessBlockConfiguration', 'not found'));
    mocks.s3.on(GetBucketPolicyCommand).rejects(awsError('NoSuchBucketPolicy', 'The bucket policy does not exist'));
    expect(await run(bucketCheck, 'b')).toEqual({
      BucketCustomerManagedKey: BAD(/default encryption is AES256/),
      BucketBlocksPublicAccess: BAD(/no Block Public Access configuration/),
      BucketDeniesInsecureTransport: BAD(/no policy/),
    });
  });
});

describe('backup vaults, trails, session documents, load balancers', () => {
  test('compliant answers', async () => {
    mocks.backup.on(DescribeBackupVaultCommand).resolves({ EncryptionKeyArn: CMK_ARN, Locked: true, MinRetentionDays: 7 });
    mocks.cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [{ Name: 't', TrailARN: 'arn:t', LogFileValidationEnabled: true, KmsKeyId: CMK_ARN }] });
    mocks.cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: true });
    mocks.ssm.on(GetDocumentCommand).resolves({
      DocumentType: 'Session',
      Content: JSON.stringify({ inputs: { cloudWatchLogGroupName: 'sessions', cloudWatchEncryptionEnabled: true, kmsKeyId: CMK_ARN } }),
    });
    mocks.elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ Scheme: 'internal' }] });
    expect(await run(backupVaultCheck, 'v')).toEqual({
      BackupVaultCustomerManagedKey: expect.objectContaining(OK), BackupVaultLocked: expect.objectContaining(OK),
    });
    expect((await run(trailCheck, 't')).CloudTrailLoggingValidatedEncrypted).toMatchObject(OK);
    expect((await run(sessionDocumentCheck, 'd')).SessionDocumentEncryptedLogging).toMatchObject(OK);
    expect((await run(loadBalancerCheck, 'arn:lb')).LoadBalancerInternal).toMatchObject(OK);
  });

  test('non-compliant answers', async () => {
    mocks.backup.on(DescribeBackupVaultCommand).resolves({ EncryptionKeyArn: AWS_MANAGED_ARN, Locked: false });
    mocks.cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [{ Name: 't', LogFileValidationEnabled: false }] });
    mocks.cloudtrail.on(GetTrailStatusCommand).resolves({ IsLogging: false });
    mocks.ssm.on(GetDocumentCommand).resolves({ DocumentType: 'Session', Content: JSON.stringify({ inputs: { s3BucketName: 'b', s3EncryptionEnabled: false } }) });
    mocks.elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [{ Scheme: 'internet-facing' }] });
    expect(await run(backupVaultCheck, 'v')).toEqual({ BackupVaultCustomerManagedKey: BAD(/AWS managed key/), BackupVaultLocked: BAD(/no Vault Lock/) });
    expect((await run(trailCheck, 't')).CloudTrailLoggingValidatedEncrypted).toEqual(
      BAD(/^not logging; log file validation off; log files not encrypted with a KMS key/));
    expect((await run(sessionDocumentCheck, 'd')).SessionDocumentEncryptedLogging).toEqual(
      BAD(/S3 destination with s3EncryptionEnabled false; no kmsKeyId/));
    expect((await run(loadBalancerCheck, 'arn:lb')).LoadBalancerInternal).toEqual(BAD(/internet-facing/));
  });

  test('a document that is not a session document is not judged', async () => {
    mocks.ssm.on(GetDocumentCommand).resolves({ DocumentType: 'Command', Content: '{}' });
    expect(await run(sessionDocumentCheck, 'd')).toEqual({});
  });

  test('a Port session document, which Session Manager never logs, is not judged for logging, as at synth', async () => {
    mocks.ssm.on(GetDocumentCommand).resolves({ DocumentType: 'Session', Content: "schemaVersion: '1.0'\nsessionType: Port\n" });
    expect(await run(sessionDocumentCheck, 'd')).toEqual({});
  });

  test('YAML content is read as YAML, a decoy outside inputs included', async () => {
    mocks.ssm.on(GetDocumentCommand).resolves({
      DocumentType: 'Session',
      Content: `schemaVersion: '1.0'\nsessionType: Standard_Stream\ninputs:\n  cloudWatchLogGroupName: sessions\n  cloudWatchEncryptionEnabled: false\n  kmsKeyId: ${CMK_ARN}\nnotes:\n  cloudWatchEncryptionEnabled: true\n`,
    });
    expect((await run(sessionDocumentCheck, 'd')).SessionDocumentEncryptedLogging).toEqual(BAD(/cloudWatchEncryptionEnabled false/));
  });
});
