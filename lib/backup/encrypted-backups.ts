import { Annotations, Aws, Duration, Fn, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
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
   * Customer-managed KMS key that encrypts the backup vault (for example `ServiceKeys.backupKey`).
   *
   * It protects the vault's metadata and the recovery points of resources that AWS Backup
   * encrypts with the vault key. EBS snapshots keep the key of their source volume instead.
   * An AWS-managed key (`alias/aws/...`) is refused.
   */
  readonly backupKey: kms.IKey;

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
   * Name of the backup vault. A vault with recovery points is kept when the stack is deleted, so a
   * fixed name makes the next stack of that name fail to create its vault until the old one is gone.
   *
   * @default - a name generated from the construct path and the stack's ID, unique to each creation of
   * the stack, so a stack created again after a deletion never collides with the vault it kept
   */
  readonly backupVaultName?: string;
}

/**
 * An AWS Backup vault encrypted with a customer-managed key, retained on stack deletion, optionally
 * locked, with a plan that backs up the given resources daily.
 *
 * About keys: AWS Backup copies of EBS volumes are EBS snapshots, and they keep the key of the
 * source volume, so it is the data key (`ServiceKeys.dataKey`) that encrypts the database's
 * backups. The vault key (`backupKey`) encrypts the vault's metadata and the recovery points of
 * resource types that AWS Backup encrypts itself.
 *
 * By default the vault access policy denies deleting recovery points and shortening their
 * lifecycle to every principal (the AWS Config rule `backup-recovery-point-manual-deletion-disabled`
 * checks for this). AWS Backup's own lifecycle deletion is not affected. To delete a recovery point
 * by hand, an administrator first has to change the vault access policy, which CloudTrail records.
 */
export class EncryptedBackups extends Construct {
  /** The encrypted, retained backup vault. */
  public readonly vault: backup.BackupVault;
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

    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: props.backupVaultName ?? uniquePerStackCreation(this),
      encryptionKey: props.backupKey,
      // Kept with its recovery points when the stack is deleted; deleted (empty) if the create that
      // made it rolls back.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
      lockConfiguration: props.vaultLock,
      blockRecoveryPointDeletion: blockDeletion,
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
        }),
      ],
    });

    // One role for every selection, so adding resources later does not multiply roles.
    this.backupRole = new iam.Role(this, 'BackupRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com'),
      description: 'Role AWS Backup assumes to back up the resources selected by this plan',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup')],
    });

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
function uniquePerStackCreation(scope: Construct): string {
  const stackUuidTail = Fn.select(4, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
  return `${Names.uniqueResourceName(scope, { maxLength: 37 })}-${stackUuidTail}`;
}
