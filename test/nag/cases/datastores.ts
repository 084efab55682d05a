import { Fn, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as dax from 'aws-cdk-lib/aws-dax';
import * as docdb from 'aws-cdk-lib/aws-docdb';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as memorydb from 'aws-cdk-lib/aws-memorydb';
import * as msk from 'aws-cdk-lib/aws-msk';
import * as aoss from 'aws-cdk-lib/aws-opensearchserverless';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { C, NA, NC, RuleCase, UNV } from './types';
import { CMK_ARN, customerKey, param, plain } from '../helpers';

const rdsInstance = (s: any, props: Partial<rds.CfnDBInstanceProps> = {}) =>
  new rds.CfnDBInstance(s, 'Db', { engine: 'postgres', engineVersion: '16.4', dbInstanceClass: 'db.t4g.micro', allocatedStorage: '20', ...props });
const auroraCluster = (s: any, props: Partial<rds.CfnDBClusterProps> = {}) =>
  new rds.CfnDBCluster(s, 'Cluster', { engine: 'aurora-postgresql', ...props });
const pgGroup = (s: any, family: string, parameters?: { [k: string]: string }) =>
  new rds.CfnDBParameterGroup(s, 'Params', { family, description: 'params', parameters });
const clusterGroup = (s: any, family: string, parameters?: { [k: string]: string }) =>
  new rds.CfnDBClusterParameterGroup(s, 'ClusterParams', { family, description: 'params', parameters: parameters ?? {} });
const domain = (s: any, props: Partial<opensearch.CfnDomainProps> = {}) => new opensearch.CfnDomain(s, 'Domain', {
  encryptionAtRestOptions: { enabled: true, kmsKeyId: customerKey(s).keyId },
  domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: 'Policy-Min-TLS-1-2-PFS-2023-10' },
  nodeToNodeEncryptionOptions: { enabled: true },
  ...props,
});
const replicationGroup = (s: any, props: Partial<elasticache.CfnReplicationGroupProps> = {}) =>
  new elasticache.CfnReplicationGroup(s, 'Cache', {
    replicationGroupDescription: 'cache',
    engine: 'valkey',
    cacheNodeType: 'cache.t4g.micro',
    atRestEncryptionEnabled: true,
    kmsKeyId: customerKey(s).keyId,
    transitEncryptionEnabled: true,
    ...props,
  });
const kafka = (s: any, encryptionInfo: any) => new msk.CfnCluster(s, 'Kafka', {
  clusterName: 'k',
  kafkaVersion: '3.6.0',
  numberOfBrokerNodes: 3,
  brokerNodeGroupInfo: { clientSubnets: ['subnet-1', 'subnet-2', 'subnet-3'], instanceType: 'kafka.m5.large' },
  encryptionInfo,
});
const launchTemplate = (s: any, data: any) => new ec2.CfnLaunchTemplate(s, 'Template', { launchTemplateData: { imageId: 'ami-12345678', ...data } });
const group = (s: any, lt: ec2.CfnLaunchTemplate) => new autoscaling.CfnAutoScalingGroup(s, 'Group', {
  minSize: '1',
  maxSize: '1',
  availabilityZones: ['eu-west-1a'],
  launchTemplate: { launchTemplateId: lt.ref, version: lt.attrLatestVersionNumber },
});
/** VPC placement for L2 databases: isolated subnets only. */
const isolated = (s: any) => ({
  vpc: new ec2.Vpc(s, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] }),
  vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
});
const docCluster = (s: any, props: Partial<docdb.CfnDBClusterProps> = {}) =>
  new docdb.CfnDBCluster(s, 'Docs', { masterUsername: 'admin', manageMasterUserPassword: true, masterUserSecretKmsKeyId: customerKey(s, 'SecretKey').keyArn, ...props });
const memoryCluster = (s: any, props: Partial<memorydb.CfnClusterProps> = {}) =>
  new memorydb.CfnCluster(s, 'Memory', { clusterName: 'm', nodeType: 'db.t4g.small', aclName: 'open-access', kmsKeyId: customerKey(s).keyId, ...props });
const daxCluster = (s: any, props: Partial<dax.CfnClusterProps> = {}) =>
  new dax.CfnCluster(s, 'Dax', { iamRoleArn: 'arn:aws:iam::111122223333:role/dax', nodeType: 'dax.t3.small', replicationFactor: 1, sseSpecification: { sseEnabled: true }, ...props });
const deliveryStream = (s: any, props: Partial<firehose.CfnDeliveryStreamProps> = {}) => new firehose.CfnDeliveryStream(s, 'Firehose', {
  deliveryStreamEncryptionConfigurationInput: { keyType: 'CUSTOMER_MANAGED_CMK', keyArn: customerKey(s).keyArn },
  ...props,
});
/** An OpenSearch Serverless encryption policy over collection/logs*. */
const encryptionPolicy = (s: any, key: object) => new aoss.CfnSecurityPolicy(s, 'Encryption', {
  name: 'logs',
  type: 'encryption',
  policy: s.toJsonString({ Rules: [{ ResourceType: 'collection', Resource: ['collection/logs*'] }], ...key }),
});
const encryptedRoot = (kmsKeyId: any) => ({ blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { encrypted: true, kmsKeyId } }] });

