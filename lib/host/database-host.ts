import { Annotations, Aws, Duration, Lazy, RemovalPolicy, Tags, Token } from 'aws-cdk-lib';
import * as cfn from 'aws-cdk-lib/aws-cloudformation';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { PackageSource } from './package-source';
import { assertCustomerManagedKey } from '../keys/customer-managed';
import { assertInRange } from '../private/validation';
import * as boot from './private/bootstrap';
import { agentMetricsSection, instanceMetric, putHostMetricsStatement, volumeFreeStorageMetric } from './private/host-metrics';
import { LazyInitElements } from './private/lazy-init';
import { protectInstanceAfterCreate, registerBootstrap } from './private/protect-after-create';
import { resolveVolumeOptions, ResolvedVolumeOptions } from './private/volumes';
import { VolumeOptions } from './volume-options';

/**
 * One rendered server configuration file, delivered by `AWS::CloudFormation::Init`, so its exact
 * content is readable in the synthesized template.
 */
export interface ConfigFile {
  /** Absolute path on the host, for example `DatabaseHost.CONFIG_DIR + '/pg_hba.conf'`. */
  readonly path: string;

  /** The file's content. May contain tokens. Never put secrets here: use a `SecretFile`. */
  readonly content: string;

  /**
   * File mode, as octal digits (cfn-init's six-digit form, such as `000640`). Under `CONFIG_DIR`
   * it must not let group or other write, must set no execute (or setuid, setgid, sticky) bit, and
   * must let the server read the file (group `postgres` with group read, or other read).
   *
   * @default '000640'
   */
  readonly mode?: string;

  /**
   * Owning OS user. Under `CONFIG_DIR` it must be `root`: a file the server's OS user owns is one
   * it can rewrite (for example `pg_hba.conf`, to let anyone in).
   *
   * @default 'root'
   */
  readonly owner?: string;

  /**
   * Owning OS group.
   *
   * @default 'postgres'
   */
  readonly group?: string;
}

/**
 * A file whose content is read from Secrets Manager at boot, so it never appears in the template,
 * the user data or the logs.
 */
export interface SecretFile {
  /** Absolute path on the host, for example `DatabaseHost.CONFIG_DIR + '/tls/server.key'`. */
  readonly path: string;

  /** The secret holding the content. The host's role is granted read on it. */
  readonly secret: secretsmanager.ISecret;

  /**
   * Field of the secret's JSON value to write.
   *
   * @default - the whole secret string
   */
  readonly jsonField?: string;

  /**
   * Write the value as one `key=value` line of an INI section (for example section `global`, key
   * `repo1-cipher-pass` for pgBackRest), so the file is a configuration file of its own.
   *
   * @default - the value alone, as it is stored
   */
  readonly iniEntry?: IniEntry;

  /**
   * File mode, as octal digits (cfn-init's six-digit form, such as `000640`). PostgreSQL accepts a
   * server key owned by root with mode `000640`; a certificate may be `000644`. Under `CONFIG_DIR`
   * the same limits as for a `ConfigFile` apply.
   *
   * @default '000640'
   */
  readonly mode?: string;

  /**
   * Owning OS user. Under `CONFIG_DIR` it must be `root`.
   *
   * @default 'root'
   */
  readonly owner?: string;

  /**
   * Owning OS group.
   *
   * @default 'postgres'
   */
  readonly group?: string;
}

/**
 * A psql variable whose value is read from Secrets Manager on the host when the script runs.
 */
export interface SqlSecretVariable {
  /** The psql variable name, referenced in the SQL as `:'name'`. Letters, digits and `_`. */
  readonly name: string;
  /** The secret that holds the value. The host role is granted read on it. */
  readonly secret: secretsmanager.ISecret;
  /**
   * The field of the secret's JSON value.
   *
   * @default - the whole secret string
   */
  readonly jsonField?: string;
}

/**
 * SQL the host runs as the PostgreSQL superuser on the `postgres` database, after the server starts
 * and again after every configuration change that cfn-hup applies. It must be idempotent.
 */
export interface SqlScript {
  /** A name for the script: lower-case letters, digits and `-`. Scripts run in the order they were added. */
  readonly name: string;
  /** The SQL. It is delivered in the template, so it must hold no secret: use `secretVariables`. */
  readonly sql: string;
  /**
   * psql variables set from Secrets Manager just before the script runs; their files are removed
   * right after, and the values never appear on a command line or in the template.
   *
   * @default - no variables
   */
  readonly secretVariables?: SqlSecretVariable[];

  /**
   * Also run the script on this interval, through a systemd timer, as the superuser over the local
   * socket (for example SQL that ends expired access within a minute). From 10 seconds to 1 hour,
   * in whole seconds. Not for scripts with `secretVariables`: their values are fetched for one run
   * and removed right after, never kept on the host for the next.
   *
   * @default - only at boot and after each configuration change
   */
  readonly schedule?: Duration;
}

/** Where a `SecretFile`'s value goes in an INI file. */
export interface IniEntry {
  /** The section, written as `[section]`: letters, digits, `.`, `_` and `-`. */
  readonly section: string;
  /** The key, written as `key=<value>`: letters, digits, `.`, `_` and `-`. */
  readonly key: string;
}

/** When a host command runs. */
export enum HostCommandPhase {
  /**
   * At the first boot only, after the volumes are mounted, the packages installed and the secret and
   * configuration files written, and before the cluster is created and the server first starts
   * (for example a restore into the empty data volume).
   */
  BEFORE_FIRST_START = 'before-first-start',
  /**
   * After the server has started, at boot and after every configuration change cfn-hup applies (for
   * example enabling timers). The command must be idempotent.
   */
  AFTER_START = 'after-start',
}

/** A shell command the host runs as root during its bootstrap. */
export interface HostCommand {
  /** A name: lower-case letters, digits and `-`. Commands of a phase run in the order they were added. */
  readonly name: string;
  /** The command line. It is in the template: it must hold no secret. */
  readonly command: string;
  /** When it runs. */
  readonly phase: HostCommandPhase;
}

/** A log file the host ships to its log group. */
export interface HostLogFile {
  /** The file (a glob such as `/var/log/app/*.log` is accepted). */
  readonly path: string;
  /** The log stream's name after the instance ID: lower-case letters, digits and `-`. */
  readonly streamName: string;
}

/** Properties of a `DatabaseHost`. */
export interface DatabaseHostProps {
  /** The VPC to run the host in. */
  readonly vpc: ec2.IVpc;

  /**
   * Subnets to place the host in; it runs in the first selected subnet. Public subnets are refused.
   *
   * @default - the VPC's isolated subnets if it has any, otherwise its private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /** Customer-managed KMS key that encrypts the root, data and WAL volumes (and so their snapshots). */
  readonly dataKey: kms.IKey;

  /** Customer-managed KMS key that encrypts the host's log group. */
  readonly logsKey: kms.IKey;

  /**
   * Name of the service the host belongs to: tagged as `timescale:service` on the instance and its
   * volumes, which operator access scopes Session Manager by.
   */
  readonly serviceName: string;

