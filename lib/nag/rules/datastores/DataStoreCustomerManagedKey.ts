import { isClusterMember, judgeFlagAndKey, rdsDataSource } from '../../private/datastores';
import { judgeKey } from '../../private/kms';
import { StackIndex } from '../../private/rendered';
import { nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic, isTrue } from '../../private/values';

type Properties = { [key: string]: any };

/** RDS storage: StorageEncrypted + KmsKeyId, unless the data (and its key) comes from a snapshot or source. */
function rdsStorage(p: Properties, index: StackIndex, seen: Set<unknown> = new Set()): Outcome {
  const source = rdsDataSource(p);
  if (source !== undefined && p.KmsKeyId === undefined) {
    // A replica or clone of a database of this stack is encrypted as its source is.
    const origin = index.target(p[source]);
    if (origin && (origin.type === 'AWS::RDS::DBInstance' || origin.type === 'AWS::RDS::DBCluster') && !seen.has(origin)) {
      seen.add(origin);
      const o = rdsStorage(origin.properties, index, seen);
      return o.detail ? { ...o, detail: `source ${origin.logicalId}: ${o.detail}` } : o;
    }
    return unverifiable(`the storage encryption is inherited from ${source} ${describe(p[source])}, which the template does not show`);
  }
  if (source !== undefined && p.StorageEncrypted === undefined) {
    return judgeKey(p.KmsKeyId, index, 'KmsKeyId');
  }
  // Aurora Serverless v1 is always encrypted, with aws/rds unless KmsKeyId names a key.
  const alwaysOn = typeof p.EngineMode === 'string' && p.EngineMode.toLowerCase() === 'serverless';
  return judgeFlagAndKey({ name: 'StorageEncrypted', value: p.StorageEncrypted, alwaysOn }, { name: 'KmsKeyId', value: p.KmsKeyId }, index);
}

/** The master password RDS keeps in Secrets Manager (ManageMasterUserPassword) is under aws/secretsmanager unless a key is named. */
function rdsMasterSecret(p: Properties, index: StackIndex): Outcome | undefined {
  if (isIntrinsic(p.ManageMasterUserPassword)) {
    return unverifiable(`ManageMasterUserPassword is ${describe(p.ManageMasterUserPassword)}, only known at deploy time`);
  }
  if (!isTrue(p.ManageMasterUserPassword)) {
    return undefined;
  }
  return block(p.MasterUserSecret, 'MasterUserSecret', (secret) => judgeKey(secret.KmsKeyId, index, 'MasterUserSecret.KmsKeyId'));
}

/** Performance Insights keeps query text and statistics under its own key (aws/rds when none is named). */
function performanceInsights(enabled: unknown, enabledName: string, key: unknown, keyName: string, index: StackIndex): Outcome | undefined {
  if (isIntrinsic(enabled)) {
    return unverifiable(`${enabledName} is ${describe(enabled)}, only known at deploy time`);
  }
  if (!isTrue(enabled)) {
    return undefined;
  }
  const o = judgeKey(key, index, keyName);
  return o.detail ? { ...o, detail: `Performance Insights: ${o.detail}` } : o;
}

function all(...outcomes: (Outcome | undefined)[]): Outcome {
  return worst(outcomes.filter((o): o is Outcome => o !== undefined));
}

/** A block of properties that must be an object: unverifiable when it is an intrinsic. */
function block(value: unknown, name: string, judge: (v: Properties) => Outcome): Outcome {
  if (isIntrinsic(value)) {
    return unverifiable(`${name} is only known at deploy time`);
  }
  return judge((value ?? {}) as Properties);
}

function openSearch(p: Properties, index: StackIndex): Outcome {
  return block(p.EncryptionAtRestOptions, 'EncryptionAtRestOptions', (o) => judgeFlagAndKey(
    { name: 'EncryptionAtRestOptions.Enabled', value: o.Enabled }, { name: 'EncryptionAtRestOptions.KmsKeyId', value: o.KmsKeyId }, index));
}

/** DynamoDB without SSEEnabled uses an AWS-owned key; with it and no key, aws/dynamodb. */
function dynamoSse(sse: Properties): Outcome | undefined {
  if (isIntrinsic(sse.SSEEnabled) || isIntrinsic(sse.SSEType)) {
    return unverifiable('SSESpecification is only known at deploy time');
  }
  if (!isTrue(sse.SSEEnabled)) {
    return nonCompliant('SSESpecification.SSEEnabled is not true, so an AWS-owned key is used');
  }
  if (sse.SSEType !== undefined && sse.SSEType !== 'KMS') {
    return nonCompliant(`SSESpecification.SSEType is ${describe(sse.SSEType)}`);
  }
  return undefined;
}

/**
 * Per data store, how its encryption at rest is judged. Absent settings mean what the service
 * does without them: unencrypted, or encrypted under an AWS-owned or AWS-managed key.
 */
