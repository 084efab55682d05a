import { Annotations, Aws, Duration, Fn, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { assertCustomerManagedKey } from '../keys/customer-managed';
import { assertInRange } from '../private/validation';

/**
 * Properties of `EncryptedBackups`.
 */
export interface EncryptedBackupsProps {
  /**
   * Customer-managed KMS key that encrypts both backup vaults (for example `ServiceKeys.backupKey`)
   * and the copies of the recovery points in the copy vault.
   *
   * It protects the vaults' metadata and the recovery points of resources that AWS Backup
   * encrypts with the vault key. EBS snapshots in the first vault keep the key of their source
   * volume instead; their copies are encrypted with this key. The backup role is granted what the
   * copy needs on it. An AWS-managed key (`alias/aws/...`) is refused.
   */
  readonly backupKey: kms.IKey;

  /**
   * The keys that encrypt the resources backed up (for example `ServiceKeys.dataKey` for the
   * database host's volumes). Their recovery points keep these keys, so the backup role needs to
   * read them to copy them under `backupKey`; it is granted `kms:Decrypt`, `kms:DescribeKey`,
   * `kms:ReEncryptFrom` and `kms:CreateGrant` for AWS resources on each.
   *
   * @default - none: the source keys' policies must let the backup role read them
   */
  readonly sourceKeys?: kms.IKey[];

  /**
   * Resources to back up, for example the database host's data and WAL volumes
   * (`backup.BackupResource.fromArn(...)`) or a tag (`backup.BackupResource.fromTag(...)`).
   * More can be added with `addResources()`. At least one is needed by synthesis.
   *
   * @default - none; add them with `addResources()`
   */
  readonly resources?: backup.BackupResource[];

  /**
   * How long each daily recovery point is kept before AWS Backup deletes it.
   *
   * Must be a whole number of days, at least the vault lock's `minRetention`, at most its
   * `maxRetention`, and at least 90 days after `moveToColdStorageAfter` when that is set.
   *
   * @default Duration.days(35)
   */
  readonly retention?: Duration;

  /**
   * When recovery points move to cold storage (the EBS snapshot archive tier for EBS volumes).
   *
   * Cold storage keeps recovery points for at least 90 days, so `retention` must be at least
   * 90 days longer.
   *
   * @default - recovery points stay in warm storage until they are deleted
   */
  readonly moveToColdStorageAfter?: Duration;

  /**
   * Hour of the day (UTC, 0-23) at which the daily backup starts.
   *
   * @default 3
   */
  readonly backupHourUtc?: number;

  /**
   * AWS Backup Vault Lock: recovery points cannot be deleted before `minRetention` nor kept
   * beyond `maxRetention`, by anyone.
   *
   * Without `changeableFor` the lock is in governance mode (users with the right IAM permission
   * can remove it). With `changeableFor` (at least 3 days) it is in compliance mode: once that
   * grace period ends, nobody (not even the account root or AWS) can remove or change it.
   *
   * @default - no vault lock
   * @see https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html
   */
  readonly vaultLock?: backup.LockConfiguration;

  /**
   * Whether the vault access policy denies `backup:DeleteRecoveryPoint` and
   * `backup:UpdateRecoveryPointLifecycle` to every principal.
   *
   * Recovery points then leave the vault only when their lifecycle expires: lifecycle deletion is
   * done by AWS Backup itself and is not a principal's API call, so the deny does not stop it.
   * Turning this off produces a warning.
   *
   * @default true
   */
  readonly blockRecoveryPointDeletion?: boolean;

  /**
   * Name of the backup vault; the copy vault is named `<backupVaultName>-copies`. A vault with
   * recovery points is kept when the stack is deleted, so a fixed name makes the next stack of that
   * name fail to create its vaults until the old ones are gone. At most 43 characters, so that the
   * copy vault's name fits AWS Backup's 50.
   *
   * @default - names generated from the construct path and the stack's ID, unique to each creation of
   * the stack, so a stack created again after a deletion never collides with the vaults it kept
   */
  readonly backupVaultName?: string;
}

/** AWS Backup vault names are 2 to 50 characters. */
const MAX_VAULT_NAME_LENGTH = 50;
const COPY_VAULT_SUFFIX = '-copies';

/**
 * What the backup role needs on the key of the copy vault to copy an EBS recovery point under it
 * (EBS CopySnapshot with a KMS key: decrypt and re-encrypt the snapshot's data key, create the data
 * key of the copy, describe the key), as the key's users need on any key AWS Backup copies into.
 */
const COPY_DESTINATION_KEY_ACTIONS = ['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'];

/** What the backup role needs on a source recovery point's key to copy it. */
const COPY_SOURCE_KEY_ACTIONS = ['kms:Decrypt', 'kms:ReEncryptFrom', 'kms:DescribeKey'];

/**
 * Two AWS Backup vaults encrypted with a customer-managed key and retained on stack deletion,
 * optionally locked, and a plan that backs up the given resources daily into the first vault and
 * copies every recovery point into the second, the copy vault, in the same Region.
 *
 * Which key encrypts what:
 * - The first vault's recovery points of EBS volumes and EC2 instances are EBS snapshots, and EBS
 *   snapshots inherit the key of their source volume: the data key (`ServiceKeys.dataKey`), the same
 *   key as the live volumes. AWS Backup encrypts only the resource types it fully manages with the
 *   vault key ("Encryption for backups in AWS Backup", AWS Backup Developer Guide).
 * - Every rule of the plan copies each recovery point into the copy vault, kept as long as the
 *   original. The copy is made under the copy vault's key, `backupKey`, so disabling the data key or
 *   scheduling its deletion no longer takes the backups with the live data: the copies stay
 *   readable with the backup key. AWS Backup documents re-encrypting a copy with the destination
 *   vault's key for cross-account and cross-Region copies; check a same-Region copy's key once on a
 *   deployed stack (the copied snapshot's `KmsKeyId`).
 * - Both vaults' metadata is encrypted with `backupKey`.
 *
 * The backup role gets the AWS managed `AWSBackupServiceRolePolicyForBackup` and, in a customer-managed
 * policy of this stack, `backup:CopyIntoBackupVault` on the copy vault and on `backupKey` what a copy
 * under it needs (decrypt, re-encrypt, generate a data key without plaintext, describe, and create
 * grants for AWS resources only); on the keys given as `sourceKeys` it gets what reading them needs.
 * The key policies of keys defined in this app name the role for the same actions.
 *
 * By default each vault's access policy denies deleting recovery points and shortening their
 * lifecycle to every principal (the AWS Config rule `backup-recovery-point-manual-deletion-disabled`
 * checks for this). AWS Backup's own lifecycle deletion is not affected. To delete a recovery point
 * by hand, an administrator first has to change the vault access policy, which CloudTrail records.
 * A plan rule added later (`plan.addRule`) must carry the copy action too, or synthesis fails.
 */
export class EncryptedBackups extends Construct {
  /** The encrypted, retained backup vault the plan backs up into. */
  public readonly vault: backup.IBackupVault;
  /** The encrypted, retained vault every recovery point is copied into, under `backupKey`. */
  public readonly copyVault: backup.IBackupVault;
  /** The backup plan with the daily rule. */
  public readonly plan: backup.BackupPlan;
  /** The role AWS Backup assumes to back up the selected resources. */
  public readonly backupRole: iam.IRole;

  private selectionCount = 0;

  constructor(scope: Construct, id: string, props: EncryptedBackupsProps) {
    super(scope, id);
    assertCustomerManagedKey(props.backupKey, 'EncryptedBackupsProps.backupKey');
    const retention = props.retention ?? Duration.days(35);
    validateRetention(retention, props.moveToColdStorageAfter, props.vaultLock);
    const hour = props.backupHourUtc ?? 3;
    withHint(() => assertInRange('EncryptedBackupsProps.backupHourUtc', hour, 0, 23),
      'It is the UTC hour at which the daily backup starts; pass for example 3 for 03:00 UTC.');

    const blockDeletion = props.blockRecoveryPointDeletion ?? true;
    if (!blockDeletion) {
      Annotations.of(this).addWarningV2('cdk-timescale-security:RecoveryPointDeletionAllowed',
        'blockRecoveryPointDeletion is false: any principal with backup:DeleteRecoveryPoint can delete backups before they expire. ' +
        'Keep the default (true) unless another control (a vault lock, an SCP) prevents early deletion.');
    }

    validateVaultName(props.backupVaultName);
    const vaultProps = {
      encryptionKey: props.backupKey,
      // Kept with its recovery points when the stack is deleted; deleted (empty) if the create that
      // made it rolls back.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      lockConfiguration: props.vaultLock,
      blockRecoveryPointDeletion: blockDeletion,
    };
    this.vault = new backup.BackupVault(this, 'Vault', {
      ...vaultProps,
      backupVaultName: props.backupVaultName ?? uniquePerStackCreation(this),
    });
    this.copyVault = new backup.BackupVault(this, 'CopyVault', {
      ...vaultProps,
      backupVaultName: props.backupVaultName !== undefined
        ? `${props.backupVaultName}${COPY_VAULT_SUFFIX}`
        : uniquePerStackCreation(this, COPY_VAULT_SUFFIX),
    });

    this.plan = new backup.BackupPlan(this, 'Plan', {
      // Unique per stack and construct path, so two services in one account do not collide.
      backupPlanName: Names.uniqueResourceName(this, { maxLength: 50 }),
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'Daily',
          scheduleExpression: events.Schedule.cron({ minute: '0', hour: Token.isUnresolved(hour) ? Token.asString(hour) : `${hour}` }),
          deleteAfter: retention,
          moveToColdStorageAfter: props.moveToColdStorageAfter,
          copyActions: [{
            destinationBackupVault: this.copyVault,
            deleteAfter: retention,
            moveToColdStorageAfter: props.moveToColdStorageAfter,
          }],
        }),
      ],
    });
    this.node.addValidation({ validate: () => this.rulesWithoutCopy() });

    // One role for every selection, so adding resources later does not multiply roles.
    this.backupRole = new iam.Role(this, 'BackupRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'Role AWS Backup assumes to back up the resources selected by this plan',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup')],
    });
    this.grantCopies(props.backupKey, props.sourceKeys ?? []);

    if (props.resources && props.resources.length > 0) {
      this.addResources(...props.resources);
    }
    this.node.addValidation({
      validate: () => this.selectionCount > 0 ? [] : [
        `${this.node.path} has nothing to back up. Pass EncryptedBackupsProps.resources or call addResources(), ` +
        'for example with backup.BackupResource.fromArn(<volume ARN>).',
      ],
    });
  }

  /**
   * Adds resources to back up with the daily rule. Each call creates one backup selection.
   */
  public addResources(...resources: backup.BackupResource[]): void {
    if (resources.length === 0) {
      return;
    }
    this.selectionCount += 1;
    this.plan.addSelection(this.selectionCount === 1 ? 'Selection' : `Selection${this.selectionCount}`, {
      resources,
      role: this.backupRole,
      // The managed policy is on the shared role already.
      disableDefaultBackupPolicy: true,
    });
  }

  /**
   * What copying recovery points into the copy vault, under the backup key, needs from the backup
   * role: in a customer-managed policy of this stack (reviewed and deployed with it, as the role's
   * only other policy is AWS managed), and in the key policies, which must name the role.
   */
  private grantCopies(backupKey: kms.IKey, sourceKeys: kms.IKey[]): void {
    const policy = new iam.ManagedPolicy(this, 'CopyPolicy', {
      description: 'Lets AWS Backup copy this plan\'s recovery points into the copy vault, under the backup key',
      roles: [this.backupRole],
    });
    policy.addStatements(new iam.PolicyStatement({
      actions: ['backup:CopyIntoBackupVault'],
      resources: [this.copyVault.backupVaultArn],
    }));
    this.allowKeyUse(policy, backupKey, COPY_DESTINATION_KEY_ACTIONS);
    for (const key of sourceKeys) {
      this.allowKeyUse(policy, key, COPY_SOURCE_KEY_ACTIONS);
    }
  }

  /**
   * Lets the backup role use `key` for `actions`, and create grants on it for AWS resources only (EBS
   * makes grants for the snapshots it copies), in its policy and in the key policy.
   */
  private allowKeyUse(policy: iam.ManagedPolicy, key: kms.IKey, actions: string[]): void {
    const forAwsResources = { Bool: { 'kms:GrantIsForAWSResource': 'true' } };
    policy.addStatements(
      new iam.PolicyStatement({ actions, resources: [key.keyArn] }),
      new iam.PolicyStatement({ actions: ['kms:CreateGrant'], resources: [key.keyArn], conditions: forAwsResources }),
    );
    // In the key policy, through EC2 only: EBS snapshots are copied by EC2 on the role's behalf.
    const role = new iam.ArnPrincipal(this.backupRole.roleArn);
    const throughEc2 = { StringEquals: { 'kms:ViaService': `ec2.${Stack.of(this).region}.amazonaws.com` } };
    const added = [
      key.addToResourcePolicy(new iam.PolicyStatement({ principals: [role], actions, resources: ['*'], conditions: throughEc2 }), true),
      key.addToResourcePolicy(new iam.PolicyStatement({
        principals: [role], actions: ['kms:CreateGrant'], resources: ['*'], conditions: { ...throughEc2, ...forAwsResources },
      }), true),
    ];
    if (added.some((result) => !result.statementAdded)) {
      Annotations.of(this).addWarningV2('cdk-timescale-security:BackupCopyKeyPolicy',
        `The key ${key.node.path} is not defined in this app, so its key policy cannot be changed here. Let the backup role ` +
        `(EncryptedBackups.backupRole) use it (${actions.join(', ')}, and kms:CreateGrant with kms:GrantIsForAWSResource), ` +
        'or copies of recovery points into the copy vault fail.');
    }
  }

  /** Rules of the plan that do not copy into the copy vault: the copy under the backup key is the point. */
  private rulesWithoutCopy(): string[] {
    const stack = Stack.of(this);
    const rendered = stack.resolve((this.plan.node.defaultChild as backup.CfnBackupPlan).backupPlan);
    const copyVaultArn = JSON.stringify(stack.resolve(this.copyVault.backupVaultArn));
    const rules: any[] = rendered?.backupPlanRule ?? rendered?.BackupPlanRule ?? [];
    return rules
      .filter((rule) => !(rule.copyActions ?? rule.CopyActions ?? []).some((action: any) =>
        JSON.stringify(action.destinationBackupVaultArn ?? action.DestinationBackupVaultArn) === copyVaultArn))
      .map((rule) => `${this.node.path}: the backup plan rule '${rule.ruleName ?? rule.RuleName}' does not copy its recovery points into the ` +
        'copy vault, so they would stay under the data key only. Add copyActions: [{ destinationBackupVault: <EncryptedBackups>.copyVault, ' +
        'deleteAfter: <the rule\'s retention> }] to the rule.');
  }
}

