import { ArnFormat, Aws, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { assertCustomerManagedKey } from './customer-managed';
import { BREAK_GLASS_ACTIONS, DENIED_TO_UNNAMED_ACTIONS, KEY_ADMIN_ACTIONS, KEY_USE_ACTIONS, LOGS_SERVICE_ACTIONS, keyPolicyViolations } from './private/key-policy';
import { declareDeployers, deployersOf, principalArns } from '../private/deployers';
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
   * Principals that administer the keys this construct creates, in addition to the deployers.
   *
   * They get the administrative actions only (describe, enable, disable, tag, rotate, change the
   * policy, schedule or cancel deletion), never encrypt, decrypt, re-encrypt, data key generation or
   * `kms:CreateGrant`. Pass the account's key-admin role here if it has one.
   *
   * @default - only the deployers administer the keys
   */
  readonly administrators?: iam.IPrincipal[];

  /**
   * The principals CloudFormation creates and updates this stack's resources as.
   *
   * They administer the keys (CloudFormation writes the key policies, and KMS refuses a key policy
   * that its creator could not change again), and they use the data, backup and secrets keys only
   * through Amazon EC2, AWS Backup and Secrets Manager: creating an encrypted volume, instance, vault
   * or generated secret is a use of its key by whoever creates it.
   *
   * @default - the CloudFormation execution role of the stack's `DefaultStackSynthesizer`
   * (`cdk-<qualifier>-cfn-exec-role-<account>-<region>`); other synthesizers must pass it
   */
  readonly deployers?: iam.IPrincipal[];

  /**
   * Whether the account's root user may read and replace the key policies (and do nothing else with
   * the keys): the way back if every administrator is deleted or loses access.
   *
   * Without it, a key whose administrators are all gone can be managed again only through AWS Support.
   * The root user cannot use the keys or grant them; what it could do is write a new key policy,
   * which `OperatorAccess.alertOnKeyChanges` reports.
   *
   * @default true
   */
  readonly rootUserBreakGlass?: boolean;
}

/** Bounds KMS accepts for automatic rotation, in days. */
const MIN_ROTATION_DAYS = 90;
const MAX_ROTATION_DAYS = 2560;
const ALIAS_SUFFIXES = ['data', 'backup', 'logs', 'secrets'];

/** Alias prefixes in use per stack: two ServiceKeys with the same prefix would fail at deployment. */
const aliasPrefixesByStack = new WeakMap<Stack, Map<string, string>>();

/**
 * A key whose grants name the grantee in the key policy, and whose policy denies use and grants to
 * every principal of the account that it does not name.
 *
 * kms.Key normally trusts account identities, so `grantX(role)` only adds an IAM statement. The
 * ServiceKeys policy does not let IAM policies grant use (administration is separate from use), so
 * such a grant would be silently ineffective; naming the grantee in the key policy makes it work and
 * keeps it least-privilege. The principals named by Allow statements are collected at synthesis into
 * the exemptions of the explicit Deny, so a grant made after the key is created still works.
 */
class ServiceKey extends kms.Key {
  private seenStatements?: iam.PolicyStatement[];

  public get grants(): kms.KeyGrants {
    return kms.KeyGrants.fromKey(this, false);
  }

  public addToResourcePolicy(statement: iam.PolicyStatement, allowNoOp?: boolean): iam.AddToResourcePolicyResult {
    this.seen(statement);
    return super.addToResourcePolicy(statement, allowNoOp);
  }

  /** Records a statement of the policy the key was created with. */
  public seen(statement: iam.PolicyStatement): void {
    (this.seenStatements ??= []).push(statement);
  }

  /** The ARNs of the IAM principals that Allow statements name, excluding whole accounts and `*`. */
  public namedPrincipalArns(): unknown[] {
    const allows = (this.seenStatements ?? []).filter((statement) => statement.effect === iam.Effect.ALLOW);
    return principalArns(Stack.of(this), allows.flatMap((statement) => statement.principals));
  }
}