  /**
   * EC2 instance type. It must be EBS-optimized capable and, for the default image, Nitro-based.
   *
   * @default - m7g.large (Graviton, ARM64)
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * Machine image of the host. It must be Amazon Linux 2023 or compatible (dnf, systemd, cfn-init in
   * /opt/aws/bin, the AWS CLI and python3).
   *
   * @default - the latest Amazon Linux 2023 for the instance type's architecture, read by EC2 from the
   * public SSM parameter when the instance launches (not at deploy: a new AMI release never replaces a
   * running host; patching keeps it current)
   */
  readonly machineImage?: ec2.IMachineImage;

  /**
   * Root volume (gp3). `throughputMiBps` cannot be set here: AWS::EC2::Instance block device
   * mappings have no throughput property, so the root volume has the 125 MiB/s baseline.
   *
   * @default - 20 GiB, 3000 IOPS, 125 MiB/s
   */
  readonly rootVolume?: VolumeOptions;

  /**
   * Data volume (gp3), holding the PostgreSQL data directory.
   *
   * @default - 100 GiB, 3000 IOPS, 125 MiB/s
   */
  readonly dataVolume?: VolumeOptions;

  /**
   * WAL volume (gp3), holding the write-ahead log.
   *
   * @default - 20 GiB, 3000 IOPS, 125 MiB/s
   */
  readonly walVolume?: VolumeOptions;

  /**
   * PostgreSQL major version.
   *
   * @default '16'
   */
  readonly postgresVersion?: string;

  /**
   * Where PostgreSQL and TimescaleDB are installed from; never the open internet.
   *
   * There is deliberately no default: Amazon Linux's repositories carry PostgreSQL but not
   * TimescaleDB, so a host without a working source would fail at its first boot. Choose
   * `PackageSource.s3Bucket()` (RPMs you mirror, e.g. Timescale's), `PackageSource.preinstalled()`
   * (your AMI has both), or `PackageSource.amazonLinuxRepositories()` with package names the
   * host's repositories serve.
   */
  readonly packageSource: PackageSource;

  /**
   * Server configuration files, such as `pg_hba.conf` and `conf.d` fragments. More can be added with
   * `addConfigFile()`.
   *
   * @default - only the base configuration: the server listens on `port`, and the default
   * `pg_hba.conf` admits no network connections
   */
  readonly configFiles?: ConfigFile[];

  /**
   * PostgreSQL port.
   *
   * @default 5432
   */
  readonly port?: number;

  /**
   * How long the host's logs (PostgreSQL, cfn-init, cfn-hup) are kept. Less than a year adds a warning.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * When OS patches are installed (`AWS-RunPatchBaseline`, rebooting if needed): an SSM association
   * schedule, `cron(...)` or `rate(...)`.
   *
   * @default 'cron(0 4 ? * SUN *)' (Sundays at 04:00 UTC)
   * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/reference-cron-and-rate-expressions.html
   */
  readonly patchWindow?: string;

  /**
   * How long CloudFormation waits for the bootstrap (mount, install, configure, start) to signal success.
   *
   * @default Duration.minutes(30)
   */
  readonly bootstrapTimeout?: Duration;

  /**
   * ID of the Amazon S3 managed prefix list of the region (`com.amazonaws.<region>.s3`). The host
   * reaches Amazon Linux's repositories, package buckets and patch baselines through the S3 gateway
   * endpoint, at S3's public addresses; with the prefix list, HTTPS egress is limited to them.
   *
   * @default - HTTPS egress to any IPv4 address besides the VPC. In isolated subnets the only route to
   * such addresses is the S3 gateway endpoint; in subnets with egress a warning is added, since that
   * also allows HTTPS to the internet
   */
  readonly s3PrefixListId?: string;
}

/**
 * One EC2 instance running PostgreSQL with TimescaleDB, bootstrapped by `AWS::CloudFormation::Init`.
 *
 * - Root, data and WAL volumes are gp3 and encrypted with the data key; the data and WAL volumes are
 *   separate resources with a Snapshot deletion policy, so they survive instance replacement and stack
 *   deletion. The log group is kept when the stack is deleted but not when the create that made it
 *   rolls back (RetainExceptOnCreate), and has a generated name, so a retry never collides with it. A volume that already holds a filesystem is never reformatted, and a data volume that
 *   already holds a cluster is used as it is.
 * - IMDSv2 only (hop limit 1), no key pair, no public IP, detailed monitoring, EBS-optimized,
 *   and termination protection once the host has bootstrapped (`terminationProtection`); Session Manager is the only way in.
 * - The instance is tagged `timescale:role` = `database`, which tells database hosts from bastions.
 * - The security group has no ingress (add it through `connections`) and egress on HTTPS only.
 * - The database superuser `postgres` has no password: it logs in over the local socket only, as the
 *   OS user `postgres` (peer), for the host's own bootstrap.
 * - The instance metadata service (the role's credentials) answers root only: an nftables ruleset
 *   rejects every other UID, applied at every boot before the SSM agent starts. At the first boot it
 *   is applied before anything else, in particular before the OS users are created, so no Session
 *   Manager session (which runs as one of them) can start before it is in place.
 * - Server configuration files are owned by root and never writable by `postgres`, and the root-run
 *   bootstrap scripts write only in directories no other user can change.
 * - The host recovers itself on a system status check failure, patches itself on a schedule and ships
 *   its logs to a KMS-encrypted log group. Configuration changes are applied in place by cfn-hup.
 *
 * Termination protection is switched on by a custom resource after the bootstrap's wait condition,
 * not by the instance's own property: set at creation it would be on when a first create fails, and
 * the rollback could not terminate the instance (`ROLLBACK_FAILED`). The custom resource switches it
 * off again before CloudFormation deletes or replaces the instance. Replacing the instance (for
 * example moving it to another subnet) still needs the volume attachments released from the old one.
 */
export class DatabaseHost extends Construct {
  /** Directory of the server configuration: `postgresql.conf`, `pg_hba.conf` and `conf.d/`. */
  public static readonly CONFIG_DIR = boot.CONFIG_DIR;

  /** Directory whose `*.conf` files `postgresql.conf` includes last, so their settings win. */
  public static readonly CONF_D_DIR = boot.CONF_D_DIR;

  /**
   * The nftables ruleset that closes the instance metadata service (169.254.169.254 and
   * fd00:ec2::254) to every process whose UID is not 0. Re-applying it replaces it.
   */
  public static readonly IMDS_GUARD_RULESET = boot.IMDS_GUARD_RULESET;

  /** The instance. */
  public readonly instance: ec2.IInstance;

  /** The instance's security group: no ingress, HTTPS egress only. */
  public readonly securityGroup: ec2.ISecurityGroup;

  /** Network connections of the host; the default port is the PostgreSQL port. */
  public readonly connections: ec2.Connections;

  /** The instance role. */
  public readonly role: iam.IRole;

  /** Log group of the host's PostgreSQL, cfn-init and cfn-hup logs. */
  public readonly logGroup: logs.ILogGroup;