function withHint(check: () => void, hint: string): void {
  try {
    check();
  } catch (e) {
    throw new Error(`${(e as Error).message} ${hint}`);
  }
}

/** Whole days of a duration, or undefined when it is a token. */
function daysOf(duration: Duration | undefined): number | undefined {
  if (duration === undefined || duration.isUnresolved()) {
    return undefined;
  }
  return duration.toDays();
}

function validateRetention(retention: Duration, coldAfter: Duration | undefined, lock: backup.LockConfiguration | undefined): void {
  const retentionDays = daysOf(retention);
  const coldDays = daysOf(coldAfter);
  const minDays = daysOf(lock?.minRetention);
  const maxDays = daysOf(lock?.maxRetention);

  if (retentionDays !== undefined && retentionDays < 1) {
    throw new Error(`EncryptedBackupsProps.retention must be at least 1 day; got ${retentionDays} days. Pass for example Duration.days(35).`);
  }
  if (minDays !== undefined && maxDays !== undefined && maxDays <= minDays) {
    throw new Error(
      `EncryptedBackupsProps.vaultLock.maxRetention (${maxDays} days) must be greater than vaultLock.minRetention (${minDays} days). ` +
      'Raise maxRetention, lower minRetention, or leave maxRetention unset.',
    );
  }
  if (retentionDays !== undefined && minDays !== undefined && retentionDays < minDays) {
    throw new Error(
      `EncryptedBackupsProps.retention (${retentionDays} days) is shorter than vaultLock.minRetention (${minDays} days): ` +
      'the locked vault would refuse every recovery point. Set retention to at least the lock\'s minRetention, or lower minRetention.',
    );
  }
  if (retentionDays !== undefined && maxDays !== undefined && retentionDays > maxDays) {
    throw new Error(
      `EncryptedBackupsProps.retention (${retentionDays} days) is longer than vaultLock.maxRetention (${maxDays} days): ` +
      'the locked vault would refuse every recovery point. Set retention to at most the lock\'s maxRetention, or raise maxRetention.',
    );
  }
  if (retentionDays !== undefined && coldDays !== undefined && retentionDays < coldDays + 90) {
    throw new Error(
      `EncryptedBackupsProps.retention (${retentionDays} days) must be at least 90 days longer than moveToColdStorageAfter (${coldDays} days), ` +
      `because AWS Backup keeps recovery points in cold storage for at least 90 days. Set retention to ${coldDays + 90} days or more.`,
    );
  }
}

/**
 * A vault name unique to this creation of the stack: the construct path, then the last group of the
 * stack ID's UUID (CloudFormation's own, new for every stack it creates). AWS::Backup::BackupVault
 * requires a name, so CloudFormation cannot generate one.
 */
function uniquePerStackCreation(scope: Construct, suffix: string = ''): string {
  const stackUuidTail = Fn.select(4, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
  return `${Names.uniqueResourceName(scope, { maxLength: 37 - suffix.length })}${suffix}-${stackUuidTail}`;
}

function validateVaultName(name: string | undefined): void {
  if (name === undefined || Token.isUnresolved(name)) {
    return;
  }
  const max = MAX_VAULT_NAME_LENGTH - COPY_VAULT_SUFFIX.length;
  if (name.length > max) {
    throw new Error(
      `EncryptedBackupsProps.backupVaultName must be at most ${max} characters; got '${name}' (${name.length}). ` +
      `The copy vault is named '<backupVaultName>${COPY_VAULT_SUFFIX}' and AWS Backup accepts at most ${MAX_VAULT_NAME_LENGTH}. Pass a shorter name, or leave it unset.`,
    );
  }
}
