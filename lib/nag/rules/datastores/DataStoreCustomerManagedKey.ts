import { isClusterMember, judgeFlagAndKey, rdsDataSource } from '../../private/datastores';
import { globToRegExp } from '../../private/iam';
import { judgeKey } from '../../private/kms';
import { StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic, isTrue, knownText, referencedAnywhere, UNRESOLVED } from '../../private/values';

type Properties = { [key: string]: any };

/** Database clusters and instances that copy their data (and its encryption) from one another, by engine family. */
const RDS_FAMILY = ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'];
const FAMILIES: { [type: string]: string[] } = {
  'AWS::RDS::DBInstance': RDS_FAMILY,
  'AWS::RDS::DBCluster': RDS_FAMILY,
  'AWS::DocDB::DBCluster': ['AWS::DocDB::DBCluster'],
  'AWS::Neptune::DBCluster': ['AWS::Neptune::DBCluster'],
};

/**
 * RDS-style storage (RDS, Aurora, DocumentDB, Neptune): StorageEncrypted + KmsKeyId, unless the data
 * (and its key) comes from a snapshot or source.
 */
function rdsStorage(p: Properties, index: StackIndex, family: string[] = RDS_FAMILY, seen: Set<unknown> = new Set()): Outcome {
  const source = rdsDataSource(p);
  if (source !== undefined && p.KmsKeyId === undefined) {
    // A replica or clone of a database of this stack is encrypted as its source is (named by Ref, or by an ARN built around one).
    const origin = index.target(p[source]) ?? [...referencedAnywhere(p[source])]
      .map((id) => index.byLogicalId.get(id)).find((r) => r !== undefined && family.includes(r.type));
    if (origin && family.includes(origin.type) && !seen.has(origin)) {
      seen.add(origin);
      const o = rdsStorage(origin.properties, index, family, seen);
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
 * A global database: its members keep their own keys (each member cluster is judged), but they are
 * encrypted only when the global cluster is, or when the source cluster it was made from is.
 */
function globalCluster(family: string[]) {
  return (p: Properties, index: StackIndex): Outcome => {
    if (p.SourceDBClusterIdentifier !== undefined) {
      // Global clusters take the source's ARN, which CDK and templates build around a Ref to the cluster.
      const origin = index.target(p.SourceDBClusterIdentifier) ?? [...referencedAnywhere(p.SourceDBClusterIdentifier)]
        .map((id) => index.byLogicalId.get(id)).find((r) => r !== undefined && family.includes(r.type));
      if (origin && family.includes(origin.type)) {
        const o = rdsStorage(origin.properties, index, family);
        return o.detail ? { ...o, detail: `source ${origin.logicalId}: ${o.detail}` } : o;
      }
      return unverifiable(`the storage encryption is inherited from SourceDBClusterIdentifier ${describe(p.SourceDBClusterIdentifier)}, which the template does not show`);
    }
    if (isIntrinsic(p.StorageEncrypted)) {
      return unverifiable(`StorageEncrypted is ${describe(p.StorageEncrypted)}, only known at deploy time`);
    }
    return isTrue(p.StorageEncrypted) ? COMPLIANT
      : nonCompliant(`StorageEncrypted is ${p.StorageEncrypted === undefined ? 'not set' : describe(p.StorageEncrypted)}, so the member clusters are stored unencrypted`);
  };
}

/** A service that encrypts at rest only under a key AWS owns or manages. */
function awsKeyOnly(message: string) {
  return (): Outcome => nonCompliant(message);
}

/**
 * Firehose keeps records at rest while it buffers them, encrypted only as DeliveryStreamEncryptionConfigurationInput
 * says. A stream reading from a Kinesis data stream keeps nothing: the data stays in the stream, which is judged itself.
 */
function firehose(p: Properties, index: StackIndex): Outcome {
  const type = p.DeliveryStreamType;
  if (isIntrinsic(type)) {
    return unverifiable(`DeliveryStreamType is ${describe(type)}, only known at deploy time`);
  }
  if (type === 'KinesisStreamAsSource') {
    return all(...firehoseDestinationKeys(p, '', index));
  }
  return all(firehoseBuffer(p, type, index), ...firehoseDestinationKeys(p, '', index));
}

/**
 * Keys a destination names for the objects Firehose writes to S3 (KMSEncryptionConfig.AWSKMSKeyARN, in any
 * S3 destination, S3 backup or S3Configuration): they override the bucket's default key. NoEncryptionConfig
 * leaves the bucket's default encryption, which the S3 rules judge.
 */
function firehoseDestinationKeys(value: unknown, path: string, index: StackIndex): Outcome[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, i) => firehoseDestinationKeys(item, `${path}/${i}`, index));
  }
  if (value === null || typeof value !== 'object' || isIntrinsic(value)) {
    return [];
  }
  return Object.entries(value).flatMap(([key, item]) => key === 'KMSEncryptionConfig'
    ? [isIntrinsic(item) ? unverifiable(`${path.slice(1)}/KMSEncryptionConfig is only known at deploy time`)
      : judgeKey((item as Properties)?.AWSKMSKeyARN, index, `${path.slice(1)}/KMSEncryptionConfig/AWSKMSKeyARN`)]
    : firehoseDestinationKeys(item, `${path}/${key}`, index));
}

