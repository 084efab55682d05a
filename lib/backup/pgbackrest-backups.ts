import { Annotations, Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { PgBackRestConfig } from './pgbackrest-config';
import * as scripts from './private/pgbackrest-scripts';
import { DatabaseHost, HostCommandPhase } from '../host/database-host';
import * as boot from '../host/private/bootstrap';
import { assertCustomerManagedKey } from '../keys/customer-managed';
import { ServiceSecret } from '../private/service-secret';

/**
 * What a new host restores before its server first starts.
 */
export abstract class RestoreTarget {
  /** Everything the repository holds: the newest backup and all the WAL archived after it. */
  public static latest(): RestoreTarget {
    return new ConcreteRestoreTarget('latest');
  }

  /**
   * The database as it was at a moment: the newest backup that ended before it, and the WAL up to it;
   * the server then promotes and starts a new timeline.
   *
   * @param time a UTC time in ISO 8601, for example `2026-01-31T12:00:00Z`
   */
  public static pointInTime(time: string): RestoreTarget {
    const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)Z$/.exec(time);
    if (!match || Number.isNaN(Date.parse(time))) {
      throw new Error(`RestoreTarget.pointInTime: the time must be UTC in ISO 8601, such as '2026-01-31T12:00:00Z'; got '${time}'.`);
    }
    return new ConcreteRestoreTarget(`${match[1]} ${match[2]}+00`);
  }

  /** The restore script's target argument: `latest` or a time as pgBackRest reads it. */
  public abstract readonly target: string;
}

class ConcreteRestoreTarget extends RestoreTarget {
  constructor(public readonly target: string) {
    super();
  }
}

/**
 * Properties of `PgBackRestBackups`.
 */
export interface PgBackRestBackupsProps {
  /** The database host whose cluster is archived and backed up. */
  readonly host: DatabaseHost;

  /**
   * Customer-managed key of the repository bucket: every object is stored with SSE-KMS under it
   * (`repo1-s3-kms-key-id` and the bucket's default encryption, with an S3 Bucket Key).
   */
  readonly backupKey: kms.IKey;

  /** Customer-managed key of the repository passphrase's secret. */
  readonly secretsKey: kms.IKey;

  /**
   * The service's name, in the freshness metrics' `Service` dimension.
   */
  readonly serviceName: string;

  /**
   * The pgBackRest stanza.
   *
   * @default 'timescale'
   */
  readonly stanza?: string;

  /**
   * How long full backups, and the WAL that restores to any moment since them, are kept
   * (`repo1-retention-full`, by time). The bucket's Object Lock keeps every object version at least as
   * long, in governance mode.
   *
   * @default Duration.days(35)
   */
  readonly retention?: Duration;

  /**
   * When full backups run: a systemd `OnCalendar` expression.
   *
   * @default 'Sun *-*-* 01:00:00 UTC'
   * @see https://www.freedesktop.org/software/systemd/man/latest/systemd.time.html#Calendar%20Events
   */
  readonly fullBackupSchedule?: string;

  /**
   * When differential backups (changes since the last full backup) run: a systemd `OnCalendar` expression.
   *
   * @default 'Mon..Sat *-*-* 01:00:00 UTC'
   */
  readonly differentialBackupSchedule?: string;

  /**
   * The longest a committed transaction waits before its WAL segment is archived (`archive_timeout`).
   *
   * @default Duration.seconds(60)
   */
  readonly archiveTimeout?: Duration;

  /**
   * The freshness alarm fires when the newest backup is older than this.
   *
   * @default Duration.hours(26)
   */
  readonly maxBackupAge?: Duration;

  /**
   * The freshness alarm fires when WAL has waited longer than this to be archived.
   *
   * @default Duration.minutes(15)
   */
  readonly maxWalArchiveAge?: Duration;

  /**
   * Where the freshness alarms are sent.
   *
   * @default - no action: the alarms are in CloudWatch only
   */
  readonly alarmTopic?: sns.ITopic;

  /**
   * The repository bucket of an earlier service, to continue or to restore from (for example a bucket
   * a deleted stack retained). It must be in this account and encrypted with `backupKey`.
   *
   * @default - a new bucket
   */
  readonly bucket?: s3.IBucket;

