import { DescribeBackupVaultCommand } from '@aws-sdk/client-backup';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetTopicAttributesCommand } from '@aws-sdk/client-sns';
import { conditionValues, globToRegExp, isEveryone, parsePolicy, statementsOf } from '../../nag/private/iam';
import { asArray } from '../../nag/private/values';
import { CheckContext, CheckOutcome, compliant, nonCompliant, ResourceCheck, unverifiable } from '../context';

async function keyOutcome(context: CheckContext, rule: string, keyRef: string | undefined, absent: string): Promise<CheckOutcome> {
  const problem = await context.keyProblem(keyRef, absent);
  return problem ? nonCompliant(rule, problem) : compliant(rule, `encrypted with ${keyRef}`);
}

/** Log groups: a customer-managed key. */
export const logGroupCheck: ResourceCheck = {
  resourceType: 'AWS::Logs::LogGroup',
  rules: ['LogGroupCustomerManagedKey'],
  async check(resource, context) {
    let token: string | undefined;
    do {
      const command = new DescribeLogGroupsCommand({ logGroupNamePrefix: resource.physicalId, nextToken: token });
      const out = await context.send<any>(context.clients.logs, command);
      const group = (out.logGroups ?? []).find((g: any) => g.logGroupName === resource.physicalId);
      if (group) {
        return [await keyOutcome(context, 'LogGroupCustomerManagedKey', group.kmsKeyId, 'not encrypted with a KMS key (CloudWatch Logs\' own encryption)')];
      }
      token = out.nextToken;
    } while (token);
    return [unverifiable('LogGroupCustomerManagedKey', 'the log group no longer exists')];
  },
};

/** Secrets: a customer-managed key. */
export const secretCheck: ResourceCheck = {
  resourceType: 'AWS::SecretsManager::Secret',
  rules: ['SecretCustomerManagedKey'],
  async check(resource, context) {
    const secret = await context.send<any>(context.clients.secrets, new DescribeSecretCommand({ SecretId: resource.physicalId }));
    return [await keyOutcome(context, 'SecretCustomerManagedKey', secret.KmsKeyId, 'encrypted with the AWS managed key aws/secretsmanager')];
  },
};

/** Topics: a customer-managed key. */
export const topicCheck: ResourceCheck = {
  resourceType: 'AWS::SNS::Topic',
  rules: ['TopicCustomerManagedKey'],
  async check(resource, context) {
    const out = await context.send<any>(context.clients.sns, new GetTopicAttributesCommand({ TopicArn: resource.physicalId }));
    return [await keyOutcome(context, 'TopicCustomerManagedKey', out.Attributes?.KmsMasterKeyId || undefined, 'not encrypted (no KmsMasterKeyId)')];
  },
};

function errorName(error: any): string {
  return error?.name ?? error?.Code ?? 'Error';
}