  /** The volume holding the PostgreSQL data directory (gp3, encrypted with the data key, snapshotted on deletion). */
  public readonly dataVolume: ec2.IVolume;

  /** The volume holding the write-ahead log (gp3, encrypted with the data key, snapshotted on deletion). */
  public readonly walVolume: ec2.IVolume;

  /** The PostgreSQL port. */
  public readonly port: number;

  /**
   * Switches the instance's termination protection on once the host has bootstrapped, and off again
   * when it is deleted (on a rollback, a stack deletion, or the instance's replacement), so that
   * protection never blocks CloudFormation itself. Until the first create has bootstrapped the host,
   * the instance is unprotected.
   */
  public readonly terminationProtection: cr.AwsCustomResource;

  /** The instance as built: its L1 and user data carry the bootstrap. */
  private readonly ec2Instance: ec2.Instance;
  private readonly configFiles = new Map<string, ConfigFile>();
  private readonly secretFiles = new Map<string, SecretFile>();
  private readonly sqlScripts = new Map<string, SqlScript>();
  private readonly osUsers = new Set<string>();
  private readonly commands = new Map<string, HostCommand>();
  private readonly logFiles = new Map<string, HostLogFile>();

  constructor(scope: Construct, id: string, props: DatabaseHostProps) {
    super(scope, id);

    assertCustomerManagedKey(props.dataKey, 'DatabaseHostProps.dataKey');
    assertCustomerManagedKey(props.logsKey, 'DatabaseHostProps.logsKey');
    if (!props.packageSource) {
      throw new Error('DatabaseHostProps.packageSource is required; got none. Amazon Linux\'s repositories carry PostgreSQL but not ' +
        'TimescaleDB, so choose where both come from: PackageSource.s3Bucket(bucket, prefix) for RPMs you mirror, ' +
        'PackageSource.preinstalled() when your AMI has them, or PackageSource.amazonLinuxRepositories(packages).');
    }
    validateServiceName(props.serviceName);
    this.port = props.port ?? 5432;
    assertInRange('DatabaseHostProps.port', this.port, 1, 65535);
    const postgresVersion = props.postgresVersion ?? '16';
    if (!/^[1-9][0-9]$/.test(postgresVersion)) {
      throw new Error(`DatabaseHostProps.postgresVersion must be a PostgreSQL major version such as '16'; got '${postgresVersion}'.`);
    }
    const patchWindow = props.patchWindow ?? 'cron(0 4 ? * SUN *)';
    if (!Token.isUnresolved(patchWindow) && !/^(cron|rate)\(.+\)$/.test(patchWindow.trim())) {
      throw new Error(`DatabaseHostProps.patchWindow must be an SSM schedule expression, cron(...) or rate(...); got '${patchWindow}'. ` +
        "For example 'cron(0 4 ? * SUN *)' for Sundays at 04:00 UTC.");
    }
    const bootstrapTimeout = props.bootstrapTimeout ?? Duration.minutes(30);
    if (!bootstrapTimeout.isUnresolved() && (bootstrapTimeout.toSeconds() < 60 || bootstrapTimeout.toSeconds() > 12 * 3600)) {
      throw new Error(`DatabaseHostProps.bootstrapTimeout must be from 1 minute to 12 hours (CloudFormation's limit); got ${bootstrapTimeout.toHumanString()}.`);
    }
    const rootVolume = resolveVolumeOptions('DatabaseHostProps.rootVolume', props.rootVolume, 20);
    if (rootVolume.throughputMiBps !== undefined) {
      throw new Error(`DatabaseHostProps.rootVolume.throughputMiBps cannot be set; got ${rootVolume.throughputMiBps}. ` +
        'AWS::EC2::Instance block device mappings have no throughput property, so the root volume keeps the gp3 baseline ' +
        'of 125 MiB/s. Remove it; the data and WAL volumes, which hold the database, accept throughputMiBps.');
    }
    const dataVolume = resolveVolumeOptions('DatabaseHostProps.dataVolume', props.dataVolume, 100);
    const walVolume = resolveVolumeOptions('DatabaseHostProps.walVolume', props.walVolume, 20);
    const { subnet, hasEgress } = selectPrivateSubnet(props.vpc, props.vpcSubnets);

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: 'TimescaleDB host: Session Manager, its own secrets and its own log group',
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore')],
    });
    this.role = role;

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'TimescaleDB host: no ingress by default, HTTPS egress to AWS endpoints',
      allowAllOutbound: false,
    });
    securityGroup.addEgressRule(ec2.Peer.ipv4(props.vpc.vpcCidrBlock), ec2.Port.tcp(443), 'HTTPS to the VPC interface endpoints');
    if (props.s3PrefixListId) {
      securityGroup.addEgressRule(ec2.Peer.prefixList(props.s3PrefixListId), ec2.Port.tcp(443), 'HTTPS to Amazon S3 through the gateway endpoint');
    } else {
      // The S3 gateway endpoint is reached at S3's public addresses; without the prefix list ID
      // (region-specific, only known through a lookup) they cannot be named.
      securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to Amazon S3 through the gateway endpoint');
      if (hasEgress) {
        Annotations.of(this).addWarningV2('cdk-timescale-security:HostHttpsEgress',
          'The database host runs in a subnet with an internet route, and without DatabaseHostProps.s3PrefixListId its security ' +
          'group allows HTTPS to any address. Pass the region\'s S3 prefix list ID, or use isolated subnets.');
      }
    }
    this.securityGroup = securityGroup;
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(this.port) });

    const instanceType = props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.M7G, ec2.InstanceSize.LARGE);
    const architecture = instanceType.architecture === ec2.InstanceArchitecture.ARM_64 ? 'arm64' : 'x86_64';
    const machineImage = props.machineImage ?? ec2.MachineImage.resolveSsmParameterAtLaunch(
      `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`, { os: ec2.OperatingSystemType.LINUX });

    const instance = new ec2.Instance(this, 'Instance', {
      vpc: props.vpc,
      vpcSubnets: { subnets: [subnet] },
      instanceType,
      machineImage,
      role,
      securityGroup,
      blockDevices: [{
        deviceName: '/dev/xvda',
        volume: ec2.BlockDeviceVolume.ebs(rootVolume.sizeGiB, {
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          encrypted: true,
          kmsKey: props.dataKey,
          deleteOnTermination: true,
          iops: rootVolume.iops,
        }),
      }],
      propagateTagsToVolumeOnCreation: true,
      httpEndpoint: true,
      httpTokens: ec2.HttpTokens.REQUIRED,
      httpPutResponseHopLimit: 1,
      associatePublicIpAddress: false,
      // No disableApiTermination: TerminationProtection switches it on once the host has bootstrapped. Set
      // here, it would be on when a first create fails and block the rollback; rendered as false, an
      // update of the instance could switch it off again.
      detailedMonitoring: true,
      ebsOptimized: true,
      // Configuration changes are applied in place by cfn-hup; replacing the host is never implicit.
      userDataCausesReplacement: false,
    });
    this.instance = this.ec2Instance = instance;

    this.dataVolume = this.createVolume('DataVolume', dataVolume, subnet.availabilityZone, props.dataKey);
    this.walVolume = this.createVolume('WalVolume', walVolume, subnet.availabilityZone, props.dataKey);
    const attachments = [
      new ec2.CfnVolumeAttachment(this, 'DataVolumeAttachment', { instanceId: this.instance.instanceId, volumeId: this.dataVolume.volumeId, device: DATA_DEVICE }),
      new ec2.CfnVolumeAttachment(this, 'WalVolumeAttachment', { instanceId: this.instance.instanceId, volumeId: this.walVolume.volumeId, device: WAL_DEVICE }),
    ];

    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    if (logRetention !== logs.RetentionDays.INFINITE && logRetention < logs.RetentionDays.ONE_YEAR) {
      Annotations.of(this).addWarningV2('cdk-timescale-security:ShortHostLogRetention',
        `The database host's logs are kept ${logRetention} days, less than the one-year default.`);
    }
    const logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.logsKey,
      retention: logRetention,
      // Kept when the stack is deleted; deleted if the create that made it rolls back.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    logGroup.grantWrite(role);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:DescribeLogStreams'], resources: [logGroup.logGroupArn] }));
    // The CloudWatch agent publishes the volumes' free space (metricDataVolumeFreeStorage, metricWalVolumeFreeStorage).
    role.addToPrincipalPolicy(putHostMetricsStatement());
    this.logGroup = logGroup;

    // The cfn-signal goes to a wait condition created after the volume attachments: the attachments
    // need the instance's ID, so a creation policy on the instance itself would wait for them forever.
    const bootstrapped = new cfn.CfnWaitCondition(this, 'Bootstrapped', {});
    bootstrapped.cfnOptions.creationPolicy = { resourceSignal: { count: 1, timeout: `PT${bootstrapTimeout.toSeconds()}S` } };
    attachments.forEach((attachment) => bootstrapped.node.addDependency(attachment));
    registerBootstrap(this.instance, bootstrapped);
    this.terminationProtection = protectInstanceAfterCreate(this, 'TerminationProtection', this.instance, [bootstrapped], props.logsKey).resource;

    this.buildInit(postgresVersion, props.packageSource, logGroup)
      .attach(instance.instance, {
        platform: ec2.OperatingSystemType.LINUX,
        instanceRole: role,
        userData: instance.userData,
        configSets: [DEFAULT_CONFIG_SET],
        signalResource: bootstrapped,
        // The metadata may change while the user data stays the same: cfn-hup applies the change.
        embedFingerprint: false,
        printLog: false,
      });

    const recoveryAlarm = new cloudwatch.Alarm(this, 'RecoveryAlarm', {
      alarmDescription: 'Recovers the TimescaleDB host onto healthy hardware when the system status check fails',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/EC2',
        metricName: 'StatusCheckFailed_System',
        dimensionsMap: { InstanceId: this.instance.instanceId },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
      }),
      evaluationPeriods: 2,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });
    recoveryAlarm.addAlarmAction(new cwActions.Ec2Action(cwActions.Ec2InstanceAction.RECOVER));

    new ssm.CfnAssociation(this, 'PatchAssociation', {
      name: 'AWS-RunPatchBaseline',
      targets: [{ key: 'InstanceIds', values: [this.instance.instanceId] }],
      scheduleExpression: patchWindow,
      // Never patch (and reboot) in the middle of the bootstrap; wait for the schedule.
      applyOnlyAtCronInterval: !Token.isUnresolved(patchWindow) && patchWindow.trim().startsWith('cron('),
      parameters: { Operation: ['Install'], RebootOption: ['RebootIfNeeded'] },
      complianceSeverity: 'HIGH',
    });

    Tags.of(this).add('timescale:service', props.serviceName);
    Tags.of(this.instance).add('timescale:role', 'database');

    for (const file of props.configFiles ?? []) {
      this.addConfigFile(file);
    }
  }

  /**
   * Adds a server configuration file, delivered as an `AWS::CloudFormation::Init` file. Files at
   * `CONFIG_DIR/pg_hba.conf` and `CONFIG_DIR/pg_ident.conf` replace the defaults; `postgresql.conf`
   * is the host's own: put settings in `CONF_D_DIR`. Call before synthesis.
   */
  public addConfigFile(file: ConfigFile): void {
    const what = `DatabaseHost.addConfigFile('${file.path}')`;
    validatePath(what, file.path);
    this.assertPathFree(what, file.path);
    const resolved = {
      path: file.path,
      content: file.content,
      mode: normalizeMode(what, file.mode ?? '000640'),
      owner: validateAccount(what, 'owner', file.owner ?? 'root'),
      group: validateAccount(what, 'group', file.group ?? 'postgres'),
    };
    assertServerReadOnly(what, resolved);
    this.configFiles.set(file.path, resolved);
  }

  /**
   * Adds a file whose content the host reads from Secrets Manager at boot (and again when cfn-hup
   * applies a change). The role is granted read on the secret. Call before synthesis.
   */
  public addSecretFile(file: SecretFile): void {
    const what = `DatabaseHost.addSecretFile('${file.path}')`;
    validatePath(what, file.path);
    this.assertPathFree(what, file.path);
    if (file.jsonField !== undefined && !/^[A-Za-z0-9_.-]+$/.test(file.jsonField)) {
      throw new Error(`${what}: jsonField may contain letters, digits and . _ - only; got '${file.jsonField}'.`);
    }
    if (file.iniEntry !== undefined && !(/^[A-Za-z0-9_.-]+$/.test(file.iniEntry.section) && /^[A-Za-z0-9_.-]+$/.test(file.iniEntry.key))) {
      throw new Error(`${what}: iniEntry's section and key may contain letters, digits and . _ - only; got section '${file.iniEntry.section}' ` +
        `and key '${file.iniEntry.key}'. For example { section: 'global', key: 'repo1-cipher-pass' }.`);
    }
    const writable = SERVER_WRITABLE_DIRS.find((dir) => file.path.startsWith(`${dir}/`));
    if (writable) {
      throw new Error(`${what}: ${writable} can be written by users other than root, and the host writes secret files as root ` +
        'only into directories that root alone can change. Choose a path under DatabaseHost.CONFIG_DIR ' +
        `(for example '${boot.CONFIG_DIR}/tls/server.key') or another root-owned directory.`);
    }
    const resolved = {
      path: file.path,
      secret: file.secret,
      jsonField: file.jsonField,
      iniEntry: file.iniEntry,
      mode: normalizeMode(what, file.mode ?? '000640'),
      owner: validateAccount(what, 'owner', file.owner ?? 'root'),
      group: validateAccount(what, 'group', file.group ?? 'postgres'),
    };
    assertServerReadOnly(what, resolved);
    this.secretFiles.set(file.path, resolved);
    file.secret.grantRead(this.role);
  }

  /**
   * Adds SQL that the host runs as the PostgreSQL superuser at boot and after every configuration
   * change (for example the customer-approved operator role), and on `schedule` if given. Call
   * before synthesis.
   */
  public addSqlScript(script: SqlScript): void {
    const what = `DatabaseHost.addSqlScript('${script.name}')`;
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(script.name)) {
      throw new Error(`${what}: name must be 1-63 lower-case letters, digits and -, starting with a letter or digit; got '${script.name}'.`);
    }
    if (this.sqlScripts.has(script.name)) {
      throw new Error(`${what}: a script named '${script.name}' was already added. Each name can be used once; merge the SQL.`);
    }
    if (script.schedule !== undefined) {
      validateSchedule(what, script);
    }
    for (const variable of script.secretVariables ?? []) {
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(variable.name)) {
        throw new Error(`${what}: secret variable names must be letters, digits and _, starting with a letter or _; got '${variable.name}'.`);
      }
      if (variable.jsonField !== undefined && !/^[A-Za-z0-9_.-]+$/.test(variable.jsonField)) {
        throw new Error(`${what}: jsonField may contain letters, digits and . _ - only; got '${variable.jsonField}'.`);
      }
      variable.secret.grantRead(this.role);
    }
    this.sqlScripts.set(script.name, script);
  }

  /**
   * Adds an operating system user with a home directory and no password (for example the user
   * Session Manager sessions run as). It is created at boot and on reconfiguration if missing.
   */
  public addOsUser(name: string): void {
    if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name) || name === 'root' || name === 'postgres') {
      throw new Error('DatabaseHost.addOsUser: name must be an OS user name (lower-case letters, digits, _ and -, at most 32) ' +
        `other than root and postgres; got '${name}'.`);
    }
    this.osUsers.add(name);
  }

  /**
   * Adds a shell command the host runs as root, before the server first starts or after it starts
   * (see `HostCommandPhase`). Call before synthesis.
   */
  public addCommand(command: HostCommand): void {
    const what = `DatabaseHost.addCommand('${command.name}')`;
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(command.name)) {
      throw new Error(`${what}: name must be 1-63 lower-case letters, digits and -, starting with a letter or digit; got '${command.name}'.`);
    }
    if (this.commands.has(command.name)) {
      throw new Error(`${what}: a command named '${command.name}' was already added. Each name can be used once.`);
    }
    if (!Object.values(HostCommandPhase).includes(command.phase)) {
      throw new Error(`${what}: phase must be a HostCommandPhase; got '${command.phase}'.`);
    }
    this.commands.set(command.name, command);
  }

  /** Ships a log file to the host's log group, in a stream named `<instance id>/<streamName>`. Call before synthesis. */
  public addLogFile(file: HostLogFile): void {
    const what = `DatabaseHost.addLogFile('${file.path}')`;
    if (!/^\/[A-Za-z0-9._@+*/-]+$/.test(file.path)) {
      throw new Error(`${what}: path must be absolute, of letters, digits and . _ @ + * - /; got '${file.path}'.`);
    }
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(file.streamName) || this.logFiles.has(file.streamName)) {
      throw new Error(`${what}: streamName must be 1-63 lower-case letters, digits and -, unused by another file; got '${file.streamName}'.`);
    }
    this.logFiles.set(file.streamName, file);
  }

  private assertPathFree(what: string, path: string): void {
    if (RESERVED_PATHS.includes(path) || RESERVED_PREFIXES.some((prefix) => path.startsWith(prefix))) {
      throw new Error(`${what}: ${path} is written by DatabaseHost itself. ` +
        `Put PostgreSQL settings in a file under ${boot.CONF_D_DIR}, which postgresql.conf includes last.`);
    }
    if (this.configFiles.has(path) || this.secretFiles.has(path)) {
      throw new Error(`${what}: a file at ${path} was already added. Each path can be delivered once; merge the contents.`);
    }
  }

  /**
   * The instance's CPU utilization (percent, average over 5 minutes), as EC2 publishes it.
   */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return instanceMetric(this.instance.instanceId, 'CPUUtilization', cloudwatch.Stats.AVERAGE, props);
  }

  /**
   * Whether the instance failed its status checks, system or instance (0 or 1, maximum over 5 minutes), as
   * EC2 publishes it. A failed system check also recovers the host onto healthy hardware (its recovery alarm).
   */
  public metricStatusCheckFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return instanceMetric(this.instance.instanceId, 'StatusCheckFailed', cloudwatch.Stats.MAXIMUM, props);
  }

  /**
   * Free space on the data volume (bytes, minimum over 5 minutes), published by the host's CloudWatch agent
   * every minute.
   */
  public metricDataVolumeFreeStorage(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return volumeFreeStorageMetric(this.instance.instanceId, boot.DATA_MOUNT, props);
  }

  /**
   * Free space on the WAL volume (bytes, minimum over 5 minutes), published by the host's CloudWatch agent
   * every minute. A full WAL volume stops every write.
   */
  public metricWalVolumeFreeStorage(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return volumeFreeStorageMetric(this.instance.instanceId, boot.WAL_MOUNT, props);
  }

  private createVolume(id: string, options: ResolvedVolumeOptions, availabilityZone: string, key: kms.IKey): ec2.IVolume {
    const volume = new ec2.CfnVolume(this, id, {
      availabilityZone,
      volumeType: 'gp3',
      size: options.sizeGiB,
      iops: options.iops,
      throughput: options.throughputMiBps,
      encrypted: true,
      kmsKeyId: key.keyArn,
    });
    volume.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
    // The L1 keeps the template as it was; users get the L2 interface (grants, the key).
    return ec2.Volume.fromVolumeAttributes(this, `${id}Reference`, { volumeId: volume.ref, availabilityZone, encryptionKey: key });
  }

  private buildInit(postgresVersion: string, packageSource: PackageSource, logGroup: logs.ILogGroup): ec2.CloudFormationInit {
    const root = { owner: 'root', group: 'root' };
    const script = (path: string, content: string) => ec2.InitFile.fromString(path, content, { mode: '000700', ...root });
    const region = { AWS_REGION: Aws.REGION, AWS_DEFAULT_REGION: Aws.REGION };
    const logicalId = this.ec2Instance.instance.logicalId;

    const volumes = new ec2.InitConfig([
      script(boot.PREPARE_VOLUME, boot.PREPARE_VOLUME_SCRIPT),
      ec2.InitCommand.shellCommand(`${boot.PREPARE_VOLUME} ${this.dataVolume.volumeId} ${DATA_DEVICE} ${boot.DATA_MOUNT}`, { key: '10-data-volume' }),
      ec2.InitCommand.shellCommand(`${boot.PREPARE_VOLUME} ${this.walVolume.volumeId} ${WAL_DEVICE} ${boot.WAL_MOUNT}`, { key: '20-wal-volume' }),
    ]);

    const packages = new ec2.InitConfig([
      ...packageSource._bind(this.role, postgresVersion),
      ec2.InitCommand.shellCommand('dnf install -y amazon-cloudwatch-agent', {
        key: '90-cloudwatch-agent',
        testCmd: '! rpm -q amazon-cloudwatch-agent >/dev/null',
      }),
    ]);

    // First in the default set: the Session Manager run-as user is created by osUsers, so no
    // operator session can start before the metadata service is closed to non-root users.
    const imdsGuard = new ec2.InitConfig([
      ec2.InitFile.fromString(boot.IMDS_GUARD_RULESET_FILE, boot.IMDS_GUARD_RULESET, { mode: '000600', ...root }),
      ec2.InitFile.fromString(`/etc/systemd/system/${boot.IMDS_GUARD_NAME}.service`, boot.IMDS_GUARD_UNIT, { mode: '000644', ...root }),
      ec2.InitCommand.shellCommand('dnf install -y nftables', { key: '10-install-nftables', testCmd: '! command -v nft >/dev/null' }),
      // Applied directly, not through systemd: the unit is ordered before network-pre.target.
      ec2.InitCommand.shellCommand(`nft -f ${boot.IMDS_GUARD_RULESET_FILE} && systemctl daemon-reload && systemctl enable ${boot.IMDS_GUARD_NAME}.service`,
        { key: '20-apply-imds-guard' }),
    ]);

    // Delivered in both config sets, so hosts running older scripts get these on reconfiguration.
    const hostScripts = new ec2.InitConfig([
      script(boot.FETCH_SECRET, boot.FETCH_SECRET_SCRIPT),
      script(boot.RUN_SQL, boot.runSqlScript(this.port)),
      script(boot.RECLAIM_DIRS, boot.RECLAIM_DIRS_SCRIPT),
      ec2.InitCommand.shellCommand(Lazy.uncachedString({ produce: () => [boot.RECLAIM_DIRS, ...this.secretDirectories()].join(' ') }),
        { key: '10-reclaim-directories' }),
    ]);

    const secretFiles = new ec2.InitConfig([new LazyInitElements('COMMAND', () =>
      [...this.secretFiles.values()].map((file, index) => ec2.InitCommand.shellCommand(
        fetchSecretCommand(file.secret, file.jsonField ?? '-', file.path, file.mode!, file.owner!, file.group!, file.iniEntry),
        { key: `${String(index).padStart(3, '0')}-secret-file`, env: region },
      )))]);

    const serverConfig = new ec2.InitConfig([new LazyInitElements('FILE', () => this.renderServerConfig())]);

    const cluster = new ec2.InitConfig([
      script(boot.INIT_CLUSTER, boot.initClusterScript(postgresVersion)),
      ec2.InitFile.fromString(`/etc/systemd/system/${boot.SERVICE_NAME}.service`, boot.SYSTEMD_UNIT, { mode: '000644', ...root }),
      ec2.InitCommand.shellCommand(boot.INIT_CLUSTER, { key: '10-init-cluster' }),
      ec2.InitCommand.shellCommand(`systemctl daemon-reload && systemctl enable --now ${boot.SERVICE_NAME}`, { key: '20-start' }),
      // A server restored from a backup is ready (for systemd) before it has replayed the archived WAL.
      ec2.InitCommand.shellCommand(boot.waitForPrimaryCommand(this.port), { key: '25-wait-for-primary' }),
      ec2.InitCommand.shellCommand(
        `bindir="$(dirname "$(readlink -f ${boot.POSTGRES_LINK})")" && for db in template1 postgres; do ` +
        `runuser -u postgres -- "$bindir/psql" -X -q -p ${this.port} -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS timescaledb'; done`,
        { key: '30-timescaledb-extension' },
      ),
    ]);

    const logging = new ec2.InitConfig([
      ec2.InitFile.fromObject(boot.CLOUDWATCH_AGENT_CONFIG,
        cloudWatchAgentConfig(logGroup.logGroupName, () => [...this.logFiles.values()]), { mode: '000644', ...root }),
      ec2.InitCommand.shellCommand(`${boot.CLOUDWATCH_AGENT_CTL} -a fetch-config -m ec2 -s -c file:${boot.CLOUDWATCH_AGENT_CONFIG}`,
        { key: '10-start-cloudwatch-agent' }),
    ]);

    const cfnHup = new ec2.InitConfig([
      ec2.InitFile.fromString('/etc/cfn/cfn-hup.conf',
        `[main]\nstack=${Aws.STACK_ID}\nregion=${Aws.REGION}\ninterval=5\n`, { mode: '000400', ...root }),
      ec2.InitFile.fromString('/etc/cfn/hooks.d/timescale-reconfigure.conf', [
        '[timescale-reconfigure]',
        'triggers=post.update',
        `path=Resources.${logicalId}.Metadata.AWS::CloudFormation::Init`,
        `action=/opt/aws/bin/cfn-init -v --region ${Aws.REGION} --stack ${Aws.STACK_NAME} --resource ${logicalId} -c ${RECONFIGURE_CONFIG_SET}`,
        'runas=root',
        '',
      ].join('\n'), { mode: '000400', ...root }),
      ec2.InitFile.fromString('/etc/systemd/system/cfn-hup.service', boot.CFN_HUP_UNIT, { mode: '000644', ...root }),
      // Secrets change without the template changing (a renewed TLS certificate): re-apply daily.
      ec2.InitFile.fromString(`/etc/systemd/system/${boot.REFRESH_NAME}.service`,
        boot.refreshUnit(`/opt/aws/bin/cfn-init -v --region ${Aws.REGION} --stack ${Aws.STACK_NAME} --resource ${logicalId} -c ${RECONFIGURE_CONFIG_SET}`),
        { mode: '000644', ...root }),
      ec2.InitFile.fromString(`/etc/systemd/system/${boot.REFRESH_NAME}.timer`, boot.REFRESH_TIMER, { mode: '000644', ...root }),
      ec2.InitCommand.shellCommand('systemctl daemon-reload && systemctl enable --now cfn-hup', { key: '10-start-cfn-hup' }),
      ec2.InitCommand.shellCommand(`systemctl enable --now ${boot.REFRESH_NAME}.timer`, { key: '20-start-refresh-timer' }),
    ]);

    // pg_hba.conf, TLS and audit settings are reloaded without a restart (SIGHUP).
    const reload = new ec2.InitConfig([
      ec2.InitCommand.shellCommand(`systemctl reload ${boot.SERVICE_NAME}`, {
        key: '10-reload', testCmd: `systemctl is-active --quiet ${boot.SERVICE_NAME}`,
      }),
    ]);

    // Clusters created by earlier versions gave the superuser a password kept in Secrets Manager.
    const superuserPassword = new ec2.InitConfig([
      ec2.InitCommand.shellCommand(
        `bindir="$(dirname "$(readlink -f ${boot.POSTGRES_LINK})")" && ` +
        `runuser -u postgres -- "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -p ${this.port} -d postgres -c 'ALTER ROLE postgres PASSWORD NULL'`,
        { key: '10-no-superuser-password', testCmd: `systemctl is-active --quiet ${boot.SERVICE_NAME}` },
      ),
    ]);

    const osUsers = new ec2.InitConfig([new LazyInitElements('COMMAND', () => [...this.osUsers].map((name) =>
      ec2.InitCommand.shellCommand(`useradd --create-home --shell /bin/bash ${name}`, { key: `10-user-${name}`, testCmd: `! id -u ${name} >/dev/null 2>&1` })))]);

    // Files first (cfn-init writes a config's files before its commands), then one run per script,
    // then the timers of scheduled scripts; timers of scripts no longer scheduled are removed.
    const sqlScripts = new ec2.InitConfig([
      new LazyInitElements('FILE', () => [...this.sqlScripts.values()].flatMap((sql) => {
        const sqlFile = `${boot.SQL_DIR}/${sql.name}.sql`;
        const files = [ec2.InitFile.fromString(sqlFile, sql.sql, { mode: '000640', owner: 'root', group: 'postgres' })];
        if (sql.schedule) {
          const unit = `/etc/systemd/system/${boot.SQL_UNIT_PREFIX}${sql.name}`;
          files.push(
            ec2.InitFile.fromString(`${unit}.service`, boot.sqlServiceUnit(sql.name, sqlFile), { mode: '000644', ...root }),
            ec2.InitFile.fromString(`${unit}.timer`, boot.sqlTimerUnit(sql.name, sql.schedule.toSeconds()), { mode: '000644', ...root }),
          );
        }
        return files;
      })),
      new LazyInitElements('COMMAND', () => {
        const scripts = [...this.sqlScripts.values()];
        const runs = scripts.map((sql, index) => {
          const variables = (sql.secretVariables ?? []).map((variable) => ({ ...variable, file: `${boot.SQL_SECRETS_DIR}/${sql.name}.${variable.name}` }));
          const fetches = variables.map((variable) =>
            fetchSecretCommand(variable.secret, variable.jsonField ?? '-', variable.file, '000440', 'root', 'postgres'));
          const run = [boot.RUN_SQL, `${boot.SQL_DIR}/${sql.name}.sql`, ...variables.map((variable) => `${variable.name}=${variable.file}`)].join(' ');
          return ec2.InitCommand.shellCommand([...fetches, run].join(' && '), { key: `${String(index).padStart(3, '0')}-${sql.name}`, env: region });
        });
        const timers = scripts.filter((sql) => sql.schedule).map((sql) => `${boot.SQL_UNIT_PREFIX}${sql.name}.timer`);
        return [...runs, ec2.InitCommand.shellCommand(boot.sqlTimersCommand(timers), { key: '999-sql-timers' })];
      }),
    ]);

    const phaseCommands = (phase: HostCommandPhase) => new ec2.InitConfig([new LazyInitElements('COMMAND', () =>
      [...this.commands.values()].filter((command) => command.phase === phase).map((command, index) =>
        ec2.InitCommand.shellCommand(command.command, { key: `${String(index).padStart(3, '0')}-${command.name}`, env: region })))]);
    const beforeFirstStart = phaseCommands(HostCommandPhase.BEFORE_FIRST_START);
    const afterStart = phaseCommands(HostCommandPhase.AFTER_START);

    const bootConfigs = {
      imdsGuard, volumes, packages, osUsers, hostScripts, secretFiles, serverConfig, beforeFirstStart, cluster, superuserPassword,
    };
    return ec2.CloudFormationInit.fromConfigSets({
      configSets: {
        [DEFAULT_CONFIG_SET]: ['imdsGuard', 'volumes', 'packages', 'osUsers', 'hostScripts', 'secretFiles', 'serverConfig', 'beforeFirstStart',
          'cluster', 'superuserPassword', 'sqlScripts', 'afterStart', 'logging', 'cfnHup'],
        [RECONFIGURE_CONFIG_SET]: ['imdsGuard', 'osUsers', 'hostScripts', 'secretFiles', 'serverConfig', 'reload', 'superuserPassword', 'sqlScripts',
          'afterStart'],
      },
      configs: { ...bootConfigs, sqlScripts, afterStart, logging, cfnHup, reload },
    });
  }

  /**
   * Directories the root-run scripts write secrets into, parents first. Earlier versions of this
   * construct created some of them for the `postgres` user; those are replaced by root-owned ones.
   */
  private secretDirectories(): string[] {
    const dirs = new Set<string>([boot.SQL_SECRETS_DIR.split('/').slice(0, -1).join('/'), boot.SQL_SECRETS_DIR]);
    for (const file of this.secretFiles.values()) {
      dirs.add(file.path.split('/').slice(0, -1).join('/'));
    }
    // Only the host's own directories: a directory elsewhere is the user's, and is never removed.
    const own = (dir: string) => dir.startsWith(`${boot.CONFIG_DIR}/`) || dir.startsWith('/run/timescale');
    return [...dirs].filter(own).sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
  }

  /** Base files, user files replacing the default pg_hba.conf and pg_ident.conf, then the other user files. */
  private renderServerConfig(): ec2.InitElement[] {
    const postgresOnly = { owner: 'root', group: 'postgres', mode: '000640' };
    const defaults: ConfigFile[] = [
      { path: boot.POSTGRESQL_CONF, content: boot.basePostgresqlConf(this.port), ...postgresOnly },
      { path: boot.PG_HBA_CONF, content: boot.DEFAULT_PG_HBA, ...postgresOnly },
      { path: boot.PG_IDENT_CONF, content: boot.DEFAULT_PG_IDENT, ...postgresOnly },
    ];
    const files = [...defaults.filter((file) => !this.configFiles.has(file.path)), ...this.configFiles.values()];
    return files.map((file) => ec2.InitFile.fromString(file.path, file.content, { mode: file.mode, owner: file.owner, group: file.group }));
  }
}