const JUDGES: { [type: string]: (p: Properties, index: StackIndex) => Outcome } = {
  'AWS::RDS::DBInstance': (p, index) => all(
    isClusterMember(p) ? undefined : rdsStorage(p, index),
    rdsMasterSecret(p, index),
    performanceInsights(p.EnablePerformanceInsights, 'EnablePerformanceInsights', p.PerformanceInsightsKMSKeyId, 'PerformanceInsightsKMSKeyId', index),
  ),
  'AWS::RDS::DBCluster': (p, index) => all(
    rdsStorage(p, index),
    rdsMasterSecret(p, index),
    performanceInsights(p.PerformanceInsightsEnabled, 'PerformanceInsightsEnabled', p.PerformanceInsightsKmsKeyId, 'PerformanceInsightsKmsKeyId', index),
  ),
  'AWS::EFS::FileSystem': (p, index) =>
    judgeFlagAndKey({ name: 'Encrypted', value: p.Encrypted }, { name: 'KmsKeyId', value: p.KmsKeyId }, index),
  'AWS::DynamoDB::Table': (p, index) => block(p.SSESpecification, 'SSESpecification', (sse) =>
    dynamoSse(sse) ?? judgeKey(sse.KMSMasterKeyId, index, 'SSESpecification.KMSMasterKeyId')),
  'AWS::DynamoDB::GlobalTable': (p, index) => block(p.SSESpecification, 'SSESpecification', (sse) => {
    const flag = dynamoSse(sse);
    if (flag) {
      return flag;
    }
    if (isIntrinsic(p.Replicas)) {
      return unverifiable('Replicas are only known at deploy time');
    }
    const replicas = asArray<any>(p.Replicas);
    if (replicas.length === 0) {
      return nonCompliant('no Replicas name a KMSMasterKeyId');
    }
    return worst(replicas.map((r) => block(r?.SSESpecification, `replica ${describe(r?.Region)} SSESpecification`,
      (s) => judgeKey(s.KMSMasterKeyId, index, `replica ${describe(r?.Region)} KMSMasterKeyId`))));
  }),
  'AWS::OpenSearchService::Domain': openSearch,
  'AWS::Elasticsearch::Domain': openSearch,
  'AWS::Redshift::Cluster': (p, index) =>
    judgeFlagAndKey({ name: 'Encrypted', value: p.Encrypted }, { name: 'KmsKeyId', value: p.KmsKeyId }, index),
  'AWS::ElastiCache::ReplicationGroup': (p, index) =>
    judgeFlagAndKey({ name: 'AtRestEncryptionEnabled', value: p.AtRestEncryptionEnabled }, { name: 'KmsKeyId', value: p.KmsKeyId }, index),
  // Serverless caches are always encrypted, under an AWS-owned key unless KmsKeyId names one.
  'AWS::ElastiCache::ServerlessCache': (p, index) => judgeKey(p.KmsKeyId, index, 'KmsKeyId'),
  // A cache cluster outside a replication group cannot be encrypted at rest at all.
  'AWS::ElastiCache::CacheCluster': (p) => p.ReplicationGroupId !== undefined ? NOT_APPLICABLE
    : nonCompliant('a cache cluster outside a replication group cannot be encrypted at rest: use a ReplicationGroup or ServerlessCache'),
  'AWS::RedshiftServerless::Namespace': (p, index) => judgeKey(p.KmsKeyId, index, 'KmsKeyId'),
  // MSK Serverless always encrypts at rest under a key AWS manages; no customer-managed key can be chosen.
  'AWS::MSK::ServerlessCluster': () => nonCompliant('MSK Serverless encrypts at rest under an AWS-managed key only: use an MSK ' +
    'cluster with EncryptionInfo.EncryptionAtRest.DataVolumeKMSKeyId'),
  'AWS::MSK::Cluster': (p, index) => block(p.EncryptionInfo, 'EncryptionInfo', (info) => block(info.EncryptionAtRest,
    'EncryptionInfo.EncryptionAtRest', (atRest) => judgeKey(atRest.DataVolumeKMSKeyId, index, 'EncryptionAtRest.DataVolumeKMSKeyId'))),
  'AWS::Kinesis::Stream': (p, index) => block(p.StreamEncryption, 'StreamEncryption', (e) => {
    if (p.StreamEncryption === undefined) {
      return nonCompliant('StreamEncryption is not set, so records are stored unencrypted');
    }
    if (isIntrinsic(e.EncryptionType)) {
      return unverifiable('StreamEncryption.EncryptionType is only known at deploy time');
    }
    if (e.EncryptionType !== 'KMS') {
      return nonCompliant(`StreamEncryption.EncryptionType is ${describe(e.EncryptionType)}`);
    }
    return judgeKey(e.KeyId, index, 'StreamEncryption.KeyId');
  }),
  'AWS::SQS::Queue': (p, index) => {
    if (isIntrinsic(p.SqsManagedSseEnabled)) {
      return unverifiable('SqsManagedSseEnabled is only known at deploy time');
    }
    if (isTrue(p.SqsManagedSseEnabled)) {
      return nonCompliant('SqsManagedSseEnabled is true: SSE-SQS uses an AWS-owned key');
    }
    return judgeKey(p.KmsMasterKeyId, index, 'KmsMasterKeyId');
  },
};

/** Data stores other than EBS, S3 and Secrets Manager are encrypted at rest under a customer-managed KMS key. */
export const DataStoreCustomerManagedKey: RuleDefinition = {
  name: 'DataStoreCustomerManagedKey',
  guarantee: 'G1',
  info: 'The data store is not encrypted at rest with a customer-managed KMS key.',
  explanation: 'Customer data in RDS and Aurora (including Performance Insights and the master password RDS keeps in ' +
    'Secrets Manager), EFS, DynamoDB, OpenSearch, Redshift (and Serverless), ElastiCache (and Serverless), MSK, Kinesis and SQS must be encrypted with AES-256 under a key whose policy, rotation and deletion the ' +
    'service owner controls. Turn encryption on and name a kms.Key: an absent key means an AWS-owned or AWS-managed ' +
    '(alias/aws/...) key, and an absent flag often means no encryption at all.',
  resourceTypes: Object.keys(JUDGES),
  evaluate(r, { index }) {
    const judge = JUDGES[r.type];
    return judge ? judge(r.properties, index) : NOT_APPLICABLE;
  },
};