/** S3 buckets: SSE-KMS with a customer-managed key, all public access blocked, a policy denying non-TLS requests. */
export const bucketCheck: ResourceCheck = {
  resourceType: 'AWS::S3::Bucket',
  rules: ['BucketCustomerManagedKey', 'BucketBlocksPublicAccess', 'BucketDeniesInsecureTransport'],
  async check(resource, context) {
    const { s3 } = context.clients;
    const Bucket = resource.physicalId;
    const results: CheckOutcome[] = [];

    try {
      const out = await context.send<any>(s3, new GetBucketEncryptionCommand({ Bucket }));
      const rule = out.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault ?? {};
      results.push(rule.SSEAlgorithm === 'aws:kms' || rule.SSEAlgorithm === 'aws:kms:dsse'
        ? await keyOutcome(context, 'BucketCustomerManagedKey', rule.KMSMasterKeyID, 'SSE-KMS with the AWS managed key aws/s3')
        : nonCompliant('BucketCustomerManagedKey', `default encryption is ${rule.SSEAlgorithm ?? 'not set'}`));
    } catch (error: any) {
      if (errorName(error) !== 'ServerSideEncryptionConfigurationNotFoundError') {
        throw error;
      }
      results.push(nonCompliant('BucketCustomerManagedKey', 'no default encryption configuration'));
    }

    try {
      const block = (await context.send<any>(s3, new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration ?? {};
      const off = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'].filter((k) => block[k] !== true);
      results.push(off.length === 0 ? compliant('BucketBlocksPublicAccess') : nonCompliant('BucketBlocksPublicAccess', `${off.join(', ')} off`));
    } catch (error: any) {
      if (errorName(error) !== 'NoSuchPublicAccessBlockConfiguration') {
        throw error;
      }
      results.push(nonCompliant('BucketBlocksPublicAccess', 'the bucket has no Block Public Access configuration'));
    }

    try {
      const policy = parsePolicy((await context.send<any>(s3, new GetBucketPolicyCommand({ Bucket }))).Policy);
      const denies = statementsOf(policy).some((s) => s.Effect === 'Deny' && isEveryone(s.Principal) &&
        asArray(s.Action).some((a) => a === 's3:*' || a === '*') &&
        conditionValues(s, ['Bool', 'BoolIfExists'], 'aws:SecureTransport').some((v) => v === false || v === 'false') &&
        onlyInsecureTransportCondition(s) && coversBucketAndObjects(asArray(s.Resource), Bucket));
      results.push(denies
        ? compliant('BucketDeniesInsecureTransport')
        : nonCompliant('BucketDeniesInsecureTransport',
          'the bucket policy has no Deny of s3:* for "*" on the bucket and all its objects when aws:SecureTransport is false, with no other condition'));
    } catch (error: any) {
      if (errorName(error) !== 'NoSuchBucketPolicy') {
        throw error;
      }
      results.push(nonCompliant('BucketDeniesInsecureTransport', 'the bucket has no policy'));
    }
    return results;
  },
};

/** A Deny narrowed by any other condition (a principal's account, a source IP) leaves plaintext requests through. */
function onlyInsecureTransportCondition(statement: any): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, block]) => ['Bool', 'BoolIfExists'].includes(operator) &&
    !!block && typeof block === 'object' && Object.keys(block).every((key) => key.toLowerCase() === 'aws:securetransport'));
}

/** The statement's resources match the bucket itself and every object key in it (`bucket/*`, `bucket*` or `*`). */
function coversBucketAndObjects(resources: unknown[], bucket: string): boolean {
  const names = resources.filter((r): r is string => typeof r === 'string')
    .map((r) => (r === '*' ? '*' : /^arn:[^:]*:s3:::(.*)$/.exec(r)?.[1]))
    .filter((r): r is string => r !== undefined);
  const objectsPrefix = `${bucket}/`;
  // A pattern ending in `*` covers every key when what precedes that `*` matches a prefix of `bucket/`.
  const prefixes = Array.from({ length: objectsPrefix.length + 1 }, (_, i) => objectsPrefix.slice(0, i));
  const coversObjects = (pattern: string) => pattern.endsWith('*') && prefixes.some((prefix) => globToRegExp(pattern.slice(0, -1)).test(prefix));
  return names.some((n) => globToRegExp(n).test(bucket)) && names.some(coversObjects);
}

/** Backup vaults: a customer-managed key and a Vault Lock. */
export const backupVaultCheck: ResourceCheck = {
  resourceType: 'AWS::Backup::BackupVault',
  rules: ['BackupVaultCustomerManagedKey', 'BackupVaultLocked'],
  async check(resource, context) {
    const vault = await context.send<any>(context.clients.backup, new DescribeBackupVaultCommand({ BackupVaultName: resource.physicalId }));
    return [
      await keyOutcome(context, 'BackupVaultCustomerManagedKey', vault.EncryptionKeyArn, 'no encryption key reported'),
      vault.Locked === true
        ? compliant('BackupVaultLocked', `locked, minimum retention ${vault.MinRetentionDays ?? '-'} days`)
        : nonCompliant('BackupVaultLocked', 'no Vault Lock'),
    ];
  },
};