const DEFAULT_CONFIG_SET = 'default';
const RECONFIGURE_CONFIG_SET = 'reconfigure';
const DATA_DEVICE = '/dev/sdf';
const WAL_DEVICE = '/dev/sdg';
const RESERVED_PATHS = [
  boot.POSTGRESQL_CONF, boot.PREPARE_VOLUME, boot.FETCH_SECRET, boot.INIT_CLUSTER, boot.INSTALL_S3_RPMS, boot.RECLAIM_DIRS,
  boot.CLOUDWATCH_AGENT_CONFIG, boot.RUN_SQL, `/etc/systemd/system/${boot.SERVICE_NAME}.service`, boot.IMDS_GUARD_RULESET_FILE,
  '/etc/systemd/system/cfn-hup.service', '/etc/cfn/cfn-hup.conf', '/etc/cfn/hooks.d/timescale-reconfigure.conf',
];
/** The host's own units (refresh, metadata guard, SQL timers), SQL files and SQL secret files. */
const RESERVED_PREFIXES = ['/etc/systemd/system/timescale', `${boot.SQL_DIR}/`, `${boot.SQL_SECRETS_DIR}/`];
/** Directories the `postgres` user (or anyone) can write: never a place for a root-written secret. */
const SERVER_WRITABLE_DIRS = ['/tmp', '/var/tmp', '/dev/shm', '/var/lib/timescale', boot.LOG_DIR];
const MIN_SCHEDULE_SECONDS = 10;
const MAX_SCHEDULE_SECONDS = 3600;