function firehoseBuffer(p: Properties, type: unknown, index: StackIndex): Outcome {
  const sse = p.DeliveryStreamEncryptionConfigurationInput;
  if (sse === undefined && type !== undefined && type !== 'DirectPut') {
    return unverifiable(`a ${type} stream without DeliveryStreamEncryptionConfigurationInput: what it keeps at rest is not judged`);
  }
  return block(sse, 'DeliveryStreamEncryptionConfigurationInput', (e) => {
    if (sse === undefined) {
      return nonCompliant('DeliveryStreamEncryptionConfigurationInput is not set, so buffered records are stored unencrypted');
    }
    if (isIntrinsic(e.KeyType)) {
      return unverifiable(`KeyType is ${describe(e.KeyType)}, only known at deploy time`);
    }
    if (e.KeyType !== 'CUSTOMER_MANAGED_CMK') {
      return nonCompliant(`DeliveryStreamEncryptionConfigurationInput.KeyType is ${describe(e.KeyType)}`);
    }
    return judgeKey(e.KeyARN, index, 'DeliveryStreamEncryptionConfigurationInput.KeyARN');
  });
}

/** An OpenSearch Serverless encryption policy, read as JSON with each deploy-time part unresolved. */
function serverlessEncryptionPolicy(r: { properties: Properties }): { policy?: Properties; outcome?: Outcome } {
  const text = knownText(r.properties.Policy);
  if (text === undefined) {
    return { outcome: unverifiable('the encryption policy is only known at deploy time') };
  }
  try {
    const policy = JSON.parse(text);
    return policy && typeof policy === 'object' ? { policy } : { outcome: unverifiable('the encryption policy is not a JSON object') };
  } catch {
    return { outcome: unverifiable('the encryption policy is not JSON the rule can read') };
  }
}

function judgeServerlessPolicy(r: { properties: Properties }, index: StackIndex): Outcome {
  const { policy, outcome } = serverlessEncryptionPolicy(r);
  if (!policy) {
    return outcome!;
  }
  if (policy.AWSOwnedKey === true || policy.AWSOwnedKey === 'true') {
    return nonCompliant('the encryption policy sets AWSOwnedKey true');
  }
  const arn = policy.KmsARN;
  if (typeof arn !== 'string' || arn === '') {
    return nonCompliant('the encryption policy names no KmsARN, so an AWS-owned key is used');
  }
  if (!arn.includes(UNRESOLVED)) {
    return judgeKey(arn, index, 'KmsARN');
  }
  // The key's ARN is filled in at deploy time: it must come from a key of this stack.
  const keys = [...referencedAnywhere(r.properties.Policy)].filter((id) => !id.startsWith('AWS::')).map((id) => index.byLogicalId.get(id));
  return keys.length > 0 && keys.every((t) => t?.type === 'AWS::KMS::Key' || t?.type === 'AWS::KMS::ReplicaKey')
    ? COMPLIANT : unverifiable('KmsARN is only known at deploy time');
}