/**
 * Four purpose-separated customer-managed KMS keys for a TimescaleDB service: data (EBS volumes and
 * snapshots), backup (the AWS Backup vaults), logs (CloudWatch Logs and audit trails) and secrets
 * (Secrets Manager).
 *
 * Each key this construct creates is SYMMETRIC_DEFAULT (AES-256-GCM), rotates automatically,
 * has a 30-day deletion window, is retained when the stack is deleted, and has an alias.
 *
 * Key policies name every principal; none delegates to the account's IAM policies:
 * - Administration is separate from use. The deployers (CloudFormation's execution role) and the
 *   optional `administrators` may administer a key; the administrative actions include neither
 *   cryptographic use nor `kms:CreateGrant`.
 * - Use is by named principal, through a service. The deployers use the data, backup and secrets keys
 *   only through EC2, AWS Backup and Secrets Manager, to create the encrypted resources. Every other
 *   user is named by a grant (`key.grantDecrypt(role)` and the other `grant` methods add the grantee
 *   to the key policy): the host role, the backup role (`EncryptedBackups` names it), the certificate issuer,
 *   the operator role. The log services are named as service principals with their encryption context.
 *   `kms:CreateGrant` is allowed only with `kms:GrantIsForAWSResource`.
 * - An explicit Deny refuses use and grants to every principal of the account that the policy does not
 *   name, so an IAM policy with `kms:*` opens nothing, and a statement that delegates to the account
 *   (CDK's `Secret` adds one for Secrets Manager) reaches only the named principals.
 * - Break glass: the account's root user may read and replace the key policy, nothing else
 *   (`rootUserBreakGlass`, on by default), so losing every administrator does not make a key
 *   unmanageable. A key policy change alerts (`OperatorAccess.alertOnKeyChanges`).
 * - No statement allows every principal (`*`) without conditions. This, and the separation above,
 *   are checked again at synthesis, so a statement added later by another construct
 *   (`key.addToResourcePolicy`) cannot quietly break them.
 *
 * A grant to a principal of a stack that depends on this one becomes an account-wide statement, which
 * the Deny makes ineffective and the synthesis check refuses; keep such principals in this stack.
 *
 * Keys you bring (`dataKey`, ...) must be customer-managed (an `alias/aws/...` key is refused);
 * the construct then creates no key for that purpose and leaves the brought key's policy untouched.
 */
export class ServiceKeys extends Construct {
  /** Key for EBS volumes and snapshots. */
  public readonly dataKey: kms.IKey;
  /** Key for the AWS Backup vaults. */
  public readonly backupKey: kms.IKey;
  /** Key for CloudWatch Logs, CloudTrail, SNS alert topics and audit S3 buckets. */
  public readonly logsKey: kms.IKey;
  /** Key for Secrets Manager. */
  public readonly secretsKey: kms.IKey;

  private readonly rotationPeriodDays: number;
  private readonly aliasPrefix: string;
  private readonly deployers: iam.IPrincipal[];
  private readonly administrators: iam.IPrincipal[];
  private readonly rootUserBreakGlass: boolean;

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
    this.rootUserBreakGlass = props.rootUserBreakGlass ?? true;
    const createsAny = !(props.dataKey && props.backupKey && props.logsKey && props.secretsKey);
    if (props.deployers) {
      declareDeployers(stack, props.deployers);
    }
    this.deployers = props.deployers ?? (createsAny ? deployersOf(stack) : []);
    if (createsAny) {
      if (this.deployers.length === 0) {
        throw new Error('ServiceKeysProps.deployers must name at least one principal; got an empty list. ' +
          'Pass the role CloudFormation deploys this stack as, or leave it out to use the CDK bootstrap\'s execution role.');
      }
      validateAliasPrefix(this.aliasPrefix);
      this.claimAliasPrefix(stack);
    }