function fetchSecretCommand(secret: secretsmanager.ISecret, field: string, path: string, mode: string, owner: string, group: string,
  ini?: IniEntry): string {
  return `${boot.FETCH_SECRET} '${secret.secretArn}' '${field}' '${path}' ${mode} ${owner} ${group}${ini ? ` ${ini.section} ${ini.key}` : ''}`;
}

function cloudWatchAgentConfig(logGroupName: string, extra: () => HostLogFile[]): { [key: string]: unknown } {
  const stream = (file: string, name: string) => ({
    file_path: file,
    log_group_name: logGroupName,
    log_stream_name: `{instance_id}/${name}`,
    timezone: 'UTC',
  });
  return {
    agent: { run_as_user: 'root', omit_hostname: true },
    metrics: agentMetricsSection(),
    logs: {
      logs_collected: {
        files: {
          // Lazy, so log files added after construction are shipped too.
          collect_list: Lazy.any({
            produce: () => [
              stream(`${boot.LOG_DIR}/postgresql-*.log`, 'postgresql'),
              stream('/var/log/cfn-init.log', 'cfn-init'),
              stream('/var/log/cfn-init-cmd.log', 'cfn-init-cmd'),
              stream('/var/log/cfn-hup.log', 'cfn-hup'),
              stream('/var/log/cloud-init-output.log', 'cloud-init-output'),
              ...extra().map((file) => stream(file.path, file.streamName)),
            ],
          }),
        },
      },
    },
  };
}