/** A collection is encrypted under the encryption policy whose rules match its name; that policy must be in the stack. */
function serverlessCollection(p: Properties, index: StackIndex): Outcome {
  if (typeof p.Name !== 'string') {
    return unverifiable(`the collection name is ${describe(p.Name)}, only known at deploy time`);
  }
  const covering: Outcome[] = [];
  for (const candidate of index.byType('AWS::OpenSearchServerless::SecurityPolicy')) {
    if (candidate.properties.Type !== 'encryption') {
      continue;
    }
    const { policy } = serverlessEncryptionPolicy(candidate);
    const patterns = asArray<any>(policy?.Rules).filter((rule) => rule?.ResourceType === 'collection').flatMap((rule) => asArray<unknown>(rule.Resource));
    if (patterns.some((pattern) => typeof pattern === 'string' && globToRegExp(pattern).test(`collection/${p.Name}`))) {
      covering.push(judgeServerlessPolicy(candidate, index));
    }
  }
  return covering.length > 0 ? worst(covering)
    : unverifiable(`no encryption policy of this stack covers collection/${p.Name}, so its key is not known`);
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
  'AWS::RDS::GlobalCluster': globalCluster(RDS_FAMILY),
  'AWS::DocDB::DBCluster': (p, index) => all(
    rdsStorage(p, index, FAMILIES['AWS::DocDB::DBCluster']),
    isTrue(p.ManageMasterUserPassword) ? judgeKey(p.MasterUserSecretKmsKeyId, index, 'MasterUserSecretKmsKeyId')
      : isIntrinsic(p.ManageMasterUserPassword) ? unverifiable('ManageMasterUserPassword is only known at deploy time') : undefined,
  ),
  'AWS::DocDB::GlobalCluster': globalCluster(FAMILIES['AWS::DocDB::DBCluster']),
  // DocumentDB elastic clusters are always encrypted, under an AWS-owned key unless KmsKeyId names one.
  'AWS::DocDBElastic::Cluster': (p, index) => judgeKey(p.KmsKeyId, index, 'KmsKeyId'),
  'AWS::Neptune::DBCluster': (p, index) => rdsStorage(p, index, FAMILIES['AWS::Neptune::DBCluster']),
  'AWS::Neptune::GlobalCluster': globalCluster(FAMILIES['AWS::Neptune::DBCluster']),
  'AWS::DAX::Cluster': awsKeyOnly('DAX encrypts at rest only under the AWS-managed key aws/dax (or not at all): cache the table ' +
    'in the application, or use a store that takes a customer-managed key'),
  // MemoryDB always encrypts at rest, under a key AWS owns unless KmsKeyId names one; its snapshots likewise.
  'AWS::MemoryDB::Cluster': (p, index) => judgeKey(p.KmsKeyId, index, 'KmsKeyId'),
  'AWS::MemoryDB::Snapshot': (p, index) => judgeKey(p.KmsKeyId, index, 'KmsKeyId'),
  'AWS::KinesisFirehose::DeliveryStream': firehose,
  'AWS::OpenSearchServerless::SecurityPolicy': (p, index) => {
    if (isIntrinsic(p.Type)) {
      return unverifiable(`Type is ${describe(p.Type)}, only known at deploy time`);
    }
    return p.Type === 'encryption' ? judgeServerlessPolicy({ properties: p }, index) : NOT_APPLICABLE;
  },
  'AWS::OpenSearchServerless::Collection': serverlessCollection,
};

/** Data stores other than EBS, S3 and Secrets Manager are encrypted at rest under a customer-managed KMS key. */
export const DataStoreCustomerManagedKey: RuleDefinition = {
  name: 'DataStoreCustomerManagedKey',
  guarantee: 'G1',
  info: 'The data store is not encrypted at rest with a customer-managed KMS key.',
  explanation: 'Customer data in RDS and Aurora (including Performance Insights and the master password RDS keeps in ' +
    'Secrets Manager), global databases, DocumentDB (and elastic clusters), Neptune, EFS, DynamoDB (DAX cannot take a ' +
    'customer-managed key), OpenSearch (and Serverless encryption policies and collections), Redshift (and Serverless), ' +
    'ElastiCache (and Serverless), MemoryDB, MSK, Kinesis, Firehose and SQS must be encrypted with AES-256 under a key whose policy, rotation and deletion the ' +
    'service owner controls. Turn encryption on and name a kms.Key: an absent key means an AWS-owned or AWS-managed ' +
    '(alias/aws/...) key, and an absent flag often means no encryption at all.',
  resourceTypes: Object.keys(JUDGES),
  evaluate(r, { index }) {
    const judge = JUDGES[r.type];
    return judge ? judge(r.properties, index) : NOT_APPLICABLE;
  },
};
