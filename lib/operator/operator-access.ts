import { Annotations, ArnFormat, Aws, DefaultStackSynthesizer, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { assertCustomerManagedKey } from '../keys/customer-managed';
import type { OperatorAccessApproval } from '../postgres/approved-access';
import { declaredDeployerArns } from '../private/deployers';

/** The tag every host of a service carries; the operator role may start sessions only on hosts with it. */
const SERVICE_TAG_KEY = 'timescale:service';

/** The tag that tells a host's role: `database` for database hosts, `bastion` for operator bastions. */
const HOST_ROLE_TAG_KEY = 'timescale:role';

/** With the document access check, a session without an explicitly allowed document is refused. */
const DOCUMENT_CHECK = { BoolIfExists: { 'ssm:SessionDocumentAccessCheck': 'true' } };

/** The AWS-owned Session document for port forwarding through a host to another address (the database). */
const PORT_FORWARDING_DOCUMENT = 'AWS-StartPortForwardingSessionToRemoteHost';

/** The Session Manager API calls that open, reopen or close a session: each one raises an alert. */
const SESSION_EVENT_NAMES = ['StartSession', 'ResumeSession', 'TerminateSession'];

const SESSION_LOG_PREFIX = 'session-logs';
const TRAIL_PREFIX = 'cloudtrail';
const ACCESS_LOG_PREFIX = 'audit-bucket/';
const MAX_ROLE_SESSION_HOURS = 12;
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const RESERVED_DOCUMENT_PREFIX = /^(aws|amazon|amzn)/i;
const OS_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** S3 Object Lock accepts a default retention of 1 day to 100 years. */
const MAX_AUDIT_RETENTION_DAYS = 36500;

/** What would delete, unlock or shorten the life of an audit object. */
const AUDIT_OBJECT_TAMPERING_ACTIONS = ['s3:DeleteObject*', 's3:PutObjectRetention', 's3:PutObjectLegalHold', 's3:BypassGovernanceRetention'];

/**
 * What would switch off what protects the audit objects: the lock, versioning, the lifecycle, and the
 * bucket policy that holds these denies. CloudFormation itself calls these when it updates the bucket.
 */
const AUDIT_BUCKET_PROTECTION_ACTIONS = [
  's3:PutBucketObjectLockConfiguration', 's3:PutBucketVersioning', 's3:PutLifecycleConfiguration', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy',
];

/** The CloudTrail event names of the calls behind `AUDIT_BUCKET_PROTECTION_ACTIONS`, and of the bucket's encryption and logging. */
const AUDIT_BUCKET_CHANGE_EVENTS = [
  'PutBucketPolicy', 'DeleteBucketPolicy', 'PutObjectLockConfiguration', 'PutBucketVersioning', 'PutBucketLifecycle', 'DeleteBucketLifecycle',
  'PutBucketEncryption', 'DeleteBucketEncryption', 'PutBucketLogging',
];

/**
 * Properties of an `OperatorAccess`.
 */
export interface OperatorAccessProps {
  /**
   * The name of the service whose hosts operators may reach.
   *
   * Hosts are tagged `timescale:service` = this name, and the operator role may start sessions only
   * on instances with that tag. It also names the session document (`<serviceName>-operator-session`),
   * the trail and the alert topic, so it must be unique per account and region:
   * letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters, and not
   * starting with `aws`, `amazon` or `amzn` (reserved for AWS documents).
   */
  readonly serviceName: string;

  /**
   * The customer-managed KMS key that encrypts the session logs, the session stream, the audit
   * bucket, the trail, its log group and the alert topic.
   *
   * Its key policy must let `logs.<region>.amazonaws.com` use it (the `ServiceKeys.logsKey` does).
   * When the key is defined in this app, the construct adds the statements the other users need:
   * CloudTrail (for this trail only), SNS messages published by EventBridge (for the alert topic
   * only), S3 (only through S3, for callers in this account), and the operator and host roles by
   * name. For an imported key it cannot, and adds a warning listing them.
   */
  readonly logsKey: kms.IKey;

  /**
   * The named principals (IAM users or roles) who may assume the operator role.
   *
   * Each is allowed only with MFA. Service principals, federated principals and `*` are refused:
   * they cannot present MFA, or are not named. An account principal is accepted with a warning,
   * because it lets any IAM identity in that account that is granted `sts:AssumeRole` in.
   */
  readonly operatorPrincipals: iam.IPrincipal[];

  /**
   * Require MFA to assume the operator role. Must be `true`.
   *
   * This property exists so that a configuration that tries to switch MFA off fails loudly instead
   * of being silently ignored: an operator role without MFA is refused.
   *
   * @default true
   */
  readonly requireMfa?: boolean;

  /**
   * How long ago the operator's MFA authentication may have happened when they assume the role
   * (`aws:MultiFactorAuthAge`).
   *
   * @default Duration.hours(1)
   */
  readonly mfaMaxAge?: Duration;

  /**
   * The maximum duration of the operator role's credentials, from 1 to 12 hours.
   *
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;

  /**
   * How long a Session Manager session may stay idle before it is closed, from 1 to 60 minutes.
   *
   * @default Duration.minutes(20)
   */
  readonly idleSessionTimeout?: Duration;

  /**
   * The longest a Session Manager session may last before it is ended, from 1 minute to 12 hours.
   *
   * @default Duration.hours(1)
   */
  readonly maxSessionLength?: Duration;

  /**
   * The operating system user sessions run as (Session Manager "Run As").
   *
   * The user must exist on every host (see `OperatorAccess.operatorUserCommands`); it should not be
   * in a sudo group, so that operators cannot read the database files, which belong to `postgres`.
   * `root` is refused.
   *
   * @default 'timescale-operator'
   */
  readonly runAsUser?: string;

  /**
   * How long session logs, trail logs and audit objects are kept (log group retention, and the
   * audit bucket's lifecycle expiry). Object Lock (`auditRetention`) keeps audit objects at least
   * that long whatever this says.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * How long S3 Object Lock keeps every session transcript and trail log file in the audit bucket:
   * the bucket's default retention, in governance mode. Until it ends, no principal of the account
   * can delete an object version or shorten its retention without `s3:BypassGovernanceRetention`,
   * which the bucket policy denies to everyone but `auditBucketAdministrators`.
   *
   * A whole number of days from 1 to 36500. Versions stay locked even when `logRetention` expires
   * them sooner: lifecycle expiration then only adds a delete marker, and removes the locked
   * version once its retention ends.
   *
   * @default Duration.days(365)
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html
   */
  readonly auditRetention?: Duration;

  /**
   * The roles that administer the audit bucket: the only principals the bucket policy lets delete
   * or unlock audit objects, or change the bucket's lock, versioning, lifecycle or policy.
   *
   * CloudFormation changes the bucket and its policy with the role that deploys the stack, so that
   * role must be one of them, or a later deployment that changes the bucket fails. (The account's
   * root user can still replace or delete the policy: S3 always lets it.)
   *
   * @default - the CloudFormation execution role of the stack's `DefaultStackSynthesizer`
   * (`cdk-hnb659fds-cfn-exec-role-<account>-<region>` with the default qualifier). With another
   * synthesizer no administrator is known: deleting and unlocking audit objects is denied to every
   * principal, changes to the bucket's configuration are not denied, and a warning says so.
   */
  readonly auditBucketAdministrators?: iam.IRole[];

  /**
   * Another Object Lock default retention for the audit bucket than the governance-mode
   * `auditRetention`, for example `s3.ObjectLockRetention.compliance(Duration.days(400))`: in
   * COMPLIANCE mode nobody, not even an administrator or the root user, can delete the objects
   * before their retention ends. Cannot be combined with `auditRetention`.
   *
   * @default - governance mode for `auditRetention`
   */
  readonly auditBucketObjectLock?: s3.ObjectLockRetention;

  /**
   * The bucket that receives the audit bucket's S3 server access logs.
   *
   * @default - a dedicated, retained access-log bucket (SSE-S3, the only default encryption S3
   * server access logging delivers to)
   */
  readonly accessLogsBucket?: s3.IBucket;

  /**
   * Email addresses subscribed to the alert topic, which receives every session and tampering
   * alert of this construct. SNS sends each address a confirmation message; alerts reach it only
   * once the subscription is confirmed.
   *
   * @default - no subscription, and a synthesis warning: subscribe to `alertTopic` yourself (any SNS
   * protocol) and acknowledge the warning
   */
  readonly alertEmails?: string[];

  /**
   * Roles of hosts whose SSM agent must write session logs. Each gets what `grantHostLogging`
   * grants. More can be added later with `grantHostLogging`.
   *
   * @default - none
   */
  readonly hostRoles?: iam.IRole[];

  /**
   * A customer's approval for one operator to access the database for a limited time.
   *
   * Operators hold no database role by default. This construct only carries the approval: pass
   * `approval` to the PostgreSQL renderer (`ApprovedAccess.renderSql`), which validates it (expiry in
   * the future, at most 30 days ahead) and renders the expiring, pgaudit-logged role.
   *
   * @default - no approval: operators have no database role
   */
  readonly approval?: OperatorAccessApproval;
}

/**
 * Audited operator access to a service's hosts through AWS Systems Manager Session Manager only.
 *
 * Creates a session document of its own that logs every session to a KMS-encrypted CloudWatch log
 * group and a KMS-encrypted, versioned, object-locked (governance mode, `auditRetention`), TLS-only,
 * retained S3 bucket whose policy lets hosts only add transcripts and lets nobody but its
 * administrators delete, unlock or reconfigure anything in it, encrypts the session stream
 * with KMS and runs sessions as a named non-root user; an operator role that named principals may
 * assume only with MFA, which may start sessions only on this service's hosts and only with that
 * document; a multi-region CloudTrail trail with log file validation; and an EventBridge rule that
 * sends every StartSession, ResumeSession and TerminateSession call to a KMS-encrypted SNS topic,
 * with more rules on the same topic for what would silence or go around the audit: the trail stopped
 * or changed, the session document changed, the audit bucket's policy, lock or lifecycle changed,
 * Run Command, snapshot sharing; and, when asked, key changes (`alertOnKeyChanges`), backup vault
 * changes (`alertOnBackupVaultChanges`) and secret reads (`alertOnSecretReads`). Alerts reach people
 * only through a subscription: pass `alertEmails`, or subscribe to `alertTopic`.
 *
 * How an auditor finds who opened which session, when, and what they did: the alert topic and the
 * trail (`eventName` StartSession) give the caller (`userIdentity.arn`, the assumed operator role
 * and its session name; the AssumeRole event before it names the IAM user or role that assumed it),
 * the host (`requestParameters.target`), the document and the session ID
 * (`responseElements.sessionId`); the session log group has one log stream per session ID with
 * every command and its output, and the audit bucket holds the same transcript under
 * `session-logs/<sessionId>.log`.
 *
 * The trail is a second copy of the account's management events if another trail already records
 * them, which CloudTrail bills; it is kept here so that the evidence lives with the service.
 */
export class OperatorAccess extends Construct {
  /** The tag key hosts carry with the service name (`timescale:service`). */
  public static readonly SERVICE_TAG_KEY: string = SERVICE_TAG_KEY;
  /** The tag key that tells a host's role: `database` or `bastion`. */
  public static readonly HOST_ROLE_TAG_KEY: string = HOST_ROLE_TAG_KEY;
  /** The AWS-owned Session document for port forwarding to a remote host. */
  public static readonly PORT_FORWARDING_DOCUMENT: string = PORT_FORWARDING_DOCUMENT;
  /** The Session Manager API calls that open, reopen or close a session; each one raises an alert. */
  public static readonly SESSION_EVENT_NAMES: string[] = [...SESSION_EVENT_NAMES];

  /** The role operators assume (with MFA) to open sessions. */
  public readonly role: iam.IRole;
  /** The name of the Session document operators must use: `<serviceName>-operator-session`. */
  public readonly sessionDocumentName: string;
  /** The ARN of the Session document. */
  public readonly sessionDocumentArn: string;
  /** The log group that receives every session transcript. */
  public readonly sessionLogGroup: logs.ILogGroup;
  /** The bucket that holds session transcripts (`session-logs/`) and trail log files (`cloudtrail/`). */
  public readonly auditBucket: s3.IBucket;
  /** The bucket that receives the audit bucket's server access logs. */
  public readonly accessLogsBucket: s3.IBucket;
  /** The ARN of the CloudTrail trail (multi-Region, log file validation, encrypted with the logs key). */
  public readonly trailArn: string;
  /** The log group the trail delivers to. */
  public readonly trailLogGroup: logs.ILogGroup;
  /** The topic that receives every StartSession, ResumeSession and TerminateSession. */
  public readonly alertTopic: sns.ITopic;
  /** The EventBridge rule that sends session events to the alert topic. */
  public readonly sessionEventsRule: events.IRule;
  /** The service name hosts are tagged with. */
  public readonly serviceName: string;
  /** The operating system user sessions run as. */
  public readonly runAsUser: string;
  /** The customer-approved database access, if any, for the PostgreSQL renderer. */
  public readonly approval?: OperatorAccessApproval;

  private readonly logsKey: kms.IKey;
  private readonly keyPolicyWarnings: string[] = [];
  private readonly hostRoles = new Set<iam.IPrincipal>();
  private secretAlertCount = 0;
  /** The expected readers of each secret-read alert rule, read at synthesis so that readers added later count. */
  private readonly secretReaders = new Map<events.IRule, iam.IRole[]>();
  private readonly portForwardingHosts = new Set<ec2.IInstance>();
  private _portForwardingRole?: iam.Role;
  private readonly mfaConditions: { [operator: string]: { [key: string]: string } };
  private readonly operatorPrincipals: iam.IPrincipal[];
  private readonly maxSessionDuration: Duration;
  private auditorCount = 0;
  private keyAlertCount = 0;
  private vaultAlertCount = 0;
  private readonly sidPrefix: string;

  constructor(scope: Construct, id: string, props: OperatorAccessProps) {
    super(scope, id);
    validateServiceName(props.serviceName);
    assertCustomerManagedKey(props.logsKey, 'OperatorAccessProps.logsKey');
    if (props.requireMfa === false) {
      throw new Error(
        'OperatorAccessProps.requireMfa must be true; got false. An operator role without MFA is not accepted: ' +
        'operators log in to the service hosts, and a stolen password or access key alone must not be enough. ' +
        'Remove requireMfa (it defaults to true) and have operators assume the role with an MFA device.',
      );
    }
    validatePrincipals(this, props.operatorPrincipals);
    const maxSessionDuration = props.maxSessionDuration ?? Duration.hours(1);
    validateRoleSessionDuration(maxSessionDuration);
    const mfaMaxAge = props.mfaMaxAge ?? Duration.hours(1);
    validateDuration('OperatorAccessProps.mfaMaxAge', mfaMaxAge, 60, MAX_ROLE_SESSION_HOURS * 3600, 'seconds', 'Duration.hours(1)');
    const idleMinutes = minutes('OperatorAccessProps.idleSessionTimeout', props.idleSessionTimeout ?? Duration.minutes(20), 1, 60, 'Duration.minutes(20)');
    const maxMinutes = minutes('OperatorAccessProps.maxSessionLength', props.maxSessionLength ?? Duration.hours(1), 1, MAX_ROLE_SESSION_HOURS * 60, 'Duration.hours(1)');
    this.runAsUser = props.runAsUser ?? 'timescale-operator';
    validateRunAsUser(this.runAsUser);
    const emails = props.alertEmails ?? [];
    emails.forEach(validateEmail);
    const objectLock = auditObjectLock(props.auditRetention, props.auditBucketObjectLock);

    const stack = Stack.of(this);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    this.serviceName = props.serviceName;
    this.logsKey = props.logsKey;
    this.approval = props.approval;
    this.sidPrefix = Token.isUnresolved(props.serviceName)
      ? `Operators${this.node.addr.slice(0, 8)}`
      : props.serviceName.replace(/[^A-Za-z0-9]/g, '').replace(/^./, (c) => c.toUpperCase());

    this.warnWhenLoosened(maxSessionDuration.toSeconds() > 3600, 'operator-long-role-session',
      `OperatorAccessProps.maxSessionDuration is ${maxSessionDuration.toHumanString()}, longer than the 1 hour default: operator credentials stay valid longer.`);
    this.warnWhenLoosened(mfaMaxAge.toSeconds() > 3600, 'operator-old-mfa',
      `OperatorAccessProps.mfaMaxAge is ${mfaMaxAge.toHumanString()}, longer than the 1 hour default: an older MFA sign-in is accepted.`);
    this.warnWhenLoosened(idleMinutes > 20 || maxMinutes > 60, 'operator-long-session',
      `Sessions may idle ${idleMinutes} minutes and last ${maxMinutes} minutes, longer than the 20 and 60 minute defaults.`);
    this.warnWhenLoosened(retention !== logs.RetentionDays.INFINITE && retention < logs.RetentionDays.ONE_YEAR, 'operator-short-retention',
      `OperatorAccessProps.logRetention is ${retention} days, shorter than the one year default: session and trail logs are deleted sooner.`);

    // Deterministic names: the key policy refers to the trail and topic by ARN, and referring to the
    // resources themselves would make the key depend on resources that depend on the key.
    this.sessionDocumentName = `${props.serviceName}-operator-session`;
    this.sessionDocumentArn = stack.formatArn({ service: 'ssm', resource: 'document', resourceName: this.sessionDocumentName });
    const trailName = `${props.serviceName}-operator-audit`;
    this.trailArn = stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: trailName });
    const topicName = `${props.serviceName}-operator-sessions`;
    const topicArn = stack.formatArn({ service: 'sns', resource: topicName });

    // --- Where sessions are recorded -------------------------------------------------------------
    // Log groups: generated names (the session document and the trail take them by reference), kept when
    // the stack is deleted, deleted when the create that made them rolls back, so that a retry or a new
    // stack never collides with a name kept from before. The trail's records of a failed create stay in
    // the audit bucket, which is always retained.
    this.sessionLogGroup = new logs.LogGroup(this, 'SessionLogGroup', {
      encryptionKey: props.logsKey,
      retention,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });

    this.accessLogsBucket = props.accessLogsBucket ?? new s3.Bucket(this, 'AccessLogsBucket', {
      // S3 server access logging delivers only to buckets whose default encryption is SSE-S3;
      // the records hold request metadata (who, when, which key), never session content.
      // No Object Lock: "S3 buckets with Object Lock can't be used as destination buckets for server
      // access logs" (S3 User Guide, "Configuring S3 Object Lock"). The audit trail of record is the
      // locked audit bucket and CloudTrail; these records are versioned and retained.
      encryption: s3.BucketEncryption.S3_MANAGED,
      versioned: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: expiryRules(retention),
    });

    this.auditBucket = new s3.Bucket(this, 'AuditBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.logsKey,
      bucketKeyEnabled: true,
      versioned: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      // Object Lock with a default retention: every new object version is locked on arrival. The
      // writers cope with it: S3 accepts an upload to such a bucket only with a Content-MD5 or
      // x-amz-checksum header, which the EC2 SSM agent sends (aws/amazon-ssm-agent#178, fixed;
      // #682 reports only ECS Exec still failing) and CloudTrail, an AWS service, sends too.
      //
      // Upgrading a stack whose bucket had no lock: the resource schema (cfn-lint 1.51's
      // AWS::S3::Bucket) does not list ObjectLockEnabled as create-only, and S3 enables Object Lock
      // on an existing versioned bucket, so CloudFormation updates the bucket in place: same bucket,
      // same name, objects written before the update stay unlocked, later ones are locked. Were the
      // bucket ever replaced instead, RETAIN keeps the old one with its logs.
      objectLockEnabled: true,
      objectLockDefaultRetention: objectLock,
      lifecycleRules: expiryRules(retention),
    });

    // Server access logging set on the L1 with an explicit, conditioned bucket policy, whatever the
    // app's S3 feature flags (ACL-based log delivery is incompatible with BUCKET_OWNER_ENFORCED).
    (this.auditBucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: this.accessLogsBucket.bucketName,
      logFilePrefix: ACCESS_LOG_PREFIX,
    };
    this.accessLogsBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'S3ServerAccessLogsFromAuditBucket',
      principals: [new iam.ServicePrincipal('logging.s3.amazonaws.com')],
      actions: ['s3:PutObject'],
      resources: [this.accessLogsBucket.arnForObjects(`${ACCESS_LOG_PREFIX}*`)],
      conditions: {
        ArnLike: { 'aws:SourceArn': this.auditBucket.bucketArn },
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      },
    }));

    new ssm.CfnDocument(this, 'SessionDocument', {
      name: this.sessionDocumentName,
      documentType: 'Session',
      documentFormat: 'JSON',
      // A named document cannot be replaced in place; a new version becomes the default instead.
      updateMethod: 'NewVersion',
      content: {
        schemaVersion: '1.0',
        description: `Operator sessions on ${props.serviceName} hosts: logged to CloudWatch Logs and S3, encrypted with KMS, run as ${this.runAsUser}.`,
        sessionType: 'Standard_Stream',
        inputs: {
          s3BucketName: this.auditBucket.bucketName,
          s3KeyPrefix: SESSION_LOG_PREFIX,
          s3EncryptionEnabled: true,
          cloudWatchLogGroupName: this.sessionLogGroup.logGroupName,
          cloudWatchEncryptionEnabled: true,
          cloudWatchStreamingEnabled: true,
          kmsKeyId: props.logsKey.keyArn,
          runAsEnabled: true,
          runAsDefaultUser: this.runAsUser,
          idleSessionTimeout: String(idleMinutes),
          maxSessionDuration: String(maxMinutes),
          // Sets a private umask and says the session is recorded; holds no secret.
          shellProfile: {
            linux: 'umask 077; cd "$HOME"; echo "This session is recorded to CloudWatch Logs and S3."',
            windows: '',
          },
        },
      },
    });

    // --- The operator role -----------------------------------------------------------------------
    this.mfaConditions = {
      Bool: { 'aws:MultiFactorAuthPresent': 'true' },
      NumericLessThan: { 'aws:MultiFactorAuthAge': String(mfaMaxAge.toSeconds()) },
    };
    this.operatorPrincipals = props.operatorPrincipals;
    this.maxSessionDuration = maxSessionDuration;
    this.role = this.newOperatorRole('Role', `Operators of ${props.serviceName}: Session Manager sessions on its hosts, with MFA, logged.`);

    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'StartSessionOnServiceHostsOnly',
      actions: ['ssm:StartSession'],
      resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
      conditions: { StringEquals: { [`ssm:resourceTag/${SERVICE_TAG_KEY}`]: props.serviceName }, ...DOCUMENT_CHECK },
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      // With the document access check, a session without an explicitly allowed document (which
      // would fall back to the account's default, possibly unlogged, preferences) is refused.
      sid: 'StartSessionWithLoggedDocumentOnly',
      actions: ['ssm:StartSession'],
      resources: [this.sessionDocumentArn],
      conditions: DOCUMENT_CHECK,
    }));
    this.role.addToPrincipalPolicy(ownSessionsOnly(stack));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'ReadSessionDocument',
      actions: ['ssm:GetDocument'],
      resources: [this.sessionDocumentArn],
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'FindHostsAndSessions',
      actions: ['ssm:DescribeSessions', 'ssm:GetConnectionStatus', 'ssm:DescribeInstanceProperties', 'ssm:DescribeInstanceInformation', 'ec2:DescribeInstances'],
      resources: ['*'], // these List/Describe actions support no resource-level permissions
    }));
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      // The client asks KMS for the data key that encrypts the session stream.
      sid: 'EncryptSessionStream',
      actions: ['kms:GenerateDataKey'],
      resources: [props.logsKey.keyArn],
    }));
    this.addKeyStatement('OperatorRoleEncryptsSessionStream', new iam.PolicyStatement({
      principals: [new iam.ArnPrincipal(this.role.roleArn)],
      actions: ['kms:GenerateDataKey'],
      resources: ['*'],
    }));

    // --- Audit trail -----------------------------------------------------------------------------
    this.trailLogGroup = new logs.LogGroup(this, 'TrailLogGroup', {
      encryptionKey: props.logsKey,
      retention,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    const cloudTrailPrincipal = new iam.ServicePrincipal('cloudtrail.amazonaws.com');
    const fromThisTrail = { 'aws:SourceArn': this.trailArn };
    this.auditBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudTrailAclCheck',
      principals: [cloudTrailPrincipal],
      actions: ['s3:GetBucketAcl'],
      resources: [this.auditBucket.bucketArn],
      conditions: { StringEquals: fromThisTrail },
    }));
    this.auditBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudTrailWrite',
      principals: [cloudTrailPrincipal],
      actions: ['s3:PutObject'],
      resources: [this.auditBucket.arnForObjects(`${TRAIL_PREFIX}/AWSLogs/${Aws.ACCOUNT_ID}/*`)],
      conditions: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control', ...fromThisTrail } },
    }));
    this.protectAuditObjects(auditBucketAdministratorArns(this, props.auditBucketAdministrators));
    const trailLogsRole = new iam.Role(this, 'TrailLogsRole', {
      description: `Lets the ${trailName} trail deliver to its log group.`,
      assumedBy: new iam.PrincipalWithConditions(cloudTrailPrincipal, { StringEquals: fromThisTrail }),
    });
    trailLogsRole.addToPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.trailLogGroup.logGroupArn],
    }));
    this.addKeyStatement('CloudTrailEncryptsThisTrail', new iam.PolicyStatement({
      principals: [cloudTrailPrincipal],
      actions: ['kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: fromThisTrail,
        StringLike: {
          'kms:EncryptionContext:aws:cloudtrail:arn': stack.formatArn({ service: 'cloudtrail', region: '*', resource: 'trail', resourceName: '*' }),
        },
      },
    }));
    // "If you are using an existing S3 bucket with an S3 Bucket Key, kms:Decrypt permissions are required
    // to create or update a trail with SSE-KMS encryption enabled" (CloudTrail User Guide, "Configure AWS
    // KMS key policies for CloudTrail", https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html).
    // The audit bucket has a Bucket Key, so CloudTrail gets kms:Decrypt, for this trail only.
    this.addKeyStatement('CloudTrailDecryptsForBucketKey', new iam.PolicyStatement({
      principals: [cloudTrailPrincipal],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: fromThisTrail },
    }));
    this.addKeyStatement('CloudTrailDescribesKey', new iam.PolicyStatement({
      principals: [cloudTrailPrincipal],
      actions: ['kms:DescribeKey'],
      resources: ['*'],
      conditions: { StringEquals: fromThisTrail },
    }));
    // Who uses the key through S3 is named where they are granted: hosts writing transcripts
    // (grantHostLogging) and auditors reading them (grantAuditRead); never the whole account.

    const trail = new cloudtrail.CfnTrail(this, 'Trail', {
      trailName,
      isLogging: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      kmsKeyId: props.logsKey.keyArn,
      s3BucketName: this.auditBucket.bucketName,
      s3KeyPrefix: TRAIL_PREFIX,
      cloudWatchLogsLogGroupArn: this.trailLogGroup.logGroupArn,
      cloudWatchLogsRoleArn: trailLogsRole.roleArn,
      eventSelectors: [{ includeManagementEvents: true, readWriteType: 'All' }],
    });
    // CloudTrail checks the bucket policy, the key policy and the role when the trail is created.
    trail.node.addDependency(this.auditBucket.policy!, trailLogsRole);
    if (props.logsKey instanceof kms.Key) {
      trail.node.addDependency(props.logsKey);
    }

    // --- Alerts ----------------------------------------------------------------------------------
    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      topicName,
      displayName: `${props.serviceName} operator sessions`,
      masterKey: props.logsKey,
      enforceSSL: true,
    });
    for (const email of emails) {
      this.alertTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    const sessionEventsRule = new events.Rule(this, 'SessionEventsRule', {
      description: `Every Session Manager StartSession, ResumeSession and TerminateSession call (${props.serviceName} operator access).`,
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['ssm.amazonaws.com'], eventName: SESSION_EVENT_NAMES },
      },
    });
    this.addAlertTarget(sessionEventsRule);
    this.sessionEventsRule = sessionEventsRule;
    // Whoever silences or rewrites the audit, or reaches a host or a snapshot another way, is seen.
    this.addApiCallAlert('AuditTrailChangedRule', 'cloudtrail', ['StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors'],
      `The ${props.serviceName} operator audit trail was stopped, deleted or changed.`, { name: [trailName, this.trailArn] });
    this.addApiCallAlert('SessionDocumentChangedRule', 'ssm',
      ['UpdateDocument', 'UpdateDocumentDefaultVersion', 'DeleteDocument', 'ModifyDocumentPermission'],
      `The ${props.serviceName} operator session document was changed, deleted or shared.`, { name: [this.sessionDocumentName] });
    this.addApiCallAlert('SendCommandRule', 'ssm', ['SendCommand'],
      'A Run Command was sent (commands bypass the logged session document).');
    this.addApiCallAlert('SnapshotSharedRule', 'ec2', ['ModifySnapshotAttribute'],
      'An EBS snapshot\'s permissions were changed (sharing a snapshot shares the data on it).');
    this.addApiCallAlert('AuditBucketChangedRule', 's3', AUDIT_BUCKET_CHANGE_EVENTS,
      `The ${props.serviceName} audit bucket's policy, Object Lock, versioning, lifecycle, encryption or logging was changed.`,
      { bucketName: [this.auditBucket.bucketName] });
    if (emails.length === 0) {
      Annotations.of(this).addWarningV2('cdk-timescale-security:operator-alerts-unsubscribed',
        'The operator alert topic has no subscription, so session and tampering alerts reach nobody. Pass ' +
        'OperatorAccessProps.alertEmails, or subscribe to OperatorAccess.alertTopic yourself and acknowledge this warning.');
    }
    this.addKeyStatement('EventBridgePublishesToAlertTopic', new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn } },
    }));

    // CloudWatch alarm actions publish to the topic as cloudwatch.amazonaws.com, which SNS lets use the
    // topic's key only if the key policy does (SNS Developer Guide, "Enable compatibility between event
    // sources from AWS services and encrypted topics",
    // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services);
    // both grants hold only for alarms of this account and region.
    const thisAccountsAlarms = stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    this.alertTopic.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccountPublish',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.alertTopic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': thisAccountsAlarms },
      },
    }));
    this.addKeyStatement('CloudWatchAlarmsPublishToAlertTopic', new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'kms:EncryptionContext:aws:sns:topicArn': topicArn, 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': thisAccountsAlarms },
      },
    }));

    for (const hostRole of props.hostRoles ?? []) {
      this.grantHostLogging(hostRole);
    }

    if (this.keyPolicyWarnings.length > 0) {
      Annotations.of(this).addWarningV2('cdk-timescale-security:operator-key-policy',
        'OperatorAccessProps.logsKey is not defined in this app, so its key policy cannot be changed here. ' +
        `Add these statements to it, or sessions, the trail and alerts will fail: ${this.keyPolicyWarnings.join('; ')}.`);
    }
  }

  /**
   * Lets a host's SSM agent write session transcripts: `s3:PutObject` under `session-logs/` in the
   * audit bucket (and `s3:GetEncryptionConfiguration`, which the agent checks), log streams and
   * events in the session log group (and the describe calls it uses to check encryption),
   * `kms:Decrypt` on the logs key for the session stream, and `kms:GenerateDataKey` through S3 for
   * the encrypted transcript objects. Without it, logged sessions cannot start on the host.
   *
   * The host may only add transcripts: the audit bucket's policy denies the host role any
   * `s3:PutObject` outside `session-logs/` (so it cannot forge trail log files), and deleting an
   * object, changing its retention or legal hold, bypassing governance mode, and changing the
   * bucket's lock, versioning, lifecycle or policy. A host can still write a transcript under a key
   * that exists: the bucket is versioned and locked, so that makes a new version, and the earlier
   * version stays in the bucket, locked until its retention ends; read a session's history with
   * `ListObjectVersions`.
   *
   * The grantee (a host's role) is also named in the logs key's policy when the key is defined in this
   * app, which exempts it from the key's Deny. Granting the same principal again changes nothing.
   */
  public grantHostLogging(grantee: iam.IGrantable): iam.Grant {
    const principal = grantee.grantPrincipal;
    if (this.hostRoles.has(principal)) {
      return iam.Grant.drop(grantee, `host logging was already granted to ${principal}`);
    }
    if (this.hostRoles.size === 0) {
      this.denyHostsAllButNewSessionLogs();
    }
    this.hostRoles.add(principal);
    const stack = Stack.of(this);
    const statements = [
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.auditBucket.arnForObjects(`${SESSION_LOG_PREFIX}/*`)],
      }),
      new iam.PolicyStatement({
        actions: ['s3:GetEncryptionConfiguration'],
        resources: [this.auditBucket.bucketArn],
      }),
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [this.sessionLogGroup.logGroupArn],
      }),
      new iam.PolicyStatement({
        // The agent lists log groups to confirm the target group is encrypted.
        actions: ['logs:DescribeLogGroups'],
        resources: [stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [this.logsKey.keyArn],
      }),
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey'],
        resources: [this.logsKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    ];
    const grant = statements
      .map((statement) => iam.Grant.addToPrincipal({
        grantee, actions: statement.actions, resourceArns: statement.resources, conditions: statement.conditions,
      }))
      .reduce((all, one) => all.combine(one));
    this.addKeyStatement(`HostDecryptsSessionStream${this.hostRoles.size}`, new iam.PolicyStatement({
      principals: [principal],
      actions: ['kms:Decrypt'],
      resources: ['*'],
    }));
    this.addKeyStatement(`HostWritesSessionLogsThroughS3${this.hostRoles.size}`, new iam.PolicyStatement({
      principals: [principal],
      actions: ['kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    }));
    return grant;
  }

  /**
   * The audit bucket's policy keeps its objects as they were written: nobody but the administrators
   * may delete an object version, change its retention or legal hold, or bypass governance mode, nor
   * switch off the lock, versioning, lifecycle or policy that protect them. The account's root user can
   * still replace the policy (S3 always lets it), which is the documented way back in.
   */
  private protectAuditObjects(administratorArns: string[] | undefined): void {
    const bucketAndObjects = [this.auditBucket.bucketArn, this.auditBucket.arnForObjects('*')];
    if (administratorArns) {
      this.auditBucket.addToResourcePolicy(new iam.PolicyStatement({
        sid: 'AuditLogsKeptFromAllButAdministrators',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...AUDIT_OBJECT_TAMPERING_ACTIONS, ...AUDIT_BUCKET_PROTECTION_ACTIONS],
        resources: bucketAndObjects,
        conditions: { ArnNotLike: { 'aws:PrincipalArn': administratorArns } },
      }));
      return;
    }
    // Without a known deploying role, denying bucket changes would deny CloudFormation its own updates.
    this.auditBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AuditLogsKeptFromEveryone',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: AUDIT_OBJECT_TAMPERING_ACTIONS,
      resources: bucketAndObjects,
    }));
    Annotations.of(this).addWarningV2('cdk-timescale-security:operator-audit-bucket-administrators',
      'The stack does not use the DefaultStackSynthesizer, so the role CloudFormation deploys with is not known: deleting and ' +
      'unlocking audit objects is denied to every principal, but changes to the audit bucket\'s lock, versioning, lifecycle and ' +
      'policy are not. Pass OperatorAccessProps.auditBucketAdministrators (including the role CloudFormation deploys with) to deny them to everyone else.');
  }

  /** What the bucket policy denies the hosts, whoever the administrators are: only new session logs may come from a host. */
  private denyHostsAllButNewSessionLogs(): void {
    const hostRoleArns = Lazy.list({
      produce: () => [...this.hostRoles].flatMap((principal) => [principal.policyFragment.principalJson.AWS ?? []].flat()),
    });
    const fromHosts = { ArnEquals: { 'aws:PrincipalArn': hostRoleArns } };
    this.auditBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'HostsWriteSessionLogsOnly',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      notResources: [this.auditBucket.arnForObjects(`${SESSION_LOG_PREFIX}/*`)],
      conditions: fromHosts,
    }));
    this.auditBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'HostsNeverDeleteOrUnlock',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: [...AUDIT_OBJECT_TAMPERING_ACTIONS, ...AUDIT_BUCKET_PROTECTION_ACTIONS],
      resources: [this.auditBucket.bucketArn, this.auditBucket.arnForObjects('*')],
      conditions: fromHosts,
    }));
  }

  /**
   * Lets an auditor role read the session transcripts and trail log files: `s3:GetObject` and
   * `s3:ListBucket` on the audit bucket, read access to both log groups, and `kms:Decrypt` on the
   * logs key through S3 (named in the key policy when the key is defined in this app).
   */
  public grantAuditRead(auditorRole: iam.IRole): void {
    const stack = Stack.of(this);
    this.auditBucket.grantRead(auditorRole);
    this.sessionLogGroup.grantRead(auditorRole);
    this.trailLogGroup.grantRead(auditorRole);
    this.auditorCount += 1;
    this.addKeyStatement(`AuditorReadsThroughS3${this.auditorCount}`, new iam.PolicyStatement({
      principals: [new iam.ArnPrincipal(auditorRole.roleArn)],
      actions: ['kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    }));
  }

  /**
   * Lets operators open port-forwarding sessions (`AWS-StartPortForwardingSessionToRemoteHost`)
   * through one host, typically an `OperatorBastion`, and returns the grant.
   *
   * Port forwarding is granted to a separate role, `portForwardingRole` (same principals, same MFA
   * conditions), never to the shell role: IAM authorizes the instance and the document of a
   * StartSession call separately, so one role allowed the shell document on every service host and
   * the port-forwarding document on the bastion would also be allowed port forwarding on a database
   * host, which reaches its local PostgreSQL and its metadata service (the agent forwards as root).
   * A database host (tagged `timescale:role` = `database`) is refused at synthesis.
   *
   * Session Manager does not record the traffic of port-forwarding sessions (only their start and
   * end, in CloudTrail), so the database's own pgaudit log is what records what an operator did
   * through one. A second EventBridge rule alerts on any port-forwarding session whose target is not
   * an allowed host.
   */
  public allowPortForwarding(host: ec2.IInstance): iam.Grant {
    const stack = Stack.of(this);
    this.portForwardingHosts.add(host);
    if (!this._portForwardingRole) {
      this._portForwardingRole = this.newOperatorRole('PortForwardingRole',
        `Operators of ${this.serviceName}: port forwarding through the bastion only, with MFA.`);
      this._portForwardingRole.addToPolicy(ownSessionsOnly(stack));
      this._portForwardingRole.addToPolicy(new iam.PolicyStatement({
        sid: 'PortForwardingDocumentOnly',
        actions: ['ssm:StartSession'],
        resources: [stack.formatArn({ service: 'ssm', account: '', resource: 'document', resourceName: PORT_FORWARDING_DOCUMENT })],
        conditions: DOCUMENT_CHECK,
      }));
      this.node.addValidation({ validate: () => this.validatePortForwardingHosts() });
    }
    const grant = iam.Grant.addToPrincipal({
      grantee: this._portForwardingRole,
      actions: ['ssm:StartSession'],
      resourceArns: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: host.instanceId })],
      conditions: DOCUMENT_CHECK,
    });
    if (!this.node.tryFindChild('PortForwardingElsewhereRule')) {
      const rule = new events.Rule(this, 'PortForwardingElsewhereRule', {
        description: `Port-forwarding sessions to a host other than the ${this.serviceName} bastion.`,
        eventPattern: {
          source: ['aws.ssm'],
          detailType: ['AWS API Call via CloudTrail'],
          detail: {
            eventSource: ['ssm.amazonaws.com'],
            eventName: ['StartSession'],
            requestParameters: {
              documentName: [PORT_FORWARDING_DOCUMENT],
              // Rendered at synthesis, so every host allowed by a later call is excluded too.
              target: [{ 'anything-but': Lazy.list({ produce: () => [...this.portForwardingHosts].map((h) => h.instanceId) }) }],
            },
          },
        },
      });
      this.addAlertTarget(rule);
    }
    return grant;
  }

  /** The role operators assume for port forwarding, once `allowPortForwarding` was called. */
  public get portForwardingRole(): iam.IRole | undefined {
    return this._portForwardingRole;
  }

  /**
   * Lets one named operator read a secret (for example the password of a customer-approved database
   * role), and nobody else who assumes the operator role: the grant holds only for sessions whose
   * source identity (`aws:SourceIdentity`, set when the role is assumed and kept through role
   * chaining) is `operator`. The trust policy lets an IAM user set only its own user name as the
   * source identity; a federated operator's identity provider sets it.
   */
  public grantSecretReadToOperator(secret: secretsmanager.ISecret, operator: string): iam.Grant {
    if (!Token.isUnresolved(operator) && !/^[\w+=,.@-]{2,64}$/.test(operator)) {
      throw new Error(`OperatorAccess.grantSecretReadToOperator: operator must be a source identity of 2 to 64 letters, digits and +=,.@_-; got ${JSON.stringify(operator)}.`);
    }
    const onlyThisOperator = { StringEquals: { 'aws:SourceIdentity': operator } };
    const grant = iam.Grant.addToPrincipal({
      grantee: this.role,
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resourceArns: [secret.secretArn],
      conditions: onlyThisOperator,
    });
    secret.encryptionKey?.grantDecrypt(new kms.ViaServicePrincipal(`secretsmanager.${Stack.of(this).region}.amazonaws.com`, this.role));
    // In the secret's policy too, with the same condition: a secret that denies reads to all but the
    // principals its policy names (the service's secrets do) then lets this operator's sessions in.
    secret.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'ApprovedOperatorReads',
      principals: [new iam.ArnPrincipal(this.role.roleArn)],
      actions: ['secretsmanager:GetSecretValue'],
      resources: ['*'],
      conditions: onlyThisOperator,
    }));
    return grant;
  }

  /** A role the operator principals may assume only with MFA, setting at most their own source identity. */
  private newOperatorRole(id: string, description: string): iam.Role {
    const [first, ...rest] = this.operatorPrincipals;
    const role = new iam.Role(this, id, {
      description,
      assumedBy: new iam.PrincipalWithConditions(first, this.mfaConditions),
      maxSessionDuration: this.maxSessionDuration,
    });
    for (const principal of rest) {
      role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
        actions: [principal.assumeRoleAction],
        principals: [principal],
        conditions: this.mfaConditions,
      }));
    }
    // The source identity is what names one operator (grantSecretReadToOperator); an IAM user may
    // set only its own name, so one operator cannot pass as another.
    role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
      actions: ['sts:SetSourceIdentity'],
      principals: this.operatorPrincipals,
      conditions: { ...this.mfaConditions, StringEquals: { 'sts:SourceIdentity': '${aws:username}' } },
    }));
    return role;
  }

  private validatePortForwardingHosts(): string[] {
    return [...this.portForwardingHosts]
      .filter((host) => {
        const cfnInstance = host.node.defaultChild;
        return cfnInstance instanceof ec2.CfnInstance && cfnInstance.tags.tagValues()[HOST_ROLE_TAG_KEY] === 'database';
      })
      .map((host) => `OperatorAccess.allowPortForwarding(${host.node.path}): the host is a database host (tag ${HOST_ROLE_TAG_KEY} = database). ` +
        'Port forwarding through it would reach its local PostgreSQL and its metadata service; forward through an OperatorBastion instead.');
  }

  /**
   * Alerts on changes that would take away what protects these keys' data: a new key policy, a
   * disabled key or rotation, a scheduled deletion, and grants made by a person (grants AWS services
   * make for attached volumes, `invokedBy`, are not news).
   */
  public alertOnKeyChanges(...keys: kms.IKey[]): void {
    const keyArns = keys.map((key) => key.keyArn);
    const id = `KeyChangesRule${this.keyAlertCount++ || ''}`;
    this.addApiCallAlert(id, 'kms', ['PutKeyPolicy', 'DisableKey', 'DisableKeyRotation', 'ScheduleKeyDeletion'],
      `A key policy was replaced, or a key (or its rotation) disabled or scheduled for deletion (${this.serviceName}).`,
      undefined, { resources: { ARN: keyArns } });
    this.addApiCallAlert(`${id}Grants`, 'kms', ['CreateGrant'],
      `A person created a grant on a ${this.serviceName} key.`,
      undefined, { resources: { ARN: keyArns }, userIdentity: { invokedBy: [{ exists: false }] } });
  }

  /** Alerts on changes to a backup vault's access policy or lock, and on its deletion. */
  public alertOnBackupVaultChanges(vault: backup.IBackupVault): void {
    this.addApiCallAlert(`BackupVaultChangesRule${this.vaultAlertCount++ || ''}`, 'backup',
      ['PutBackupVaultAccessPolicy', 'DeleteBackupVaultAccessPolicy', 'DeleteBackupVault', 'PutBackupVaultLockConfiguration',
        'DeleteBackupVaultLockConfiguration'],
      `A ${this.serviceName} backup vault's access policy or lock was changed, or the vault deleted.`,
      { backupVaultName: [vault.backupVaultName] });
  }

  /**
   * Alerts on every read of these secrets' values (`GetSecretValue`, which CloudTrail also records
   * for each secret a `BatchGetSecretValue` returns) by anyone but a session of the expected roles:
   * an IAM user, the root user, an AWS service, or a role not listed. Each alert carries the caller
   * (`userIdentity`) and the secret (`requestParameters.secretId`).
   *
   * The caller may name a secret by its name, its full ARN or its ARN without the six-character
   * suffix; the rule matches all three. For a secret imported without its full ARN
   * (`fromSecretNameV2`), a caller naming it by full ARN is matched by the prefix `<partial ARN>-`,
   * which also matches secrets whose names extend that name with a hyphen.
   *
   * `GetSecretValue` is a read-only management event, which EventBridge delivers only to rules in the
   * `ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS` state; the rule is created in it. Reads by the
   * expected roles (for example the host reading its secrets at boot) raise nothing.
   *
   * @param secrets the secrets whose reads are watched
   * @param expectedReaders the roles whose sessions may read them without an alert (more with `expectSecretReads`)
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html
   */
  public alertOnSecretReads(secrets: secretsmanager.ISecret[], expectedReaders: iam.IRole[]): events.Rule {
    if (secrets.length === 0) {
      throw new Error(
        `OperatorAccess.alertOnSecretReads (${this.node.path}) needs at least one secret; got an empty list. ` +
        'Pass the service\'s secrets, e.g. [certificate.certificateSecret].',
      );
    }
    const stack = Stack.of(this);
    const secretIds = secrets.flatMap((secret) => secretIdentifiers(stack, secret));
    const readers = [...expectedReaders];
    const readerArns = Lazy.list({ produce: () => readers.map((role) => role.roleArn) });
    const callers = readers.length > 0
      ? [
        // anything-but matches only callers that have a session issuer; the second branch catches the
        // others (IAM users, the root user, AWS services).
        { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ 'anything-but': readerArns }] } } } },
        { userIdentity: { sessionContext: { sessionIssuer: { arn: [{ exists: false }] } } } },
      ]
      : undefined;
    const rule = this.addApiCallAlert(`SecretReadsRule${this.secretAlertCount++ || ''}`, 'secretsmanager', ['GetSecretValue'],
      `A ${this.serviceName} secret was read by someone other than its expected readers.`,
      { secretId: secretIds }, callers ? { $or: callers } : {});
    // GetSecretValue is a read-only management event: a rule in the ENABLED state never sees it.
    (rule.node.defaultChild as events.CfnRule).state = 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';
    this.secretReaders.set(rule, readers);
    return rule;
  }

  /**
   * Adds roles whose reads of the secrets an `alertOnSecretReads` rule watches are expected (for example an
   * application granted a customer's credentials), so they raise no alert.
   *
   * @param rule a rule `alertOnSecretReads` of this construct returned, created with at least one expected reader
   */
  public expectSecretReads(rule: events.IRule, ...readers: iam.IRole[]): void {
    const expected = this.secretReaders.get(rule);
    if (!expected || expected.length === 0) {
      throw new Error(`OperatorAccess.expectSecretReads (${this.node.path}): ${rule.node.path} is not a rule alertOnSecretReads of this ` +
        'construct created with expected readers. Pass the rule it returned, and name at least one expected reader when creating it.');
    }
    expected.push(...readers.filter((reader) => !expected.includes(reader)));
  }

  /** One EventBridge rule on CloudTrail's record of some API calls of a service, sent to the alert topic. */
  private addApiCallAlert(id: string, service: string, eventNames: string[], description: string,
    requestParameters?: { [key: string]: any }, detail: { [key: string]: any } = {}): events.Rule {
    const rule = new events.Rule(this, id, {
      description: description.slice(0, 512),
      eventPattern: {
        source: [`aws.${service}`],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: [`${service}.amazonaws.com`],
          eventName: eventNames,
          ...(requestParameters ? { requestParameters } : {}),
          ...detail,
        },
      },
    });
    this.addAlertTarget(rule);
    return rule;
  }

  /** Sends a rule's events to the alert topic; the topic accepts them from that rule only. */
  private addAlertTarget(rule: events.Rule): void {
    rule.addTarget({ bind: () => ({ arn: this.alertTopic.topicArn, targetResource: this.alertTopic }) });
    this.alertTopic.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [this.alertTopic.topicArn],
      conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
    }));
  }

  /** A default was loosened on purpose: say so, in a warning users can acknowledge. */
  private warnWhenLoosened(loosened: boolean, id: string, message: string): void {
    if (loosened) {
      Annotations.of(this).addWarningV2(`cdk-timescale-security:${id}`, message);
    }
  }

  private addKeyStatement(sid: string, statement: iam.PolicyStatement): void {
    // Prefixed with the service, so that services sharing one logs key keep distinct statement IDs.
    statement.sid = `${this.sidPrefix}${sid}`;
    const result = this.logsKey.addToResourcePolicy(statement, true);
    if (!result.statementAdded) {
      this.keyPolicyWarnings.push(statement.sid);
    }
  }

  /**
   * The shell commands that create the operating system user sessions run as (idempotent), for a
   * host's user data or bootstrap: a normal user with a home directory and a login shell, in no
   * sudo group.
   */
  public operatorUserCommands(): string[] {
    return [
      `id -u ${this.runAsUser} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash ${this.runAsUser}`,
    ];
  }
}