function selectPrivateSubnet(vpc: ec2.IVpc, selection: ec2.SubnetSelection | undefined): { subnet: ec2.ISubnet; hasEgress: boolean } {
  const accepted = 'Accepted: PRIVATE_ISOLATED subnets (preferred) or PRIVATE_WITH_EGRESS subnets. ' +
    'Pass vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }.';
  if (selection?.subnetType === ec2.SubnetType.PUBLIC) {
    throw new Error(`DatabaseHostProps.vpcSubnets selects subnet type PUBLIC; a database host must have no route from the internet. ${accepted}`);
  }
  if (!selection && vpc.isolatedSubnets.length === 0 && vpc.privateSubnets.length === 0) {
    throw new Error('DatabaseHostProps.vpc has no PRIVATE_ISOLATED or PRIVATE_WITH_EGRESS subnets, and a database host must not run in a ' +
      'public subnet. Add isolated subnets to the VPC (ServiceNetwork creates them), or pass vpcSubnets.');
  }
  const subnets = vpc.selectSubnets(selection ?? {
    subnetType: vpc.isolatedSubnets.length > 0 ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS,
  }).subnets;
  const publicIds = new Set(vpc.publicSubnets.map((s) => s.subnetId));
  const publicSelected = subnets.filter((s) => publicIds.has(s.subnetId));
  if (publicSelected.length > 0) {
    const names = publicSelected.map((s) => s.node.path).join(', ');
    throw new Error(`DatabaseHostProps.vpcSubnets resolves to subnets of type PUBLIC (${names}); a database host must have no route ` +
      `from the internet. ${accepted}`);
  }
  if (subnets.length === 0) {
    throw new Error(`DatabaseHostProps.vpcSubnets selects no subnets. ${accepted}`);
  }
  const subnet = subnets[0];
  return { subnet, hasEgress: vpc.privateSubnets.some((s) => s.subnetId === subnet.subnetId) };
}