export const DATASTORE_CASES: RuleCase[] = [
  // DataStoreCustomerManagedKey: DocumentDB, Neptune and global databases
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'DocumentDB under a key of the stack, its master secret too',
    expect: C,
    build: (s) => docCluster(s, { storageEncrypted: true, kmsKeyId: customerKey(s).keyArn }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'DocumentDB without storage encryption',
    expect: NC,
    detail: /StorageEncrypted is not set/,
    build: (s) => docCluster(s),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'DocumentDB encrypted under aws/rds',
    expect: NC,
    detail: /KmsKeyId is not set/,
    build: (s) => docCluster(s, { storageEncrypted: true }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'DocumentDB master secret under aws/secretsmanager',
    expect: NC,
    detail: /MasterUserSecretKmsKeyId is not set/,
    build: (s) => docCluster(s, { storageEncrypted: true, kmsKeyId: customerKey(s).keyArn, masterUserSecretKmsKeyId: undefined }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'override',
    title: 'override turns DocumentDB storage encryption off',
    expect: NC,
    detail: /StorageEncrypted is false/,
    build: (s) => {
      const c = docCluster(s, { storageEncrypted: true, kmsKeyId: customerKey(s).keyArn });
      c.addPropertyOverride('StorageEncrypted', false);
      return c;
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'token',
    title: 'DocumentDB key from a parameter',
    expect: UNV,
    detail: /parameter/,
    build: (s) => docCluster(s, { storageEncrypted: true, kmsKeyId: param(s) }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'DocumentDB elastic cluster under the AWS-owned key',
    expect: NC,
    detail: /KmsKeyId is not set/,
    build: (s) => plain(s, 'AWS::DocDBElastic::Cluster', { ClusterName: 'e', AdminUserName: 'a', AuthType: 'SECRET_ARN', ShardCapacity: 2, ShardCount: 1 }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'Neptune cluster under a key of the stack',
    expect: C,
    build: (s) => plain(s, 'AWS::Neptune::DBCluster', { StorageEncrypted: true, KmsKeyId: customerKey(s).keyArn }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'Neptune cluster without storage encryption',
    expect: NC,
    detail: /StorageEncrypted is not set/,
    build: (s) => plain(s, 'AWS::Neptune::DBCluster', {}),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'RDS global cluster with encrypted members',
    expect: C,
    build: (s) => new rds.CfnGlobalCluster(s, 'Global', { engine: 'aurora-postgresql', storageEncrypted: true }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'RDS global cluster whose members are unencrypted',
    expect: NC,
    detail: /StorageEncrypted is not set, so the member clusters are stored unencrypted/,
    build: (s) => new rds.CfnGlobalCluster(s, 'Global', { engine: 'aurora-postgresql' }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'RDS global cluster made from an unencrypted cluster of the stack',
    expect: NC,
    detail: /source Cluster: StorageEncrypted is not set/,
    build: (s) => new rds.CfnGlobalCluster(s, 'Global', { sourceDbClusterIdentifier: auroraCluster(s).ref }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'token',
    title: 'RDS global cluster made from a cluster outside the template',
    expect: UNV,
    build: (s) => new rds.CfnGlobalCluster(s, 'Global', { sourceDbClusterIdentifier: param(s) }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'DocumentDB global cluster whose members are unencrypted',
    expect: NC,
    detail: /member clusters are stored unencrypted/,
    build: (s) => plain(s, 'AWS::DocDB::GlobalCluster', { Engine: 'docdb', GlobalClusterIdentifier: 'g' }),
  },
  // DataStoreCustomerManagedKey: DAX, MemoryDB, Firehose, OpenSearch Serverless
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'DAX, which takes no customer-managed key',
    expect: NC,
    detail: /DAX encrypts at rest only under the AWS-managed key/,
    build: (s) => daxCluster(s),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'MemoryDB under a key of the stack',
    expect: C,
    build: (s) => memoryCluster(s),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'MemoryDB under the AWS-owned key',
    expect: NC,
    detail: /KmsKeyId is not set/,
    build: (s) => memoryCluster(s, { kmsKeyId: undefined }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'override',
    title: 'override puts MemoryDB under aws/memorydb',
    expect: NC,
    detail: /AWS-managed/,
    build: (s) => {
      const c = memoryCluster(s);
      c.addPropertyOverride('KmsKeyId', 'alias/aws/memorydb');
      return c;
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'MemoryDB snapshot under the AWS-owned key',
    expect: NC,
    detail: /KmsKeyId is not set/,
    build: (s) => plain(s, 'AWS::MemoryDB::Snapshot', { ClusterName: 'm' }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'Firehose buffering under a key of the stack',
    expect: C,
    build: (s) => deliveryStream(s),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'Firehose with no server-side encryption',
    expect: NC,
    detail: /buffered records are stored unencrypted/,
    build: (s) => deliveryStream(s, { deliveryStreamEncryptionConfigurationInput: undefined }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'Firehose under the AWS-owned key',
    expect: NC,
    detail: /KeyType is AWS_OWNED_CMK/,
    build: (s) => deliveryStream(s, { deliveryStreamEncryptionConfigurationInput: { keyType: 'AWS_OWNED_CMK' } }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'Firehose that has S3 encrypt what it delivers under aws/s3',
    expect: NC,
    detail: /ExtendedS3DestinationConfiguration\/EncryptionConfiguration\/KMSEncryptionConfig\/AWSKMSKeyARN is the AWS-managed/,
    build: (s) => deliveryStream(s, {
      extendedS3DestinationConfiguration: {
        bucketArn: 'arn:aws:s3:::deliveries',
        roleArn: 'arn:aws:iam::111122223333:role/firehose',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: 'arn:aws:kms:eu-west-1:111122223333:alias/aws/s3' } },
      },
    }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'Firehose that has S3 encrypt what it delivers under a key of the stack',
    expect: C,
    build: (s) => deliveryStream(s, {
      extendedS3DestinationConfiguration: {
        bucketArn: 'arn:aws:s3:::deliveries',
        roleArn: 'arn:aws:iam::111122223333:role/firehose',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: customerKey(s, 'DeliveryKey').keyArn } },
      },
    }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'RDS global cluster made from the ARN of an encrypted cluster of the stack',
    expect: C,
    build: (s) => {
      const primary = auroraCluster(s, { storageEncrypted: true, kmsKeyId: customerKey(s).keyArn });
      return new rds.CfnGlobalCluster(s, 'Global', { sourceDbClusterIdentifier: Fn.sub('arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Primary}', { Primary: primary.ref }) });
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'Firehose reading a Kinesis stream keeps nothing at rest',
    expect: NA,
    build: (s) => deliveryStream(s, {
      deliveryStreamType: 'KinesisStreamAsSource',
      deliveryStreamEncryptionConfigurationInput: undefined,
      kinesisStreamSourceConfiguration: { kinesisStreamArn: 'arn:aws:kinesis:eu-west-1:111122223333:stream/s', roleArn: 'arn:aws:iam::111122223333:role/f' },
    }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'token',
    title: 'Firehose key type from a parameter',
    expect: UNV,
    build: (s) => deliveryStream(s, { deliveryStreamEncryptionConfigurationInput: { keyType: param(s) } }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'OpenSearch Serverless encryption policy and collection under a key of the stack',
    expect: C,
    build: (s) => {
      encryptionPolicy(s, { AWSOwnedKey: false, KmsARN: customerKey(s).keyArn });
      return new aoss.CfnCollection(s, 'Logs', { name: 'logs-main' });
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'OpenSearch Serverless encryption policy under the AWS-owned key',
    expect: NC,
    detail: /AWSOwnedKey true/,
    build: (s) => encryptionPolicy(s, { AWSOwnedKey: true }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'OpenSearch Serverless collection covered by an AWS-owned-key policy',
    expect: NC,
    detail: /AWSOwnedKey true/,
    build: (s) => {
      encryptionPolicy(s, { AWSOwnedKey: true });
      return new aoss.CfnCollection(s, 'Logs', { name: 'logs-main' });
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'OpenSearch Serverless collection no policy of the stack covers',
    expect: UNV,
    detail: /no encryption policy of this stack covers collection\/metrics/,
    build: (s) => {
      encryptionPolicy(s, { AWSOwnedKey: false, KmsARN: customerKey(s).keyArn });
      return new aoss.CfnCollection(s, 'Metrics', { name: 'metrics' });
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'token',
    title: 'OpenSearch Serverless policy key from a parameter',
    expect: UNV,
    detail: /KmsARN is only known at deploy time/,
    build: (s) => encryptionPolicy(s, { AWSOwnedKey: false, KmsARN: param(s) }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'override',
    title: 'override swaps the serverless policy for an AWS-owned key',
    expect: NC,
    detail: /AWSOwnedKey true/,
    build: (s) => {
      const p = encryptionPolicy(s, { AWSOwnedKey: false, KmsARN: CMK_ARN });
      p.addPropertyOverride('Policy', JSON.stringify({ Rules: [{ ResourceType: 'collection', Resource: ['collection/logs*'] }], AWSOwnedKey: true }));
      return p;
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'MSK Serverless, which encrypts under an AWS-managed key only',
    expect: NC,
    detail: /MSK Serverless encrypts at rest under an AWS-managed key only/,
    build: (s) => new msk.CfnServerlessCluster(s, 'Events', {
      clusterName: 'events',
      clientAuthentication: { sasl: { iam: { enabled: true } } },
      vpcConfigs: [{ subnetIds: ['subnet-1', 'subnet-2'] }],
    }),
  },
  // DataStoreCustomerManagedKey: RDS and Aurora
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'RDS instance under a key of the stack',
    expect: C,
    build: (s) => rdsInstance(s, { storageEncrypted: true, kmsKeyId: customerKey(s).keyArn }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'RDS instance without StorageEncrypted',
    expect: NC,
    detail: /StorageEncrypted is not set/,
    build: (s) => rdsInstance(s),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'RDS instance encrypted under aws/rds (no key)',
    expect: NC,
    detail: /KmsKeyId is not set/,
    build: (s) => rdsInstance(s, { storageEncrypted: true }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'Performance Insights without a key',
    expect: NC,
    detail: /Performance Insights: PerformanceInsightsKMSKeyId/,
    build: (s) => rdsInstance(s, { storageEncrypted: true, kmsKeyId: CMK_ARN, enablePerformanceInsights: true }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'Performance Insights under a customer key',
    expect: C,
    build: (s) => rdsInstance(s, {
      storageEncrypted: true, kmsKeyId: CMK_ARN, enablePerformanceInsights: true, performanceInsightsKmsKeyId: CMK_ARN,
    }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'Aurora instance: storage is the cluster\'s',
    expect: NA,
    build: (s) => rdsInstance(s, { engine: 'aurora-postgresql', dbClusterIdentifier: 'cluster', allocatedStorage: undefined }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'Aurora cluster under alias/aws/rds',
    expect: NC,
    detail: /alias\/aws\/rds/,
    build: (s) => auroraCluster(s, { storageEncrypted: true, kmsKeyId: 'alias/aws/rds' }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'Aurora cluster with Performance Insights under aws/rds',
    expect: NC,
    detail: /PerformanceInsightsKmsKeyId/,
    build: (s) => auroraCluster(s, { storageEncrypted: true, kmsKeyId: CMK_ARN, performanceInsightsEnabled: true }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l2',
    title: 'L2 DatabaseInstance with storageEncryptionKey',
    expect: C,
    build: (s) => {
      return new rds.DatabaseInstance(s, 'L2Db', {
        engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
        ...isolated(s),
        storageEncryptionKey: customerKey(s),
      });
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l2',
    title: 'L2 read replica of an instance of the stack under a customer key (the source named by its ARN)',
    expect: C,
    build: (s) => {
      const placement = isolated(s);
      const source = new rds.DatabaseInstance(s, 'Source', {
        engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
        ...placement,
        storageEncryptionKey: customerKey(s),
      });
      return new rds.DatabaseInstanceReadReplica(s, 'Replica', {
        sourceDatabaseInstance: source,
        instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
        ...placement,
      });
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'restored from a snapshot without a key',
    expect: UNV,
    detail: /DBSnapshotIdentifier/,
    build: (s) => rdsInstance(s, { dbSnapshotIdentifier: 'snap' }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'plain Aurora cluster, unencrypted',
    expect: NC,
    build: (s) => plain(s, 'AWS::RDS::DBCluster', { Engine: 'aurora-postgresql' }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'override',
    title: 'override drops the RDS key',
    expect: NC,
    detail: /KmsKeyId is not set/,
    build: (s) => {
      const db = rdsInstance(s, { storageEncrypted: true, kmsKeyId: CMK_ARN });
      db.addPropertyDeletionOverride('KmsKeyId');
      return db;
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'token',
    title: 'RDS key from a parameter',
    expect: UNV,
    detail: /parameter/,
    build: (s) => rdsInstance(s, { storageEncrypted: true, kmsKeyId: param(s) }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'token',
    title: 'StorageEncrypted from a parameter',
    expect: UNV,
    build: (s) => rdsInstance(s, { storageEncrypted: Fn.conditionEquals(param(s), 'x') as any, kmsKeyId: CMK_ARN }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'read replica of an unencrypted instance of the stack',
    expect: NC,
    detail: /source Source/,
    build: (s) => {
      const source = plain(s, 'AWS::RDS::DBInstance', { Engine: 'postgres' }, 'Source');
      return plain(s, 'AWS::RDS::DBInstance', { SourceDBInstanceIdentifier: source.ref });
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'RDS-managed master password under aws/secretsmanager',
    expect: NC,
    detail: /MasterUserSecret.KmsKeyId/,
    build: (s) => rdsInstance(s, { storageEncrypted: true, kmsKeyId: CMK_ARN, manageMasterUserPassword: true }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'RDS-managed master password under a customer key',
    expect: C,
    build: (s) => rdsInstance(s, {
      storageEncrypted: true, kmsKeyId: CMK_ARN, manageMasterUserPassword: true, masterUserSecret: { kmsKeyId: CMK_ARN },
    }),
  },
  // EFS
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'EFS encrypted under aws/elasticfilesystem (no key)',
    expect: NC,
    build: (s) => plain(s, 'AWS::EFS::FileSystem', { Encrypted: true }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'EFS unencrypted',
    expect: NC,
    detail: /Encrypted is not set/,
    build: (s) => plain(s, 'AWS::EFS::FileSystem', {}),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'EFS under a customer key',
    expect: C,
    build: (s) => plain(s, 'AWS::EFS::FileSystem', { Encrypted: true, KmsKeyId: CMK_ARN }),
  },
  // DynamoDB
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l2',
    title: 'DynamoDB table under a customer key',
    expect: C,
    build: (s) => new dynamodb.Table(s, 'Table', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: customerKey(s),
    }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l2',
    title: 'DynamoDB table with the default AWS-owned key',
    expect: NC,
    detail: /AWS-owned/,
    build: (s) => new dynamodb.Table(s, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l2',
    title: 'DynamoDB table under aws/dynamodb',
    expect: NC,
    detail: /KMSMasterKeyId is not set/,
    build: (s) => new dynamodb.Table(s, 'Table', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING }, encryption: dynamodb.TableEncryption.AWS_MANAGED,
    }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'global table replica without a key',
    expect: NC,
    detail: /replica eu-west-1/,
    build: (s) => plain(s, 'AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [{ Region: 'eu-west-1' }, { Region: 'eu-central-1', SSESpecification: { KMSMasterKeyId: CMK_ARN } }],
    }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'global table replicas under customer keys',
    expect: C,
    build: (s) => plain(s, 'AWS::DynamoDB::GlobalTable', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' }, Replicas: [{ Region: 'eu-west-1', SSESpecification: { KMSMasterKeyId: CMK_ARN } }],
    }),
  },
  // OpenSearch, Redshift, ElastiCache, MSK, Kinesis, SQS
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'OpenSearch under a customer key',
    expect: C,
    build: (s) => domain(s),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'override',
    title: 'OpenSearch at-rest encryption overridden off',
    expect: NC,
    detail: /Enabled is false/,
    build: (s) => {
      const d = domain(s);
      d.addPropertyOverride('EncryptionAtRestOptions.Enabled', false);
      return d;
    },
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'Redshift encrypted under the default key',
    expect: NC,
    build: (s) => plain(s, 'AWS::Redshift::Cluster', { Encrypted: true, NodeType: 'ra3.xlplus' }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'Redshift under a customer key',
    expect: C,
    build: (s) => plain(s, 'AWS::Redshift::Cluster', { Encrypted: true, KmsKeyId: CMK_ARN }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'ElastiCache under a customer key',
    expect: C,
    build: (s) => replicationGroup(s),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'ElastiCache without at-rest encryption',
    expect: NC,
    detail: /AtRestEncryptionEnabled/,
    build: (s) => replicationGroup(s, { atRestEncryptionEnabled: undefined, kmsKeyId: undefined }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'serverless cache under the AWS-owned key',
    expect: NC,
    detail: /KmsKeyId is not set/,
    build: (s) => plain(s, 'AWS::ElastiCache::ServerlessCache', { Engine: 'valkey', ServerlessCacheName: 'c' }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'cache cluster outside a replication group',
    expect: NC,
    detail: /cannot be encrypted at rest/,
    build: (s) => plain(s, 'AWS::ElastiCache::CacheCluster', { Engine: 'memcached', CacheNodeType: 'cache.t4g.micro', NumCacheNodes: 1 }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'cache cluster of a replication group',
    expect: NA,
    build: (s) => plain(s, 'AWS::ElastiCache::CacheCluster', { ReplicationGroupId: 'rg' }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'Redshift Serverless namespace under a customer key',
    expect: C,
    build: (s) => plain(s, 'AWS::RedshiftServerless::Namespace', { NamespaceName: 'n', KmsKeyId: CMK_ARN }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'MSK with the default AWS-managed key',
    expect: NC,
    detail: /DataVolumeKMSKeyId is not set/,
    build: (s) => kafka(s, undefined),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l1',
    title: 'MSK under a customer key',
    expect: C,
    build: (s) => kafka(s, { encryptionAtRest: { dataVolumeKmsKeyId: customerKey(s).keyArn } }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l2',
    title: 'Kinesis stream under aws/kinesis',
    expect: NC,
    detail: /alias\/aws\/kinesis/,
    build: (s) => new kinesis.Stream(s, 'Stream', { encryption: kinesis.StreamEncryption.MANAGED }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l2',
    title: 'Kinesis stream under a customer key',
    expect: C,
    build: (s) => new kinesis.Stream(s, 'Stream', { encryption: kinesis.StreamEncryption.KMS, encryptionKey: customerKey(s) }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'plain',
    title: 'Kinesis stream unencrypted',
    expect: NC,
    detail: /unencrypted/,
    build: (s) => plain(s, 'AWS::Kinesis::Stream', { ShardCount: 1 }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l2',
    title: 'SQS queue with SSE-SQS',
    expect: NC,
    detail: /AWS-owned/,
    build: (s) => new sqs.Queue(s, 'Queue', { encryption: sqs.QueueEncryption.SQS_MANAGED }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l2',
    title: 'SQS queue with the default encryption',
    expect: NC,
    build: (s) => new sqs.Queue(s, 'Queue'),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'l2',
    title: 'SQS queue under a customer key',
    expect: C,
    build: (s) => new sqs.Queue(s, 'Queue', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: customerKey(s) }),
  },
  {
    rule: 'DataStoreCustomerManagedKey',
    form: 'token',
    title: 'SQS key from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::SQS::Queue', { KmsMasterKeyId: param(s) }),
  },

  // AutoScalingVolumesCustomerManagedKey
  {
    rule: 'AutoScalingVolumesCustomerManagedKey',
    form: 'l1',
    title: 'launch template with an encrypted root under a customer key',
    expect: C,
    build: (s) => group(s, launchTemplate(s, encryptedRoot(customerKey(s).keyArn))),
  },
  {
    rule: 'AutoScalingVolumesCustomerManagedKey',
    form: 'l1',
    title: 'launch template without block devices',
    expect: NC,
    detail: /no EBS BlockDeviceMappings/,
    build: (s) => group(s, launchTemplate(s, {})),
  },
  {
    rule: 'AutoScalingVolumesCustomerManagedKey',
    form: 'l1',
    title: 'launch template with an unencrypted root',
    expect: NC,
    detail: /Encrypted is not true/,
    build: (s) => group(s, launchTemplate(s, { blockDeviceMappings: [{ deviceName: '/dev/xvda', ebs: { volumeSize: 8 } }] })),
  },
  {
    rule: 'AutoScalingVolumesCustomerManagedKey',
    form: 'l2',
    title: 'L2 group from a launch template without block devices',
    expect: NC,
    build: (s) => {
      const vpc = new ec2.Vpc(s, 'Vpc', { natGateways: 0, subnetConfiguration: [{ name: 'app', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
      const lt = new ec2.LaunchTemplate(s, 'L2Template', {
        machineImage: ec2.MachineImage.genericLinux({ 'eu-west-1': 'ami-12345678' }), instanceType: new ec2.InstanceType('t3.micro'),
      });
      return new autoscaling.AutoScalingGroup(s, 'L2Group', { vpc, launchTemplate: lt });
    },
  },
  {
    rule: 'AutoScalingVolumesCustomerManagedKey',
    form: 'l1',
    title: 'launch template mapping only a data device',
    expect: UNV,
    detail: /root volume may keep/,
    build: (s) => group(s, launchTemplate(s, { blockDeviceMappings: [{ deviceName: '/dev/sdf', ebs: { encrypted: true, kmsKeyId: CMK_ARN } }] })),
  },
  {
    rule: 'AutoScalingVolumesCustomerManagedKey',
    form: 'plain',
    title: 'plain group with a launch configuration',
    expect: NC,
    detail: /launch configuration/,
    build: (s) => plain(s, 'AWS::AutoScaling::AutoScalingGroup', { MinSize: '1', MaxSize: '1', LaunchConfigurationName: 'lc' }),
  },
  {
    rule: 'AutoScalingVolumesCustomerManagedKey',
    form: 'plain',
    title: 'plain group, template of another stack',
    expect: UNV,
    detail: /not in this stack/,
    build: (s) => plain(s, 'AWS::AutoScaling::AutoScalingGroup', { MinSize: '1', MaxSize: '1', LaunchTemplate: { LaunchTemplateId: 'lt-0123', Version: '1' } }),
  },
  {
    rule: 'AutoScalingVolumesCustomerManagedKey',
    form: 'plain',
    title: 'plain group, mixed instances template by name',
    expect: C,
    build: (s) => {
      new ec2.CfnLaunchTemplate(s, 'Named', { launchTemplateName: 'db', launchTemplateData: encryptedRoot(CMK_ARN) });
      return plain(s, 'AWS::AutoScaling::AutoScalingGroup', {
        MinSize: '1', MaxSize: '1', MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateName: 'db', Version: '1' } } },
      });
    },
  },
  {
    rule: 'AutoScalingVolumesCustomerManagedKey',
    form: 'override',
    title: 'override removes the template\'s block devices',
    expect: NC,
    build: (s) => {
      const lt = launchTemplate(s, encryptedRoot(CMK_ARN));
      lt.addPropertyDeletionOverride('LaunchTemplateData.BlockDeviceMappings');
      return group(s, lt);
    },
  },
  {
    rule: 'AutoScalingVolumesCustomerManagedKey',
    form: 'token',
    title: 'root volume key from a parameter',
    expect: UNV,
    build: (s) => group(s, launchTemplate(s, encryptedRoot(param(s)))),
  },

  // DataStoreTransitEncryption
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l1',
    title: 'MemoryDB with TLS left on',
    expect: C,
    build: (s) => memoryCluster(s),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l1',
    title: 'MemoryDB with TLS off',
    expect: NC,
    detail: /TLSEnabled is false/,
    build: (s) => memoryCluster(s, { tlsEnabled: false }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l1',
    title: 'DAX with a TLS endpoint',
    expect: C,
    build: (s) => daxCluster(s, { clusterEndpointEncryptionType: 'TLS' }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l1',
    title: 'DAX with its plaintext default endpoint',
    expect: NC,
    detail: /the default, NONE, is plaintext/,
    build: (s) => daxCluster(s),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'override',
    title: 'override sets the DAX endpoint to NONE',
    expect: NC,
    detail: /ClusterEndpointEncryptionType is NONE/,
    build: (s) => {
      const c = daxCluster(s, { clusterEndpointEncryptionType: 'TLS' });
      c.addPropertyOverride('ClusterEndpointEncryptionType', 'NONE');
      return c;
    },
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'token',
    title: 'MemoryDB TLS from a parameter',
    expect: UNV,
    build: (s) => memoryCluster(s, { tlsEnabled: Fn.conditionEquals(param(s), 'x') as any }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'plain',
    title: 'MemoryDB written as a plain resource with TLS off',
    expect: NC,
    detail: /TLSEnabled is false/,
    build: (s) => plain(s, 'AWS::MemoryDB::Cluster', { ClusterName: 'm', NodeType: 'db.t4g.small', ACLName: 'a', TLSEnabled: false }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l1',
    title: 'OpenSearch with HTTPS, TLS 1.2 and node-to-node encryption',
    expect: C,
    build: (s) => domain(s),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l1',
    title: 'OpenSearch without enforced HTTPS',
    expect: NC,
    detail: /EnforceHTTPS is not set/,
    build: (s) => domain(s, { domainEndpointOptions: { tlsSecurityPolicy: 'Policy-Min-TLS-1-2-2019-07' } }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l1',
    title: 'OpenSearch with the TLS 1.0 policy',
    expect: NC,
    detail: /Policy-Min-TLS-1-0/,
    build: (s) => domain(s, { domainEndpointOptions: { enforceHttps: true, tlsSecurityPolicy: 'Policy-Min-TLS-1-0-2019-07' } }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l1',
    title: 'OpenSearch without node-to-node encryption',
    expect: NC,
    detail: /NodeToNodeEncryptionOptions.Enabled/,
    build: (s) => domain(s, { nodeToNodeEncryptionOptions: undefined }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l2',
    title: 'L2 OpenSearch domain with the secure options',
    expect: C,
    build: (s) => new opensearch.Domain(s, 'L2Domain', {
      version: opensearch.EngineVersion.OPENSEARCH_2_11,
      enforceHttps: true,
      nodeToNodeEncryption: true,
      tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2,
      encryptionAtRest: { enabled: true, kmsKey: customerKey(s) },
    }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l1',
    title: 'ElastiCache with transit encryption required',
    expect: C,
    build: (s) => replicationGroup(s, { transitEncryptionMode: 'required' }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l1',
    title: 'ElastiCache in preferred mode (plaintext still accepted)',
    expect: NC,
    detail: /preferred/,
    build: (s) => replicationGroup(s, { transitEncryptionMode: 'preferred' }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'override',
    title: 'ElastiCache transit encryption overridden off',
    expect: NC,
    detail: /TransitEncryptionEnabled is false/,
    build: (s) => {
      const c = replicationGroup(s);
      c.addPropertyOverride('TransitEncryptionEnabled', false);
      return c;
    },
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'plain',
    title: 'cache cluster without transit encryption',
    expect: NC,
    detail: /TransitEncryptionEnabled is not set/,
    build: (s) => plain(s, 'AWS::ElastiCache::CacheCluster', { Engine: 'redis', CacheNodeType: 'cache.t4g.micro', NumCacheNodes: 1 }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'plain',
    title: 'plain MSK cluster allowing plaintext clients',
    expect: NC,
    detail: /TLS_PLAINTEXT/,
    build: (s) => plain(s, 'AWS::MSK::Cluster', { EncryptionInfo: { EncryptionInTransit: { ClientBroker: 'TLS_PLAINTEXT' } } }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'plain',
    title: 'plain MSK cluster with plaintext between brokers',
    expect: NC,
    detail: /InCluster is false/,
    build: (s) => plain(s, 'AWS::MSK::Cluster', { EncryptionInfo: { EncryptionInTransit: { ClientBroker: 'TLS', InCluster: false } } }),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'l1',
    title: 'MSK with the TLS defaults',
    expect: C,
    build: (s) => kafka(s, undefined),
  },
  {
    rule: 'DataStoreTransitEncryption',
    form: 'token',
    title: 'MSK client-broker setting from a parameter',
    expect: UNV,
    build: (s) => kafka(s, { encryptionInTransit: { clientBroker: param(s) } }),
  },

  // RdsForcesSsl
  {
    rule: 'RdsForcesSsl',
    form: 'l1',
    title: 'PostgreSQL 16 on the default parameter group',
    expect: C,
    build: (s) => rdsInstance(s),
  },
  {
    rule: 'RdsForcesSsl',
    form: 'l1',
    title: 'PostgreSQL 14 on the default parameter group',
    expect: NC,
    detail: /before PostgreSQL 15/,
    build: (s) => rdsInstance(s, { engineVersion: '14.12' }),
  },
  {
    rule: 'RdsForcesSsl',
    form: 'l1',
    title: 'parameter group with rds.force_ssl 0',
    expect: NC,
    detail: /rds.force_ssl is 0/,
    build: (s) => rdsInstance(s, { dbParameterGroupName: pgGroup(s, 'postgres16', { 'rds.force_ssl': '0' }).ref }),
  },
  {
    rule: 'RdsForcesSsl',
    form: 'l1',
    title: 'parameter group with rds.force_ssl 1 on PostgreSQL 14',
    expect: C,
    build: (s) => rdsInstance(s, { engineVersion: '14.12', dbParameterGroupName: pgGroup(s, 'postgres14', { 'rds.force_ssl': '1' }).ref }),
  },
  {
    rule: 'RdsForcesSsl',
    form: 'l1',
    title: 'Aurora PostgreSQL on the default cluster parameter group',
    expect: NC,
    detail: /Aurora/,
    build: (s) => auroraCluster(s),
  },
  {
    rule: 'RdsForcesSsl',
    form: 'l1',
    title: 'Aurora PostgreSQL with rds.force_ssl 1',
    expect: C,
    build: (s) => auroraCluster(s, { dbClusterParameterGroupName: clusterGroup(s, 'aurora-postgresql16', { 'rds.force_ssl': '1' }).ref }),
  },
  {
    rule: 'RdsForcesSsl',
    form: 'l1',
    title: 'Aurora instance: the cluster\'s group decides',
    expect: NA,
    build: (s) => rdsInstance(s, { engine: 'aurora-postgresql', dbClusterIdentifier: 'cluster', allocatedStorage: undefined }),
  },
  {
    rule: 'RdsForcesSsl',
    form: 'l1',
    title: 'MySQL is not judged',
    expect: NA,
    build: (s) => rdsInstance(s, { engine: 'mysql', engineVersion: '8.0' }),
  },
  {
    rule: 'RdsForcesSsl',
    form: 'l2',
    title: 'L2 instance with a parameter group that forces TLS',
    expect: C,
    build: (s) => {
      const engine = rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_14 });
      return new rds.DatabaseInstance(s, 'L2Db', {
        engine, ...isolated(s), parameterGroup: new rds.ParameterGroup(s, 'L2Params', { engine, parameters: { 'rds.force_ssl': '1' } }),
      });
    },
  },
  {
    rule: 'RdsForcesSsl',
    form: 'plain',
    title: 'plain instance naming a group of the stack by name',
    expect: NC,
    build: (s) => {
      plain(s, 'AWS::RDS::DBParameterGroup', { DBParameterGroupName: 'pg', Family: 'postgres16', Description: 'd', Parameters: { 'rds.force_ssl': 0 } }, 'Group');
      return plain(s, 'AWS::RDS::DBInstance', { Engine: 'postgres', EngineVersion: '16.4', DBParameterGroupName: 'pg' });
    },
  },
  {
    rule: 'RdsForcesSsl',
    form: 'override',
    title: 'override turns rds.force_ssl off',
    expect: NC,
    build: (s) => {
      const g = pgGroup(s, 'postgres16', { 'rds.force_ssl': '1' });
      g.addPropertyOverride('Parameters.rds\\.force_ssl', '0');
      return rdsInstance(s, { dbParameterGroupName: g.ref });
    },
  },
  {
    rule: 'RdsForcesSsl',
    form: 'token',
    title: 'parameter group from a parameter',
    expect: UNV,
    build: (s) => rdsInstance(s, { dbParameterGroupName: param(s) }),
  },

  // RdsNotPubliclyAccessible
  {
    rule: 'RdsNotPubliclyAccessible',
    form: 'l1',
    title: 'PubliclyAccessible false',
    expect: C,
    build: (s) => rdsInstance(s, { publiclyAccessible: false }),
  },
  {
    rule: 'RdsNotPubliclyAccessible',
    form: 'l1',
    title: 'PubliclyAccessible true',
    expect: NC,
    detail: /is true/,
    build: (s) => rdsInstance(s, { publiclyAccessible: true }),
  },
  {
    rule: 'RdsNotPubliclyAccessible',
    form: 'l1',
    title: 'PubliclyAccessible absent',
    expect: NC,
    detail: /not set/,
    build: (s) => rdsInstance(s),
  },
  {
    rule: 'RdsNotPubliclyAccessible',
    form: 'l2',
    title: 'L2 instance in isolated subnets',
    expect: C,
    build: (s) => {
      return new rds.DatabaseInstance(s, 'L2Db', { engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }), ...isolated(s) });
    },
  },
  {
    rule: 'RdsNotPubliclyAccessible',
    form: 'plain',
    title: 'plain Multi-AZ DB cluster made public',
    expect: NC,
    build: (s) => plain(s, 'AWS::RDS::DBCluster', { Engine: 'postgres', PubliclyAccessible: 'true' }),
  },
  {
    rule: 'RdsNotPubliclyAccessible',
    form: 'plain',
    title: 'plain Aurora cluster: its instances carry the setting',
    expect: NA,
    build: (s) => plain(s, 'AWS::RDS::DBCluster', { Engine: 'aurora-postgresql' }),
  },
  {
    rule: 'RdsNotPubliclyAccessible',
    form: 'override',
    title: 'override makes the instance public',
    expect: NC,
    build: (s) => {
      const db = rdsInstance(s, { publiclyAccessible: false });
      db.addPropertyOverride('PubliclyAccessible', true);
      return db;
    },
  },
  {
    rule: 'RdsNotPubliclyAccessible',
    form: 'token',
    title: 'PubliclyAccessible from a condition',
    expect: UNV,
    build: (s) => rdsInstance(s, { publiclyAccessible: Fn.conditionEquals(param(s), 'yes') as any }),
  },

  // RdsBackupsEnabled
  {
    rule: 'RdsBackupsEnabled',
    form: 'l1',
    title: 'default retention (1 day)',
    expect: C,
    build: (s) => rdsInstance(s),
  },
  {
    rule: 'RdsBackupsEnabled',
    form: 'l1',
    title: 'BackupRetentionPeriod 0',
    expect: NC,
    detail: /BackupRetentionPeriod is 0/,
    build: (s) => rdsInstance(s, { backupRetentionPeriod: 0 }),
  },
  {
    rule: 'RdsBackupsEnabled',
    form: 'plain',
    title: 'plain cluster with retention 0',
    expect: NC,
    build: (s) => plain(s, 'AWS::RDS::DBCluster', { Engine: 'aurora-postgresql', BackupRetentionPeriod: '0' }),
  },
  {
    rule: 'RdsBackupsEnabled',
    form: 'override',
    title: 'override turns backups off',
    expect: NC,
    build: (s) => {
      const db = rdsInstance(s, { backupRetentionPeriod: 7 });
      db.addPropertyOverride('BackupRetentionPeriod', 0);
      return db;
    },
  },
  {
    rule: 'RdsBackupsEnabled',
    form: 'token',
    title: 'retention from a parameter',
    expect: UNV,
    build: (s) => rdsInstance(s, { backupRetentionPeriod: Token.asNumber(param(s)) }),
  },
];
