import { ArnFormat, Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { assertCustomerManagedKey } from './customer-managed';
import { KEY_ADMIN_ACTIONS, KEY_USE_ACTIONS, LOGS_SERVICE_ACTIONS, keyPolicyViolations } from './private/key-policy';
import { assertInRange } from '../private/validation';

/**
 * Properties of `ServiceKeys`.
 */
export interface ServiceKeysProps {
  /**
   * Key for the database host's EBS volumes (root, data, WAL) and their snapshots, including
   * the AWS Backup recovery points of those volumes (EBS backups keep the source volume's key).
   *
   * Must be customer-managed: an AWS-managed key (`alias/aws/...`) is refused. A key you bring
   * is used as is; its key policy must let EC2 use it for the callers that launch the host.
   *
   * @default - a new customer-managed key, usable only through Amazon EC2 by callers in this account
   */
  readonly dataKey?: kms.IKey;

  /**
   * Key for the AWS Backup vault.
   *
   * Must be customer-managed: an AWS-managed key (`alias/aws/...`) is refused.
   *
   * @default - a new customer-managed key, usable only through AWS Backup by callers in this account
   */
  readonly backupKey?: kms.IKey;

  /**
   * Key for CloudWatch Logs log groups, CloudTrail, SNS alert topics and audit S3 buckets.
   *
   * Must be customer-managed: an AWS-managed key (`alias/aws/...`) is refused. The constructs
   * that send CloudTrail, SNS or S3 data under this key add the statements those services need.
   *
   * @default - a new customer-managed key that CloudWatch Logs may use for this account's log groups
   */
  readonly logsKey?: kms.IKey;

  /**
   * Key for Secrets Manager secrets (the database superuser password, TLS private keys).
   *
   * Must be customer-managed: an AWS-managed key (`alias/aws/...`) is refused.
   *
   * @default - a new customer-managed key, usable only through Secrets Manager by callers in this account
   */
  readonly secretsKey?: kms.IKey;

  /**
   * How often KMS rotates the key material of the keys this construct creates.
   *
   * KMS accepts 90 to 2560 days. A token is accepted when it is given in days, for example
   * `Duration.days(parameter.valueAsNumber)`; its range is then checked by KMS at deployment.
   * Keys you bring keep their own rotation settings.
   *
   * @default Duration.days(365)
   * @see https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
   */
  readonly rotationPeriod?: Duration;

  /**
   * Prefix of the aliases of the keys this construct creates: `<prefix>/data`, `<prefix>/backup`,
   * `<prefix>/logs` and `<prefix>/secrets`.
   *
   * Must start with `alias/`, must not start with `alias/aws/` (reserved for AWS-managed keys)
   * and may contain only letters, digits, `/`, `_` and `-`.
   *
   * @default - `alias/timescale/<stack name>`
   */
  readonly aliasPrefix?: string;

  /**
   * Principals that administer the keys this construct creates, in addition to the account.
   *
   * They get the administrative actions only (describe, enable, disable, tag, rotate, change the
   * policy, schedule or cancel deletion), never encrypt, decrypt, re-encrypt or data key generation.
   *
   * @default - only the account administers the keys, through IAM policies that grant the administrative actions
   */
  readonly administrators?: iam.IPrincipal[];
}

/** Bounds KMS accepts for automatic rotation, in days. */
const MIN_ROTATION_DAYS = 90;
const MAX_ROTATION_DAYS = 2560;
const ALIAS_SUFFIXES = ['data', 'backup', 'logs', 'secrets'];

/** Alias prefixes in use per stack: two ServiceKeys with the same prefix would fail at deployment. */
const aliasPrefixesByStack = new WeakMap<Stack, Map<string, string>>();

/**
 * A key whose grants name the grantee in the key policy.
 *
 * kms.Key normally trusts account identities, so `grantX(role)` only adds an IAM statement. The
 * ServiceKeys policy does not let IAM policies grant cryptographic use (administration is separate
 * from use), so such a grant would be silently ineffective; naming the grantee in the key policy
 * makes it work and keeps it least-privilege.
 */
class ServiceKey extends kms.Key {
  public get grants(): kms.KeyGrants {
    return kms.KeyGrants.fromKey(this, false);
  }
}

/**
 * Four purpose-separated customer-managed KMS keys for a TimescaleDB service: data (EBS volumes and
 * snapshots), backup (the AWS Backup vault), logs (CloudWatch Logs and audit trails) and secrets
 * (Secrets Manager).
 *
 * Each key this construct creates is SYMMETRIC_DEFAULT (AES-256-GCM), rotates automatically,
 * has a 30-day deletion window, is retained when the stack is deleted, and has an alias.
 *
 * Key policies are written explicitly, least-privilege:
 * - Administration is separate from use. The account (that is, IAM policies in it) and the optional
 *   `administrators` may only administer a key; none of them may encrypt, decrypt, re-encrypt or
 *   generate data keys with it.
 * - Use is by service. The data, backup and secrets keys may be used by any principal of this
 *   account only through EC2, AWS Backup and Secrets Manager respectively (`kms:CallerAccount` and
 *   `kms:ViaService`), the pattern of the AWS-managed `aws/ebs` key. Who may read a secret, attach a
 *   volume or restore a backup is therefore decided by IAM permissions on the secret, volume or
 *   vault, which every principal still needs. The logs key may be used by CloudWatch Logs for this
 *   account's log groups only (`kms:EncryptionContext:aws:logs:arn`).
 * - No statement allows every principal (`*`) without conditions. This, and the separation above,
 *   are checked again at synthesis, so a statement added later by another construct
 *   (`key.addToResourcePolicy`) cannot quietly break them.
 *
 * Because the account cannot grant use through IAM, `key.grantEncryptDecrypt(role)` and the other
 * `grant` methods on the keys this construct creates add the grantee to the key policy (as well as
 * to its IAM policy): grants work, for exactly the principal granted. A grant to a principal of a
 * stack that depends on this one becomes an account-wide statement, which the synthesis check refuses;
 * keep such principals in this stack, or name them in a statement limited with `kms:ViaService`.
 *
 * Keys you bring (`dataKey`, ...) must be customer-managed (an `alias/aws/...` key is refused);
 * the construct then creates no key for that purpose and leaves the brought key's policy untouched.
 */
export class ServiceKeys extends Construct {
  /** Key for EBS volumes and snapshots; usable only through EC2 by callers in this account. */
  public readonly dataKey: kms.IKey;
  /** Key for the AWS Backup vault; usable only through AWS Backup by callers in this account. */
  public readonly backupKey: kms.IKey;
  /** Key for CloudWatch Logs, CloudTrail, SNS alert topics and audit S3 buckets. */
  public readonly logsKey: kms.IKey;
  /** Key for Secrets Manager; usable only through Secrets Manager by callers in this account. */
  public readonly secretsKey: kms.IKey;

  private readonly rotationPeriodDays: number;
  private readonly aliasPrefix: string;
  private readonly administrators: iam.IPrincipal[];

  constructor(scope: Construct, id: string, props: ServiceKeysProps = {}) {
    super(scope, id);
    assertCustomerManagedKey(props.dataKey, 'ServiceKeysProps.dataKey');
    assertCustomerManagedKey(props.backupKey, 'ServiceKeysProps.backupKey');
    assertCustomerManagedKey(props.logsKey, 'ServiceKeysProps.logsKey');
    assertCustomerManagedKey(props.secretsKey, 'ServiceKeysProps.secretsKey');

    const stack = Stack.of(this);
    this.rotationPeriodDays = rotationPeriodInDays(props.rotationPeriod ?? Duration.days(365));
    this.aliasPrefix = props.aliasPrefix ?? `alias/timescale/${stack.stackName}`;
    this.administrators = props.administrators ?? [];
    const createsAny = !(props.dataKey && props.backupKey && props.logsKey && props.secretsKey);
    if (createsAny) {
      validateAliasPrefix(this.aliasPrefix);
      this.claimAliasPrefix(stack);
    }

    const region = stack.region;
    this.dataKey = props.dataKey ?? this.createKey('DataKey', 'data',
      'Timescale service data key: EBS volumes and snapshots of the database host. Usable only through Amazon EC2 by callers in this account.',
      usableOnlyThrough(`ec2.${region}.amazonaws.com`, 'Ec2'));
    this.backupKey = props.backupKey ?? this.createKey('BackupKey', 'backup',
      'Timescale service backup key: the AWS Backup vault. Usable only through AWS Backup by callers in this account.',
      usableOnlyThrough(`backup.${region}.amazonaws.com`, 'Backup'));
    this.logsKey = props.logsKey ?? this.createKey('LogsKey', 'logs',
      'Timescale service logs key: CloudWatch Logs, CloudTrail, alert topics and audit buckets.',
      [cloudWatchLogsStatement(stack)], RemovalPolicy.RETAIN);
    this.secretsKey = props.secretsKey ?? this.createKey('SecretsKey', 'secrets',
      'Timescale service secrets key: Secrets Manager secrets. Usable only through Secrets Manager by callers in this account.',
      usableOnlyThrough(`secretsmanager.${region}.amazonaws.com`, 'SecretsManager'));
  }

  /**
   * `removalPolicy`: the data, backup and secrets keys are RetainExceptOnCreate: kept when the stack is
   * deleted or the key is replaced, scheduled for deletion (30-day window) if the create that made them
   * rolls back, when nothing they encrypt can be worth keeping. The logs key is always retained: the
   * audit bucket keeps even a failed create's trail and is encrypted with it.
   */
  private createKey(id: string, aliasSuffix: string, description: string, useStatements: iam.PolicyStatement[],
    removalPolicy: RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE): kms.IKey {
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'KeyAdministrationWithoutUse',
          principals: [new iam.AccountRootPrincipal(), ...this.administrators],
          actions: KEY_ADMIN_ACTIONS,
          resources: ['*'],
        }),
        ...useStatements,
      ],
    });
    const rotationIsToken = Token.isUnresolved(this.rotationPeriodDays);
    const key = new ServiceKey(this, id, {
      description,
      keySpec: kms.KeySpec.SYMMETRIC_DEFAULT,
      keyUsage: kms.KeyUsage.ENCRYPT_DECRYPT,
      enableKeyRotation: true,
      // kms.Key range-checks a Duration even when it is a token, so a token goes to the L1 below.
      rotationPeriod: rotationIsToken ? undefined : Duration.days(this.rotationPeriodDays),
      pendingWindow: Duration.days(30),
      removalPolicy,
      policy,
    });
    if (rotationIsToken) {
      (key.node.defaultChild as kms.CfnKey).rotationPeriodInDays = this.rotationPeriodDays;
    }
    key.addAlias(`${this.aliasPrefix}/${aliasSuffix}`);
    key.node.addValidation({
      validate: () => keyPolicyViolations(Stack.of(key).resolve(policy.toJSON())).map((problem) => `${key.node.path}: ${problem}`),
    });
    return key;
  }

  private claimAliasPrefix(stack: Stack): void {
    if (Token.isUnresolved(this.aliasPrefix)) {
      return;
    }
    const claimed = aliasPrefixesByStack.get(stack) ?? new Map<string, string>();
    aliasPrefixesByStack.set(stack, claimed);
    const other = claimed.get(this.aliasPrefix);
    if (other !== undefined) {
      throw new Error(
        `ServiceKeysProps.aliasPrefix '${this.aliasPrefix}' is already used by the ServiceKeys at '${other}' in this stack; ` +
        'alias names must be unique per account and region. Pass a distinct aliasPrefix to one of them.',
      );
    }
    claimed.set(this.aliasPrefix, this.node.path);
  }
}