function validateServiceName(name: string): void {
  if (Token.isUnresolved(name)) {
    return;
  }
  if (name.length === 0 || name.length > 256 || !/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u.test(name)) {
    throw new Error(`DatabaseHostProps.serviceName must be 1-256 characters valid in a tag value (letters, digits, spaces and _.:/=+-@); got '${name}'.`);
  }
}

function validatePath(what: string, path: string): void {
  if (!/^\/[A-Za-z0-9._@+-]+(\/[A-Za-z0-9._@+-]+)*$/.test(path) || path.split('/').some((part) => part === '..' || part === '.')) {
    throw new Error(`${what}: path must be absolute and contain only letters, digits and . _ @ + - between slashes; got '${path}'. ` +
      `For example '${boot.CONF_D_DIR}/50-tls.conf'.`);
  }
}

function normalizeMode(what: string, mode: string): string {
  if (!/^[0-7]{3,6}$/.test(mode) || parseInt(mode, 8) > 0o7777) {
    throw new Error(`${what}: mode must be octal digits such as '000640'; got '${mode}'.`);
  }
  return mode.padStart(6, '0');
}

/** Under CONFIG_DIR: owned by root, never writable or executable by the server, readable by it. */
function assertServerReadOnly(what: string, file: { path: string; mode?: string; owner?: string; group?: string }): void {
  if (!file.path.startsWith(`${boot.CONFIG_DIR}/`)) {
    return;
  }
  const where = `files under ${boot.CONFIG_DIR} are the server's configuration and must never be writable by its OS user postgres`;
  if (file.owner !== 'root') {
    throw new Error(`${what}: owner must be 'root'; got '${file.owner}'. ${where}. Omit owner (root is the default), ` +
      "and let the server read the file through group 'postgres'.");
  }
  const [special, user, group, other] = file.mode!.slice(-4).split('').map(Number);
  const writes = (digit: number) => Math.floor(digit / 2) % 2 === 1;
  const executes = (digit: number) => digit % 2 === 1;
  if (special !== 0 || executes(user) || executes(group) || executes(other) || writes(group) || writes(other)) {
    throw new Error(`${what}: mode must not let group or other write, nor set execute, setuid, setgid or sticky bits; ` +
      `got '${file.mode}'. ${where}. Accepted: for example '000640' (root:postgres, the default), '000440' or '000644'.`);
  }
  if (!((file.group === 'postgres' && group >= 4) || other >= 4)) {
    throw new Error(`${what}: the server could not read this file with mode '${file.mode}' and group '${file.group}'; got an ` +
      "unreadable file. Accepted: group 'postgres' with group read, such as '000640' (the default) or '000440', or other read ('000644').");
  }
}

function validateSchedule(what: string, script: SqlScript): void {
  const schedule = script.schedule!;
  if (schedule.isUnresolved()) {
    throw new Error(`${what}: schedule must be a concrete Duration; got a token. It becomes a systemd timer interval at synthesis.`);
  }
  const seconds = schedule.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < MIN_SCHEDULE_SECONDS || seconds > MAX_SCHEDULE_SECONDS) {
    throw new Error(`${what}: schedule must be a whole number of seconds from ${MIN_SCHEDULE_SECONDS} seconds to 1 hour; ` +
      `got ${schedule.toHumanString()}. For example Duration.seconds(30).`);
  }
  if ((script.secretVariables ?? []).length > 0) {
    throw new Error(`${what}: a script with secretVariables cannot have a schedule; got ${script.secretVariables!.length} ` +
      'secret variable(s) and a schedule. Their values are fetched for one run and removed right after. Put the scheduled ' +
      'SQL in its own script without secret variables.');
  }
}

function validateAccount(what: string, field: string, name: string): string {
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(name)) {
    throw new Error(`${what}: ${field} must be an OS user or group name (lowercase letters, digits, _ and -); got '${name}'.`);
  }
  return name;
}
