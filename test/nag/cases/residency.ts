import { Duration, PhysicalName, Stack, StackProps } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { C, Form, NA, NC, UNV } from './types';
import { RuleStatus } from '../../../lib/nag';
import { param, plain } from '../helpers';

/** A case of a DataResidencyChecks rule; the pack allows {@link ALLOWED_REGIONS} and the stack is in eu-central-1 unless told. */
export interface ResidencyCase {
  readonly rule: string;
  readonly form: Form;
  readonly title: string;
  readonly expect: RuleStatus;
  readonly build: (stack: Stack) => IConstruct;
  readonly stackProps?: StackProps;
  readonly detail?: RegExp;
}

export const ALLOWED_REGIONS = ['eu-central-1', 'eu-west-1'];
export const IN_FRANKFURT: StackProps = { env: { account: '111122223333', region: 'eu-central-1' } };

const vaultArn = (region: string) => `arn:aws:backup:${region}:111122223333:backup-vault:copies`;

function planCopyingTo(s: Stack, destination: backup.IBackupVault): backup.BackupPlan {
  const plan = new backup.BackupPlan(s, 'Plan', { backupVault: new backup.BackupVault(s, 'Vault') });
  plan.addRule(new backup.BackupPlanRule({ ruleName: 'Daily', copyActions: [{ destinationBackupVault: destination, moveToColdStorageAfter: Duration.days(30) }] }));
  return plan;
}

const plainPlan = (s: Stack, copyActions: unknown) => plain(s, 'AWS::Backup::BackupPlan', {
  BackupPlan: { BackupPlanName: 'p', BackupPlanRule: [{ RuleName: 'Daily', TargetBackupVault: 'v', CopyActions: copyActions }] },
});

function replicatingBucket(s: Stack, destination: s3.IBucket): s3.Bucket {
  return new s3.Bucket(s, 'Bucket', {
    versioned: true,
    replicationRules: [{ destination, priority: 1 }],
  });
}

const plainReplication = (s: Stack, bucket: unknown) => plain(s, 'AWS::S3::Bucket', {
  VersioningConfiguration: { Status: 'Enabled' },
  ReplicationConfiguration: { Role: 'arn:aws:iam::111122223333:role/r', Rules: [{ Id: 'all', Status: 'Enabled', Destination: { Bucket: bucket } }] },
});

const globalTable = (s: Stack, regions: unknown[]) => plain(s, 'AWS::DynamoDB::GlobalTable', {
  AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
  Replicas: regions.map((Region) => ({ Region })),
});

/** Denies kms:ReplicateKey to everyone outside `regions`. */
const confineReplicas = (regions: string[]) => new iam.PolicyStatement({
  effect: iam.Effect.DENY,
  principals: [new iam.AnyPrincipal()],
  actions: ['kms:ReplicateKey'],
  resources: ['*'],
  conditions: { StringNotEquals: { 'kms:ReplicaRegion': regions } },
});

function multiRegionKey(s: Stack, confinedTo?: string[]): kms.Key {
  const key = new kms.Key(s, 'Key', { enableKeyRotation: true, multiRegion: true });
  if (confinedTo) {
    key.addToResourcePolicy(confineReplicas(confinedTo));
  }
  return key;
}