/** Closing and resuming a session, only the caller's own. */
function ownSessionsOnly(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'OwnSessionsOnly',
    actions: ['ssm:TerminateSession', 'ssm:ResumeSession', 'ssmmessages:OpenDataChannel'],
    resources: [stack.formatArn({ service: 'ssm', resource: 'session', resourceName: '${aws:userid}-*' })],
  });
}

/**
 * The forms a caller may name a secret by in `GetSecretValue`: the full ARN (with the random suffix),
 * the ARN without the suffix, and the name.
 */
function secretIdentifiers(stack: Stack, secret: secretsmanager.ISecret): Array<string | { prefix: string }> {
  const partialArn = stack.formatArn({
    service: 'secretsmanager', resource: 'secret', resourceName: secret.secretName, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const fullArn = secret.secretFullArn;
  return [
    fullArn ?? { prefix: `${partialArn}-` },
    partialArn,
    secret.secretName,
  ];
}

function expiryRules(retention: logs.RetentionDays): s3.LifecycleRule[] {
  if (retention === logs.RetentionDays.INFINITE) {
    return [];
  }
  return [{
    id: 'ExpireAfterRetention',
    expiration: Duration.days(retention),
    noncurrentVersionExpiration: Duration.days(retention),
  }];
}

function validateServiceName(name: string): void {
  if (Token.isUnresolved(name)) {
    return;
  }
  if (!SERVICE_NAME.test(name) || RESERVED_DOCUMENT_PREFIX.test(name)) {
    throw new Error(
      `OperatorAccessProps.serviceName must be 1 to 63 letters, digits, '-' or '_', starting with a letter or digit and not with 'aws', 'amazon' or 'amzn'; got ${JSON.stringify(name)}. ` +
      "It names the session document, trail and topic and is the value of the hosts' timescale:service tag. Pass for example 'orders-db'.",
    );
  }
}

function validatePrincipals(scope: Construct, principals: iam.IPrincipal[] | undefined): void {
  if (!principals || principals.length === 0) {
    throw new Error(
      'OperatorAccessProps.operatorPrincipals must name at least one IAM user or role; got an empty list. ' +
      'Nobody could assume the operator role. Pass the operators, e.g. [iam.Role.fromRoleName(this, "Ops", "sre-team")].',
    );
  }
  for (const principal of principals) {
    const json = Stack.of(scope).resolve(principal.policyFragment.principalJson) as { [key: string]: unknown[] };
    const kinds = Object.keys(json);
    const received = JSON.stringify(json);
    if (kinds.includes('Service') || kinds.includes('Federated') || kinds.includes('CanonicalUser')) {
      throw new Error(
        `OperatorAccessProps.operatorPrincipals accepts IAM users and roles only; got ${received}. ` +
        'Service and federated principals cannot present MFA, which the operator role requires. ' +
        'Pass the IAM role your federated operators land in (or an IAM user) instead.',
      );
    }
    const aws = (json.AWS ?? []).map((a) => JSON.stringify(a));
    if (aws.some((a) => a === '"*"')) {
      throw new Error(
        `OperatorAccessProps.operatorPrincipals must be named principals; got ${received}. ` +
        'Anyone (*) may not assume the operator role. Pass the IAM users or roles of your operators.',
      );
    }
    if (aws.some((a) => /:root"|^"\d{12}"$/.test(a)) || aws.some((a) => a.includes(':root'))) {
      Annotations.of(scope).addWarningV2('cdk-timescale-security:operator-account-principal',
        `OperatorAccessProps.operatorPrincipals includes an account principal (${received}): any IAM identity in that ` +
        'account that is granted sts:AssumeRole on the operator role can assume it (with MFA). Prefer naming the operators\' users or roles.');
    }
  }
}

function validateRoleSessionDuration(duration: Duration): void {
  if (Token.isUnresolved(duration.toSeconds())) {
    return;
  }
  const seconds = duration.toSeconds();
  if (seconds > MAX_ROLE_SESSION_HOURS * 3600 || seconds < 3600) {
    throw new Error(
      `OperatorAccessProps.maxSessionDuration must be from 1 hour to 12 hours; got ${duration.toHumanString()}. ` +
      'Operator credentials are kept short-lived, and IAM accepts no more than 12 hours. Pass for example Duration.hours(1).',
    );
  }
}

function validateDuration(what: string, duration: Duration, min: number, max: number, unit: string, example: string): void {
  const value = duration.toSeconds();
  if (Token.isUnresolved(value)) {
    return;
  }
  if (value < min || value > max) {
    throw new Error(`${what} must be from ${min} to ${max} ${unit}; got ${duration.toHumanString()}. Pass for example ${example}.`);
  }
}

function minutes(what: string, duration: Duration, min: number, max: number, example: string): number {
  const seconds = duration.toSeconds();
  if (Token.isUnresolved(seconds)) {
    throw new Error(`${what} must be a concrete duration: it is written into the session document. Pass for example ${example}.`);
  }
  const value = seconds / 60;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(
      `${what} must be a whole number of minutes from ${min} to ${max}; got ${duration.toHumanString()}. ` +
      `Session Manager counts it in minutes. Pass for example ${example}.`,
    );
  }
  return value;
}

function validateRunAsUser(user: string): void {
  if (Token.isUnresolved(user)) {
    return;
  }
  if (user === 'root' || !OS_USER.test(user)) {
    throw new Error(
      `OperatorAccessProps.runAsUser must be a non-root Linux user name (lower-case letters, digits, '_' or '-', at most 32 characters); got ${JSON.stringify(user)}. ` +
      "Sessions as root could read the database files. Pass for example 'timescale-operator'.",
    );
  }
}

function validateEmail(email: string): void {
  if (!Token.isUnresolved(email) && !EMAIL.test(email)) {
    throw new Error(`OperatorAccessProps.alertEmails must hold email addresses; got ${JSON.stringify(email)}. Pass for example 'oncall@example.com'.`);
  }
}

/** The audit bucket's Object Lock default retention: governance mode for `auditRetention`, unless a retention is given instead. */
function auditObjectLock(auditRetention: Duration | undefined, override: s3.ObjectLockRetention | undefined): s3.ObjectLockRetention {
  if (override && auditRetention) {
    throw new Error(
      `OperatorAccessProps.auditRetention (${auditRetention.toHumanString()}) and auditBucketObjectLock (${override.mode} ${override.duration.toHumanString()}) ` +
      'both set the audit bucket\'s Object Lock retention. Pass auditRetention for governance mode, or auditBucketObjectLock alone for another mode.',
    );
  }
  if (override) {
    return override;
  }
  const retention = auditRetention ?? Duration.days(365);
  const fix = 'Pass for example Duration.days(365).';
  if (retention.isUnresolved()) {
    throw new Error(
      'OperatorAccessProps.auditRetention must be a concrete duration; got a token. It is the audit bucket\'s Object Lock ' +
      `retention, which is checked at synthesis: a whole number of days from 1 to ${MAX_AUDIT_RETENTION_DAYS}. ${fix}`,
    );
  }
  const days = retention.toSeconds() / 86400;
  if (!Number.isInteger(days) || days < 1 || days > MAX_AUDIT_RETENTION_DAYS) {
    throw new Error(
      `OperatorAccessProps.auditRetention must be a whole number of days from 1 to ${MAX_AUDIT_RETENTION_DAYS}; got ${retention.toHumanString()}. ` +
      `S3 Object Lock counts a default retention in whole days, up to 100 years. ${fix}`,
    );
  }
  return s3.ObjectLockRetention.governance(Duration.days(days));
}

/**
 * The ARNs of the audit bucket's administrators: the roles given, the deployers given to ServiceKeys
 * in this stack, or the CloudFormation execution role of a DefaultStackSynthesizer; undefined when
 * none is known.
 */
function auditBucketAdministratorArns(scope: Construct, administrators: iam.IRole[] | undefined): string[] | undefined {
  if (administrators) {
    if (administrators.length === 0) {
      throw new Error(
        'OperatorAccessProps.auditBucketAdministrators must name at least one role; got an empty list. CloudFormation updates the ' +
        'audit bucket and its policy with the role it deploys with, which must be an administrator. Leave it unset to use the CDK ' +
        'bootstrap\'s CloudFormation execution role, or pass that role, e.g. iam.Role.fromRoleArn(this, "Deployer", "<arn>").',
      );
    }
    return administrators.map((role) => role.roleArn);
  }
  // The deployers named to ServiceKeys, if any: the keys, the secrets and this bucket then trust the same role.
  const declared = declaredDeployerArns(Stack.of(scope));
  if (declared) {
    return declared;
  }
  const synthesizer = Stack.of(scope).synthesizer;
  if (!(synthesizer instanceof DefaultStackSynthesizer)) {
    return undefined;
  }
  // The synthesizer gives the ARN with CloudFormation placeholders (${AWS::AccountId}, ...); the
  // policy needs them resolved, as pseudo parameters.
  return [synthesizer.cloudFormationExecutionRoleArn
    .replace(/\$\{AWS::Partition\}/g, Aws.PARTITION)
    .replace(/\$\{AWS::AccountId\}/g, Aws.ACCOUNT_ID)
    .replace(/\$\{AWS::Region\}/g, Aws.REGION)];
}