/** Statements that let any principal of this account use the key only through `viaService`. */
function usableOnlyThrough(viaService: string, sidService: string): iam.PolicyStatement[] {
  const thisAccountThroughService = {
    'kms:CallerAccount': Aws.ACCOUNT_ID,
    'kms:ViaService': viaService,
  };
  return [
    new iam.PolicyStatement({
      sid: `UseOnlyThrough${sidService}ForThisAccount`,
      principals: [new iam.AnyPrincipal()],
      actions: KEY_USE_ACTIONS,
      resources: ['*'],
      conditions: { StringEquals: thisAccountThroughService },
    }),
    new iam.PolicyStatement({
      // Services keep using the key for attached resources (an EBS volume on instance start) through grants.
      sid: `GrantsOnlyThrough${sidService}ForAwsResources`,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        StringEquals: thisAccountThroughService,
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
    }),
  ];
}

/** CloudWatch Logs may use the key for this account's log groups in this region only. */
function cloudWatchLogsStatement(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'CloudWatchLogsForThisAccountsLogGroups',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
    actions: LOGS_SERVICE_ACTIONS,
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      },
    },
  });
}

/** The rotation period in whole days, checked against KMS's range unless it is a token. */
function rotationPeriodInDays(period: Duration): number {
  const days = period.toDays();
  try {
    assertInRange('ServiceKeysProps.rotationPeriod', days, MIN_ROTATION_DAYS, MAX_ROTATION_DAYS, 'days');
  } catch (e) {
    throw new Error(`${(e as Error).message} KMS rotates keys every 90 to 2560 days; pass for example Duration.days(365).`);
  }
  return days;
}

function validateAliasPrefix(prefix: string): void {
  if (Token.isUnresolved(prefix)) {
    return;
  }
  const fix = "Pass an aliasPrefix such as 'alias/timescale/orders'.";
  if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(prefix) || prefix.endsWith('/')) {
    throw new Error(
      'ServiceKeysProps.aliasPrefix must start with \'alias/\', contain only letters, digits, \'/\', \'_\' and \'-\', ' +
      `and not end with '/'; got '${prefix}'. ${fix}`,
    );
  }
  if (/^alias\/aws\//i.test(prefix) || prefix.toLowerCase() === 'alias/aws') {
    throw new Error(`ServiceKeysProps.aliasPrefix must not start with 'alias/aws' (reserved for AWS-managed keys); got '${prefix}'. ${fix}`);
  }
  const longest = Math.max(...ALIAS_SUFFIXES.map((s) => `${prefix}/${s}`.length));
  if (longest > 256) {
    throw new Error(`ServiceKeysProps.aliasPrefix is too long: the aliases would have ${longest} characters and KMS accepts 256; got '${prefix}'. ${fix}`);
  }
}