    const region = stack.region;
    this.dataKey = props.dataKey ?? this.createKey('DataKey', 'data',
      'Timescale service data key: EBS volumes and snapshots of the database host. Used through Amazon EC2 by named principals only.',
      deployersThrough(this.deployers, `ec2.${region}.amazonaws.com`, 'Ec2', KEY_USE_ACTIONS));
    this.backupKey = props.backupKey ?? this.createKey('BackupKey', 'backup',
      'Timescale service backup key: the AWS Backup vaults. Used through AWS Backup by named principals only.',
      // What creating a vault under a customer-managed key needs (AWS Backup Developer Guide, "Backup vault creation").
      deployersThrough(this.deployers, `backup.${region}.amazonaws.com`, 'Backup', ['kms:DescribeKey', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:RetireGrant']));
    this.logsKey = props.logsKey ?? this.createKey('LogsKey', 'logs',
      'Timescale service logs key: CloudWatch Logs, CloudTrail, alert topics and audit buckets.',
      [cloudWatchLogsStatement(stack)], RemovalPolicy.RETAIN);
    this.secretsKey = props.secretsKey ?? this.createKey('SecretsKey', 'secrets',
      'Timescale service secrets key: Secrets Manager secrets. Used through Secrets Manager by named principals only.',
      deployersThrough(this.deployers, `secretsmanager.${region}.amazonaws.com`, 'SecretsManager', ['kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*']));
  }

  /**
   * `removalPolicy`: the data, backup and secrets keys are RetainExceptOnCreate: kept when the stack is
   * deleted or the key is replaced, scheduled for deletion (30-day window) if the create that made them
   * rolls back, when nothing they encrypt can be worth keeping. The logs key is always retained: the
   * audit bucket keeps even a failed create's trail and is encrypted with it.
   */
  private createKey(id: string, aliasSuffix: string, description: string, useStatements: iam.PolicyStatement[],
    removalPolicy: RemovalPolicy = RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE): kms.IKey {
    const statements = [
      new iam.PolicyStatement({
        sid: 'KeyAdministrationWithoutUse',
        principals: [...this.deployers, ...this.administrators],
        actions: KEY_ADMIN_ACTIONS,
        resources: ['*'],
      }),
      ...(this.rootUserBreakGlass ? [new iam.PolicyStatement({
        sid: 'RootUserMayOnlyReplaceThePolicy',
        principals: [new iam.AccountRootPrincipal()],
        actions: BREAK_GLASS_ACTIONS,
        resources: ['*'],
        conditions: { StringEquals: { 'aws:PrincipalType': 'Account' } },
      })] : []),
      ...useStatements,
    ];
    const policy = new iam.PolicyDocument({ statements });
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
    statements.forEach((statement) => key.seen(statement));
    // Deployers are always exempt: they administer the key, and exemption grants nothing by itself.
    policy.addStatements(new iam.PolicyStatement({
      sid: 'DenyUseAndGrantsToUnnamedPrincipalsOfThisAccount',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: DENIED_TO_UNNAMED_ACTIONS,
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID },
        ArnNotLike: { 'aws:PrincipalArn': Lazy.any({ produce: () => key.namedPrincipalArns() }) },
      },
    }));
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

/**
 * Statements that let the deployers use the key only through `viaService`: `actions`, and grants
 * for AWS resources (an EBS volume attached to an instance keeps using its key through a grant).
 */
function deployersThrough(deployers: iam.IPrincipal[], viaService: string, sidService: string, actions: string[]): iam.PolicyStatement[] {
  const through = { 'kms:ViaService': viaService };
  return [
    new iam.PolicyStatement({
      sid: `DeployersUseOnlyThrough${sidService}`,
      principals: deployers,
      actions,
      resources: ['*'],
      conditions: { StringEquals: through },
    }),
    new iam.PolicyStatement({
      sid: `DeployersGrantOnlyThrough${sidService}ForAwsResources`,
      principals: deployers,
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { StringEquals: through, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
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