  /**
   * The repository passphrase of an earlier service (its `PgBackRestBackups.passphrase`), required with
   * `bucket` when the bucket already holds a repository: without it the repository cannot be read.
   *
   * @default - a new generated passphrase
   */
  readonly passphrase?: secretsmanager.ISecret;

  /**
   * Create the cluster from the repository instead of an empty one: the host restores before its server
   * first starts, onto an empty data volume only (a volume holding a cluster is used as it is).
   *
   * @default - a new, empty cluster
   */
  readonly restore?: RestoreTarget;

  /**
   * The VPC's S3 gateway endpoint: the bucket policy refuses the repository role's requests that do
   * not come through it, so credentials taken off the host are of no use elsewhere.
   *
   * @default - the repository role's requests are not tied to an endpoint
   */
  readonly s3Endpoint?: ec2.IVpcEndpoint;

  /**
   * Bucket for the repository bucket's S3 server access logs.
   *
   * @default - no server access logs (CloudTrail records the bucket's management events)
   */
  readonly accessLogsBucket?: s3.IBucket;
}

const ONCALENDAR = /^[A-Za-z0-9 *:.,/~-]+$/;

/**
 * pgBackRest on a `DatabaseHost`: continuous WAL archiving and scheduled full and differential backups
 * into an S3 repository of this account, encrypted twice (client-side with `aes-256-cbc` under a
 * passphrase kept in Secrets Manager, and SSE-KMS under the backup key), with point-in-time restore.
 *
 * - The bucket: SSE-KMS with the backup key and an S3 Bucket Key, versioned, Object Lock in governance
 *   mode for the retention (and `s3:BypassGovernanceRetention` denied to everyone), TLS 1.2+ only, public
 *   access blocked, object access denied to every principal of the account but the repository role,
 *   uploads under another key refused, and retained with the stack.
 * - The repository role may list, read, write and delete under the repository's prefix of that bucket
 *   only, and use the backup key only through S3 for that bucket. The host's root assumes it and writes
 *   its one-hour credentials where pgBackRest (run as `postgres`) reads them: the `postgres` user never
 *   holds the host role, whose metadata service answers root only.
 * - The passphrase is generated in Secrets Manager under the secrets key and written by the host at boot
 *   into a root-owned file the `postgres` group reads; it is never in the template, the user data or a log.
 * - The configuration (`pgbackrest.conf` and the archive settings) reaches the host as
 *   `AWS::CloudFormation::Init` files, readable in the template.
 * - Freshness: every 5 minutes the host logs the age of the newest backup (from pgBackRest's JSON `info`)
 *   and of unarchived WAL; metric filters make them CloudWatch metrics, and alarms fire when either is too
 *   old or missing.
 */
export class PgBackRestBackups extends Construct {
  /** The repository bucket. */
  public readonly bucket: s3.IBucket;
  /** The repository passphrase (client-side encryption). Keep it: without it the backups cannot be read. */
  public readonly passphrase: secretsmanager.ISecret;
  /** The role the host assumes to reach the repository. */
  public readonly repositoryRole: iam.IRole;
  /** The repository role's only policy. */
  public readonly repositoryPolicy: iam.ManagedPolicy;
  /** The stanza. */
  public readonly stanza: string;
  /** The rendered `pgbackrest.conf`. */
  public readonly configuration: string;
  /** Fires when the newest backup is too old, or its age is not reported. */
  public readonly backupAgeAlarm: cloudwatch.Alarm;
  /** Fires when WAL waits too long to be archived, or its age is not reported. */
  public readonly walArchiveAgeAlarm: cloudwatch.Alarm;
  /**
   * An SSM Command document that restores the running service in place to a point in time (or to the
   * latest archived WAL): it stops the server, restores with `--delta`, and starts it.
   */
  public readonly restoreDocument: ssm.CfnDocument;

