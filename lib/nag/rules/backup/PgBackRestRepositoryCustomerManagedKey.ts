import { judgeKey } from '../../private/kms';
import { optionText, pgBackRestConfigs, repositories } from '../../private/pgbackrest';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleContext, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { describe, referencedLogicalId } from '../../private/values';
import { BucketCustomerManagedKey } from '../s3/BucketCustomerManagedKey';

/**
 * The S3 repository of pgBackRest stores every object under a customer-managed key: the
 * configuration names one (`repo<N>-s3-kms-key-id`, so pgBackRest requests SSE-KMS with it), and the
 * bucket it names, when it is in the stack, is encrypted by default with a customer-managed key.
 */
export const PgBackRestRepositoryCustomerManagedKey: RuleDefinition = {
  name: 'PgBackRestRepositoryCustomerManagedKey',
  guarantee: 'G1',
  info: 'A pgBackRest S3 repository does not store its objects under a customer-managed KMS key.',
  explanation: 'Backups are encrypted at rest under keys the service owner controls. For every repo<N>-type=s3 in ' +
    'pgbackrest.conf set repo<N>-s3-kms-key-id to a customer-managed key (not alias/aws/s3), and give the bucket named by ' +
    'repo<N>-s3-bucket default SSE-KMS encryption with a customer-managed key.',
  resourceTypes: ['*'],
  evaluate(r, context) {
    // Each configuration as pgBackRest merges it: a repository defined in a conf.d file is judged too.
    const files = pgBackRestConfigs(r);
    const outcomes: Outcome[] = [];
    for (const file of files) {
      for (const n of repositories(file)) {
        const type = file.options.get(`repo${n}-type`);
        if (type === undefined && file.partial) {
          outcomes.push(unverifiable(`${file.origin}: repo${n}-type may be set in a pgbackrest.conf that is not in the template`));
          continue;
        }
        const typeText = type === undefined ? 'posix' : optionText(type);
        if (typeText === undefined) {
          outcomes.push(unverifiable(`${file.origin}: repo${n}-type is only known at deploy time`));
          continue;
        }
        if (typeText !== 's3') {
          continue;
        }
        const key = file.options.get(`repo${n}-s3-kms-key-id`);
        outcomes.push(key === undefined
          ? nonCompliant(`${file.origin}: repo${n} is on S3 without repo${n}-s3-kms-key-id, so objects get the bucket's default encryption only`)
          : prefix(file.origin, judgeKey(key.value, context.index, `repo${n}-s3-kms-key-id`)));
        outcomes.push(judgeBucket(file.origin, n, file.options.get(`repo${n}-s3-bucket`)?.value, context));
      }
    }
    return outcomes.length === 0 ? NOT_APPLICABLE : worst([COMPLIANT, ...outcomes]);
  },
};

function prefix(origin: string, outcome: Outcome): Outcome {
  return outcome.detail ? { ...outcome, detail: `${origin}: ${outcome.detail}` } : outcome;
}

function judgeBucket(origin: string, n: number, value: unknown, context: RuleContext): Outcome {
  if (value === undefined) {
    return nonCompliant(`${origin}: repo${n} is on S3 without repo${n}-s3-bucket`);
  }
  const id = referencedLogicalId(value);
  const bucket = id !== undefined ? context.index.target(value)
    : context.index.byType('AWS::S3::Bucket').find((b) => typeof value === 'string' && b.properties.BucketName === value);
  if (!bucket || bucket.type !== 'AWS::S3::Bucket') {
    return unverifiable(`${origin}: the repository bucket ${describe(value)} is not in this stack, so its encryption cannot be seen`);
  }
  return prefix(`${origin}: the repository bucket ${bucket.logicalId}`, BucketCustomerManagedKey.evaluate(bucket, context));
}