export const RESIDENCY_CASES: ResidencyCase[] = [
  // BackupCopyRegionAllowed
  {
    rule: 'BackupCopyRegionAllowed',
    form: 'l2',
    title: 'copy to a vault of the same stack',
    expect: C,
    build: (s) => planCopyingTo(s, new backup.BackupVault(s, 'CopyVault')),
  },
  {
    rule: 'BackupCopyRegionAllowed',
    form: 'l2',
    title: 'copy to a vault in us-east-1',
    expect: NC,
    detail: /us-east-1, outside eu-central-1, eu-west-1/,
    build: (s) => planCopyingTo(s, backup.BackupVault.fromBackupVaultArn(s, 'Far', vaultArn('us-east-1'))),
  },
  {
    rule: 'BackupCopyRegionAllowed',
    form: 'l2',
    title: 'copy to a vault in another allowed region',
    expect: C,
    build: (s) => planCopyingTo(s, backup.BackupVault.fromBackupVaultArn(s, 'Near', vaultArn('eu-west-1'))),
  },
  {
    rule: 'BackupCopyRegionAllowed',
    form: 'plain',
    title: 'plain plan copying to an ARN in the stack\'s own region (pseudo parameter)',
    expect: C,
    build: (s) => plainPlan(s, [{ DestinationBackupVaultArn: { 'Fn::Sub': 'arn:${AWS::Partition}:backup:${AWS::Region}:${AWS::AccountId}:backup-vault:copies' } }]),
  },
  {
    rule: 'BackupCopyRegionAllowed',
    form: 'plain',
    title: 'plain plan copying to ap-southeast-2',
    expect: NC,
    build: (s) => plainPlan(s, [{ DestinationBackupVaultArn: vaultArn('ap-southeast-2') }]),
  },
  {
    rule: 'BackupCopyRegionAllowed',
    form: 'plain',
    title: 'plan without copy actions',
    expect: NA,
    build: (s) => plainPlan(s, undefined),
  },
  {
    rule: 'BackupCopyRegionAllowed',
    form: 'override',
    title: 'override sends the copy to us-west-2',
    expect: NC,
    build: (s) => {
      const plan = planCopyingTo(s, new backup.BackupVault(s, 'CopyVault'));
      (plan.node.defaultChild as backup.CfnBackupPlan).addPropertyOverride('BackupPlan.BackupPlanRule.0.CopyActions.0.DestinationBackupVaultArn', vaultArn('us-west-2'));
      return plan;
    },
  },
  {
    rule: 'BackupCopyRegionAllowed',
    form: 'token',
    title: 'destination vault from a parameter',
    expect: UNV,
    build: (s) => plainPlan(s, [{ DestinationBackupVaultArn: param(s) }]),
  },

  // SecretReplicaRegionAllowed
  {
    rule: 'SecretReplicaRegionAllowed',
    form: 'l2',
    title: 'replica in an allowed region',
    expect: C,
    build: (s) => new secretsmanager.Secret(s, 'Secret', { replicaRegions: [{ region: 'eu-west-1' }] }),
  },
  {
    rule: 'SecretReplicaRegionAllowed',
    form: 'l2',
    title: 'replica in us-east-1',
    expect: NC,
    detail: /us-east-1/,
    build: (s) => new secretsmanager.Secret(s, 'Secret', { replicaRegions: [{ region: 'eu-west-1' }, { region: 'us-east-1' }] }),
  },
  {
    rule: 'SecretReplicaRegionAllowed',
    form: 'l2',
    title: 'secret without replicas',
    expect: NA,
    build: (s) => new secretsmanager.Secret(s, 'Secret'),
  },
  {
    rule: 'SecretReplicaRegionAllowed',
    form: 'plain',
    title: 'plain secret replicated to sa-east-1',
    expect: NC,
    build: (s) => plain(s, 'AWS::SecretsManager::Secret', { ReplicaRegions: [{ Region: 'sa-east-1' }] }),
  },
  {
    rule: 'SecretReplicaRegionAllowed',
    form: 'override',
    title: 'override adds a replica in us-east-2',
    expect: NC,
    build: (s) => {
      const secret = new secretsmanager.Secret(s, 'Secret');
      (secret.node.defaultChild as secretsmanager.CfnSecret).addPropertyOverride('ReplicaRegions', [{ Region: 'us-east-2' }]);
      return secret;
    },
  },
  {
    rule: 'SecretReplicaRegionAllowed',
    form: 'token',
    title: 'replica region from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::SecretsManager::Secret', { ReplicaRegions: [{ Region: param(s) }] }),
  },

  // BucketReplicationRegionAllowed
  {
    rule: 'BucketReplicationRegionAllowed',
    form: 'l2',
    title: 'replication to a bucket of the same stack',
    expect: C,
    build: (s) => replicatingBucket(s, new s3.Bucket(s, 'Replica', { versioned: true })),
  },
  {
    rule: 'BucketReplicationRegionAllowed',
    form: 'l2',
    title: 'replication to an imported bucket: an S3 ARN names no region',
    expect: UNV,
    detail: /does not say its Region/,
    build: (s) => replicatingBucket(s, s3.Bucket.fromBucketArn(s, 'Elsewhere', 'arn:aws:s3:::replica-elsewhere')),
  },
  {
    rule: 'BucketReplicationRegionAllowed',
    form: 'plain',
    title: 'plain bucket replicating to a bucket of the stack named by literal ARN',
    expect: C,
    build: (s) => {
      plain(s, 'AWS::S3::Bucket', { BucketName: 'replica-here' }, 'Replica');
      return plainReplication(s, 'arn:aws:s3:::replica-here');
    },
  },
  {
    rule: 'BucketReplicationRegionAllowed',
    form: 'l2',
    title: 'replication to a bucket of another stack of the app in us-east-1',
    expect: NC,
    detail: /us-east-1/,
    build: (s) => {
      const far = new Stack(s.node.root, 'Virginia', { env: { account: '111122223333', region: 'us-east-1' } });
      return replicatingBucket(s, new s3.Bucket(far, 'Replica', { versioned: true, bucketName: PhysicalName.GENERATE_IF_NEEDED }));
    },
  },
  {
    rule: 'BucketReplicationRegionAllowed',
    form: 'l2',
    title: 'replication to a bucket of another stack of the app in eu-west-1',
    expect: C,
    build: (s) => {
      const near = new Stack(s.node.root, 'Ireland', { env: { account: '111122223333', region: 'eu-west-1' } });
      return replicatingBucket(s, new s3.Bucket(near, 'Replica', { versioned: true, bucketName: PhysicalName.GENERATE_IF_NEEDED }));
    },
  },
  {
    rule: 'BucketReplicationRegionAllowed',
    form: 'plain',
    title: 'bucket without replication',
    expect: NA,
    build: (s) => plain(s, 'AWS::S3::Bucket', {}),
  },
  {
    rule: 'BucketReplicationRegionAllowed',
    form: 'override',
    title: 'override points replication at a bucket outside the stack',
    expect: UNV,
    build: (s) => {
      const bucket = replicatingBucket(s, new s3.Bucket(s, 'Replica', { versioned: true }));
      (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('ReplicationConfiguration.Rules.0.Destination.Bucket', 'arn:aws:s3:::somewhere-else');
      return bucket;
    },
  },
  {
    rule: 'BucketReplicationRegionAllowed',
    form: 'token',
    title: 'destination from a parameter',
    expect: UNV,
    build: (s) => plainReplication(s, param(s)),
  },

  // GlobalTableReplicaRegionAllowed
  {
    rule: 'GlobalTableReplicaRegionAllowed',
    form: 'l2',
    title: 'TableV2 with a replica in an allowed region',
    expect: C,
    build: (s) => new dynamodb.TableV2(s, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, replicas: [{ region: 'eu-west-1' }] }),
  },
  {
    rule: 'GlobalTableReplicaRegionAllowed',
    form: 'l2',
    title: 'TableV2 with a replica in us-east-1',
    expect: NC,
    detail: /us-east-1/,
    build: (s) => new dynamodb.TableV2(s, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING }, replicas: [{ region: 'us-east-1' }] }),
  },
  {
    rule: 'GlobalTableReplicaRegionAllowed',
    form: 'plain',
    title: 'plain global table in its own region only',
    expect: C,
    build: (s) => globalTable(s, [{ Ref: 'AWS::Region' }]),
  },
  {
    rule: 'GlobalTableReplicaRegionAllowed',
    form: 'plain',
    title: 'plain global table with a replica in ap-northeast-1',
    expect: NC,
    build: (s) => globalTable(s, [{ Ref: 'AWS::Region' }, 'ap-northeast-1']),
  },
  {
    rule: 'GlobalTableReplicaRegionAllowed',
    form: 'override',
    title: 'override adds a replica in ca-central-1',
    expect: NC,
    build: (s) => {
      const t = new dynamodb.TableV2(s, 'Table', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } });
      (t.node.defaultChild as dynamodb.CfnGlobalTable).addPropertyOverride('Replicas.1', { Region: 'ca-central-1' });
      return t;
    },
  },
  {
    rule: 'GlobalTableReplicaRegionAllowed',
    form: 'token',
    title: 'replica region from a parameter',
    expect: UNV,
    build: (s) => globalTable(s, [{ Ref: 'AWS::Region' }, param(s)]),
  },

  // KmsKeyReplicaRegionAllowed
  {
    rule: 'KmsKeyReplicaRegionAllowed',
    form: 'l2',
    title: 'single-region key',
    expect: NA,
    build: (s) => new kms.Key(s, 'Key', { enableKeyRotation: true }),
  },
  {
    rule: 'KmsKeyReplicaRegionAllowed',
    form: 'l2',
    title: 'multi-Region key that anyone with kms:ReplicateKey may copy anywhere',
    expect: NC,
    detail: /no key policy statement denies kms:ReplicateKey/,
    build: (s) => multiRegionKey(s),
  },
  {
    rule: 'KmsKeyReplicaRegionAllowed',
    form: 'l2',
    title: 'multi-Region key whose policy denies replicas outside the allowed regions',
    expect: C,
    build: (s) => multiRegionKey(s, ['eu-central-1', 'eu-west-1']),
  },
  {
    rule: 'KmsKeyReplicaRegionAllowed',
    form: 'l2',
    title: 'multi-Region key whose deny still admits us-east-1',
    expect: NC,
    build: (s) => multiRegionKey(s, ['eu-west-1', 'us-east-1']),
  },
  {
    rule: 'KmsKeyReplicaRegionAllowed',
    form: 'plain',
    title: 'replica key in an allowed stack region, primary in another allowed region',
    expect: C,
    build: (s) => plain(s, 'AWS::KMS::ReplicaKey', { PrimaryKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/mrk-1', KeyPolicy: {} }),
  },
  {
    rule: 'KmsKeyReplicaRegionAllowed',
    form: 'plain',
    title: 'replica key in a stack outside the allowed regions',
    expect: NC,
    stackProps: { env: { account: '111122223333', region: 'us-east-1' } },
    detail: /the replica key: region us-east-1/,
    build: (s) => plain(s, 'AWS::KMS::ReplicaKey', { PrimaryKeyArn: 'arn:aws:kms:eu-west-1:111122223333:key/mrk-1', KeyPolicy: {} }),
  },
  {
    rule: 'KmsKeyReplicaRegionAllowed',
    form: 'plain',
    title: 'replica of a primary key in us-west-2',
    expect: NC,
    build: (s) => plain(s, 'AWS::KMS::ReplicaKey', { PrimaryKeyArn: 'arn:aws:kms:us-west-2:111122223333:key/mrk-1', KeyPolicy: {} }),
  },
  {
    rule: 'KmsKeyReplicaRegionAllowed',
    form: 'override',
    title: 'override widens the replica deny to us-east-1',
    expect: NC,
    build: (s) => {
      const key = multiRegionKey(s, ['eu-central-1']);
      const statements = (s.resolve((key.node.defaultChild as kms.CfnKey).keyPolicy) as any).Statement as unknown[];
      (key.node.defaultChild as kms.CfnKey).addPropertyOverride(`KeyPolicy.Statement.${statements.length - 1}.Condition.StringNotEquals.kms:ReplicaRegion`, ['us-east-1']);
      return key;
    },
  },
  {
    rule: 'KmsKeyReplicaRegionAllowed',
    form: 'token',
    title: 'MultiRegion from a parameter',
    expect: UNV,
    build: (s) => plain(s, 'AWS::KMS::Key', { MultiRegion: param(s), KeyPolicy: {} }),
  },
];