  constructor(scope: Construct, id: string, props: PgBackRestBackupsProps) {
    super(scope, id);
    assertCustomerManagedKey(props.backupKey, 'PgBackRestBackupsProps.backupKey');
    assertCustomerManagedKey(props.secretsKey, 'PgBackRestBackupsProps.secretsKey');
    const where = `PgBackRestBackups ${this.node.path}`;
    // Written into the freshness script between single quotes, and a metric dimension.
    if (Token.isUnresolved(props.serviceName) || !/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/.test(props.serviceName)) {
      throw new Error(`${where}: serviceName must be 3-40 lower-case letters, digits and -, starting with a letter and not ending with -, ` +
        `written in the app (not a token); got '${props.serviceName}'.`);
    }
    this.stanza = props.stanza ?? 'timescale';
    const retention = props.retention ?? Duration.days(35);
    if (retention.isUnresolved() || !Number.isInteger(retention.toDays({ integral: false })) || retention.toDays() < 1) {
      throw new Error(`${where}: retention must be a whole number of days, at least 1; got ${retention.toHumanString()}. For example Duration.days(35).`);
    }
    const retentionDays = retention.toDays();
    const fullSchedule = validateSchedule(where, 'fullBackupSchedule', props.fullBackupSchedule ?? 'Sun *-*-* 01:00:00 UTC');
    const diffSchedule = validateSchedule(where, 'differentialBackupSchedule', props.differentialBackupSchedule ?? 'Mon..Sat *-*-* 01:00:00 UTC');
    const archiveTimeout = (props.archiveTimeout ?? Duration.seconds(60)).toSeconds();
    if (props.bucket && !props.passphrase) {
      Annotations.of(this).addWarningV2('cdk-timescale-security:BackupBucketWithoutPassphrase',
        `${where}: a repository bucket was given without its passphrase. A new passphrase cannot read a repository the bucket ` +
        'already holds: pass the earlier service\'s PgBackRestBackups.passphrase, unless the bucket is empty.');
    }
    if (props.bucket) {
      Annotations.of(this).addWarningV2('cdk-timescale-security:BackupBucketPolicyNotManaged',
        `${where}: the repository bucket was given, so its bucket policy is not managed here, and a bucket retained by a deleted ` +
        'stack has lost the one that stack managed. Put the statements of a created repository bucket on it: deny requests without ' +
        'TLS 1.2, deny s3:BypassGovernanceRetention, deny uploads under another KMS key, deny object access to every other principal ' +
        'of the account, and admit the repository role through the service VPC\'s S3 gateway endpoint only (see the README, "Backups and restore").');
    }
    const stack = Stack.of(this);
    const host = props.host;

    const repoPrefix = 'pgbackrest';
    this.repositoryRole = new iam.Role(this, 'RepositoryRole', {
      assumedBy: new iam.ArnPrincipal(host.role.roleArn),
      description: 'pgBackRest on the database host: its repository prefix in the backup bucket, through S3 under the backup key',
      maxSessionDuration: Duration.hours(1),
    });
    // A customer-managed policy of this stack, reviewed and deployed with it.
    this.repositoryPolicy = new iam.ManagedPolicy(this, 'RepositoryPolicy', {
      description: 'Lets pgBackRest list, read, write and expire its repository prefix, and use the backup key through S3 for this bucket',
      roles: [this.repositoryRole],
    });
    this.bucket = props.bucket ?? this.createBucket(props.backupKey, retentionDays, props.accessLogsBucket, props.s3Endpoint);
    host.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [this.repositoryRole.roleArn] }));
    this.repositoryPolicy.addStatements(new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [repoPrefix, `${repoPrefix}/*`] } },
    }));
    this.repositoryPolicy.addStatements(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [this.bucket.arnForObjects(`${repoPrefix}/*`)],
    }));
    this.allowKeyThroughS3(props.backupKey, stack);

    this.passphrase = props.passphrase ?? new ServiceSecret(this, 'Passphrase', {
      description: `pgBackRest repository passphrase (aes-256-cbc) of ${props.serviceName}: without it the backups cannot be read`,
      encryptionKey: props.secretsKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      // Losing it loses every backup: kept even if the create that made it rolls back.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    host.addSecretFile({
      path: PgBackRestConfig.PASSPHRASE_FILE,
      secret: this.passphrase,
      iniEntry: { section: 'global', key: 'repo1-cipher-pass' },
      owner: 'root',
      group: 'postgres',
      mode: '000640',
    });

    this.configuration = PgBackRestConfig.render({
      stanza: this.stanza,
      bucketName: this.bucket.bucketName,
      region: stack.region,
      kmsKeyId: props.backupKey.keyArn,
      repoPath: `/${repoPrefix}`,
      retentionDays,
      pgPath: boot.PGDATA,
      pgPort: host.port,
    });
    const rootOnly = { owner: 'root', group: 'root', mode: '000700' };
    const unitFile = { owner: 'root', group: 'root', mode: '000644' };
    host.addConfigFile({ path: PgBackRestConfig.CONFIG_FILE, content: this.configuration, owner: 'root', group: 'postgres', mode: '000640' });
    host.addConfigFile({ path: `${DatabaseHost.CONF_D_DIR}/60-archive.conf`, content: PgBackRestConfig.renderArchiveSettings(this.stanza, archiveTimeout) });

    const paths = {
      dataMount: boot.DATA_MOUNT,
      walMount: boot.WAL_MOUNT,
      pgdata: boot.PGDATA,
      waldir: boot.WALDIR,
      postgresLink: boot.POSTGRES_LINK,
      serviceName: boot.SERVICE_NAME,
      port: host.port,
    };
    host.addConfigFile({ path: scripts.CREDENTIALS_SCRIPT, content: scripts.credentialsScript(this.repositoryRole.roleArn), ...rootOnly });
    host.addConfigFile({ path: scripts.BACKUP_SCRIPT, content: scripts.backupScript(this.stanza), ...rootOnly });
    host.addConfigFile({ path: scripts.RESTORE_SCRIPT, content: scripts.restoreScript(this.stanza, paths), ...rootOnly });
    host.addConfigFile({ path: scripts.FRESHNESS_SCRIPT, content: scripts.freshnessScript(this.stanza, props.serviceName, paths), ...rootOnly });

    const units: Array<[string, string, string, string]> = [
      ['credentials', 'Renews the pgBackRest repository credentials', scripts.CREDENTIALS_SCRIPT, '*:0/15'],
      ['full', 'Full pgBackRest backup', `${scripts.BACKUP_SCRIPT} full`, fullSchedule],
      ['diff', 'Differential pgBackRest backup', `${scripts.BACKUP_SCRIPT} diff`, diffSchedule],
      ['freshness', 'Records the age of the newest backup and of unarchived WAL', scripts.FRESHNESS_SCRIPT, '*:0/5'],
    ];
    for (const [name, description, command, calendar] of units) {
      const unit = `${scripts.UNIT_DIR}/${scripts.UNIT_PREFIX}${name}`;
      host.addConfigFile({ path: `${unit}.service`, content: scripts.serviceUnit(description, command), ...unitFile });
      host.addConfigFile({ path: `${unit}.timer`, content: scripts.timerUnit(description, calendar), ...unitFile });
    }

    if (props.restore) {
      host.addCommand({ name: 'pgbackrest-restore', phase: HostCommandPhase.BEFORE_FIRST_START, command: `${scripts.RESTORE_SCRIPT} '${props.restore.target}'` });
    }
    host.addCommand({ name: 'pgbackrest-stanza', phase: HostCommandPhase.AFTER_START, command: scripts.stanzaCommand(this.stanza) });
    host.addCommand({
      name: 'pgbackrest-timers',
      phase: HostCommandPhase.AFTER_START,
      command: `systemctl daemon-reload && systemctl enable --now ${units.map(([name]) => `${scripts.UNIT_PREFIX}${name}.timer`).join(' ')}`,
    });
    // A repository without a backup restores nothing: the first full backup starts as soon as the stanza exists.
    host.addCommand({
      name: 'pgbackrest-first-backup',
      phase: HostCommandPhase.AFTER_START,
      command: `runuser -u postgres -- ${PgBackRestConfig.command(this.stanza, '--output=json info')} | grep -q '"label"' || ` +
        `systemctl start --no-block ${scripts.UNIT_PREFIX}full.service`,
    });
    host.addLogFile({ path: scripts.METRICS_LOG, streamName: 'backup-freshness' });
    host.addLogFile({ path: `${PgBackRestConfig.LOG_PATH}/*.log`, streamName: 'pgbackrest' });

    [this.backupAgeAlarm, this.walArchiveAgeAlarm] = this.freshnessAlarms(host.logGroup, props);
    this.restoreDocument = this.createRestoreDocument(props.serviceName);
  }

  private createBucket(backupKey: kms.IKey, retentionDays: number, accessLogsBucket: s3.IBucket | undefined,
    endpoint: ec2.IVpcEndpoint | undefined): s3.Bucket {
    const bucket = new s3.Bucket(this, 'Repository', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: backupKey,
      bucketKeyEnabled: true,
      versioned: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      // Every object version is locked on arrival for the retention: an expire, a mistake or an attacker
      // with the repository role can only add delete markers. pgBackRest sends Content-MD5, which S3
      // requires for uploads to a bucket with Object Lock.
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.governance(Duration.days(retentionDays)),
      lifecycleRules: [{
        // What pgBackRest expired leaves as noncurrent versions; S3 deletes them once their lock ends.
        noncurrentVersionExpiration: Duration.days(1),
        expiredObjectDeleteMarker: true,
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      }],
    });
    if (accessLogsBucket) {
      // Set on the L1 with an explicit, conditioned bucket policy, as for the audit bucket: ACL-based log
      // delivery is incompatible with BUCKET_OWNER_ENFORCED.
      const prefix = 'pgbackrest-repository/';
      (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = { destinationBucketName: accessLogsBucket.bucketName, logFilePrefix: prefix };
      accessLogsBucket.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'S3ServerAccessLogsFromPgBackRestRepository',
        principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
        actions: ['s3:PutObject'],
        resources: [accessLogsBucket.arnForObjects(`${prefix}*`)],
        conditions: { ArnLike: { 'aws:SourceArn': bucket.bucketArn }, StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }));
    }
    // Governance mode cannot be bypassed by anyone while this policy stands (changing it is in CloudTrail).
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyBypassingTheObjectLock',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:BypassGovernanceRetention'],
      resources: [bucket.bucketArn, bucket.arnForObjects('*')],
    }));
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyUploadsNotUnderTheBackupKey',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': backupKey.keyArn } },
    }));
    bucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'DenyObjectAccessToOtherPrincipalsOfThisAccount',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
      resources: [bucket.arnForObjects('*')],
      conditions: {
        StringEquals: { 'aws:PrincipalAccount': Aws.ACCOUNT_ID },
        ArnNotLike: { 'aws:PrincipalArn': this.repositoryRole.roleArn },
      },
    }));
    if (endpoint) {
      bucket.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'DenyRepositoryRoleOutsideTheGatewayEndpoint',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:ListBucket', 's3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [bucket.bucketArn, bucket.arnForObjects('*')],
        conditions: {
          ArnEquals: { 'aws:PrincipalArn': this.repositoryRole.roleArn },
          StringNotEquals: { 'aws:SourceVpce': endpoint.vpcEndpointId },
        },
      }));
    }
    return bucket;
  }

  /**
   * The repository role uses the backup key through S3: in its policy for this bucket only (the
   * encryption context of an S3 Bucket Key is the bucket's ARN), in the key policy through S3 (naming
   * the bucket there would make the key and the bucket depend on each other).
   */
  private allowKeyThroughS3(key: kms.IKey, stack: Stack): void {
    const actions = ['kms:Decrypt', 'kms:GenerateDataKey'];
    const throughS3 = { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` };
    this.repositoryPolicy.addStatements(new iam.PolicyStatement({
      actions,
      resources: [key.keyArn],
      conditions: {
        StringEquals: throughS3,
        ArnLike: { 'kms:EncryptionContext:aws:s3:arn': [this.bucket.bucketArn, this.bucket.arnForObjects('*')] },
      },
    }));
    const added = key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'PgBackRestRepositoryThroughS3',
      principals: [new iam.ArnPrincipal(this.repositoryRole.roleArn)],
      actions,
      resources: ['*'],
      conditions: { StringEquals: throughS3 },
    }), true);
    if (!added.statementAdded) {
      Annotations.of(this).addWarningV2('cdk-timescale-security:BackupKeyPolicyForRepository',
        `The key ${key.node.path} is not defined in this app, so its key policy cannot name the repository role. Let ` +
        `PgBackRestBackups.repositoryRole use it (${actions.join(', ')}) through S3, or every upload fails.`);
    }
  }

  private freshnessAlarms(logGroup: logs.ILogGroup, props: PgBackRestBackupsProps): [cloudwatch.Alarm, cloudwatch.Alarm] {
    const namespace = 'TimescaleService/Backups';
    const alarm = (id: string, field: string, metricName: string, threshold: Duration, description: string) => {
      new logs.MetricFilter(this, `${id}Filter`, {
        logGroup,
        filterPattern: logs.FilterPattern.all(
          logs.FilterPattern.stringValue('$.metric', '=', 'pgbackrest-freshness'),
          // A number (an age is never negative); `exists` would match strings only.
          logs.FilterPattern.numberValue(`$.${field}`, '>=', 0),
        ),
        metricNamespace: namespace,
        metricName,
        metricValue: `$.${field}`,
        dimensions: { Service: '$.service' },
        unit: cloudwatch.Unit.SECONDS,
      });
      const created = new cloudwatch.Alarm(this, `${id}Alarm`, {
        alarmDescription: description,
        metric: new cloudwatch.Metric({
          namespace,
          metricName,
          dimensionsMap: { Service: props.serviceName },
          statistic: cloudwatch.Stats.MAXIMUM,
          period: Duration.minutes(15),
        }),
        evaluationPeriods: 1,
        threshold: threshold.toSeconds(),
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // No report is as bad as a stale one: the host, its timer or pgBackRest has stopped.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      if (props.alarmTopic) {
        created.addAlarmAction(new cwActions.SnsAction(props.alarmTopic));
        created.addOkAction(new cwActions.SnsAction(props.alarmTopic));
      }
      return created;
    };
    const maxBackupAge = props.maxBackupAge ?? Duration.hours(26);
    const maxWalAge = props.maxWalArchiveAge ?? Duration.minutes(15);
    return [
      alarm('BackupAge', 'backup_age_seconds', 'BackupAgeSeconds', maxBackupAge,
        `${props.serviceName}: the newest pgBackRest backup is older than ${maxBackupAge.toHumanString()}, or its age is not reported`),
      alarm('WalArchiveAge', 'wal_archive_age_seconds', 'WalArchiveAgeSeconds', maxWalAge,
        `${props.serviceName}: WAL has waited more than ${maxWalAge.toHumanString()} to be archived, or its age is not reported`),
    ];
  }

  private createRestoreDocument(serviceName: string): ssm.CfnDocument {
    return new ssm.CfnDocument(this, 'RestoreDocument', {
      documentType: 'Command',
      documentFormat: 'JSON',
      content: {
        schemaVersion: '2.2',
        description: `Restores ${serviceName}'s database in place from its pgBackRest repository, to a UTC time ` +
          "('2026-01-31 12:00:00+00') or to 'latest': stops the server, restores with --delta, and starts it.",
        parameters: {
          target: {
            type: 'String',
            description: "'latest', or a UTC time such as '2026-01-31 12:00:00+00'",
            allowedPattern: '^(latest|[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?\\+00)$',
          },
        },
        mainSteps: [{
          action: 'aws:runShellScript',
          name: 'restore',
          inputs: { timeoutSeconds: '86400', runCommand: [`${scripts.RESTORE_SCRIPT} '{{ target }}' in-place`] },
        }],
      },
    });
  }
}

function validateSchedule(where: string, prop: string, value: string): string {
  if (Token.isUnresolved(value) || !ONCALENDAR.test(value) || value.trim() === '') {
    throw new Error(`${where}: ${prop} must be a systemd OnCalendar expression written in the app (letters, digits, spaces and * : . , / ~ -); ` +
      `got '${value}'. For example 'Sun *-*-* 01:00:00 UTC'.`);
  }
  return value;
}
