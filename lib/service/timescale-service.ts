import { Annotations, CfnOutput, Duration, Lazy, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IDependable } from 'constructs';
import { EncryptedBackups, PgBackRestBackups, RestoreTarget } from '../backup';
import { DatabaseHost, PackageSource, VolumeOptions } from '../host';
import { ServiceKeys } from '../keys';
import { ServiceDns, ServiceNetwork } from '../network';
import { OperatorAccess } from '../operator';
import { ApprovedAccess, AuditSettings, OperatorAccessApproval, PgHba, TlsSettings, TlsVersion } from '../postgres';
import { GuardedConnections, validatePrivateIngress } from './private/guarded-connections';
import { ImportedTimescaleService } from './private/imported-service';
import { ServiceCustomer, ServiceCustomerOptions } from './service-customer';
import { ITimescaleService, TimescaleServiceAttributes, TimescaleServiceBase } from './timescale-service-base';
import { ServiceSecret } from '../private/service-secret';
import { CertificateSource, DatabaseEndpoint, ServerCertificate } from '../tls';

/** Where the host keeps the TLS files PostgreSQL reads. */
const TLS_DIR = `${DatabaseHost.CONFIG_DIR}/tls`;

/**
 * The database host's size and software.
 */
export interface TimescaleHostOptions {
  /**
   * The EC2 instance type.
   *
   * @default - m7g.large
   */
  readonly instanceType?: ec2.InstanceType;

  /**
   * The data volume (gp3).
   *
   * @default - 100 GiB, 3000 IOPS, 125 MiB/s
   */
  readonly dataVolume?: VolumeOptions;

  /**
   * The WAL volume (gp3).
   *
   * @default - 20 GiB, 3000 IOPS, 125 MiB/s
   */
  readonly walVolume?: VolumeOptions;

  /**
   * The PostgreSQL major version.
   *
   * @default '16'
   */
  readonly postgresVersion?: string;
}

/**
 * The database's own backups: pgBackRest's WAL archive and full and differential backups, with
 * point-in-time restore.
 */
export interface TimescaleDatabaseBackupOptions {
  /**
   * When full backups run: a systemd `OnCalendar` expression.
   *
   * @default 'Sun *-*-* 01:00:00 UTC'
   */
  readonly fullBackupSchedule?: string;

  /**
   * When differential backups run: a systemd `OnCalendar` expression.
   *
   * @default 'Mon..Sat *-*-* 01:00:00 UTC'
   */
  readonly differentialBackupSchedule?: string;

  /**
   * The longest a committed transaction waits before its WAL is archived (`archive_timeout`).
   *
   * @default Duration.seconds(60)
   */
  readonly archiveTimeout?: Duration;

  /**
   * Create the database from the repository, before the server first starts: `RestoreTarget.latest()`
   * or `RestoreTarget.pointInTime('2026-01-31T12:00:00Z')`. To create a service from another service's
   * backups, pass that service's (retained) `bucket` and `passphrase` as well.
   *
   * @default - a new, empty database
   */
  readonly restore?: RestoreTarget;

  /**
   * The repository bucket of an earlier service, to continue or restore from.
   *
   * @default - a new bucket
   */
  readonly bucket?: s3.IBucket;

  /**
   * The repository passphrase of an earlier service, with `bucket`.
   *
   * @default - a new generated passphrase
   */
  readonly passphrase?: secretsmanager.ISecret;
}

/**
 * Who may log in to the service's machines, and how.
 */
export interface TimescaleOperatorOptions {
  /** The principals that may assume the operator role, always with MFA. */
  readonly operatorPrincipals: iam.IPrincipal[];
  /**
   * The operator role's maximum session.
   *
   * @default Duration.hours(1)
   */
  readonly maxSessionDuration?: Duration;
  /**
   * Addresses that receive every session start, resume and termination.
   *
   * @default - no subscriptions: subscribe to the alert topic yourself
   */
  readonly alertEmails?: string[];
  /**
   * A customer's time-bounded approval for one operator to access the database. Without one, no
   * operator has a database role.
   *
   * @default - no operator database access
   */
  readonly approval?: OperatorAccessApproval;
}

/**
 * Properties of a `TimescaleService`.
 */
export interface TimescaleServiceProps {
  /**
   * The service's name: tags every host (`timescale:service`), names the session document and
   * the backup plan. Lower-case letters, digits and `-`, 3 to 40 characters.
   */
  readonly serviceName: string;

  /**
   * The DNS name clients connect to; the server certificate is issued for it.
   */
  readonly serverName: string;

  /**
   * Where the host installs PostgreSQL and TimescaleDB from; never the open internet. No default:
   * Amazon Linux's repositories carry PostgreSQL but not TimescaleDB (see `DatabaseHostProps.packageSource`).
   */
  readonly packageSource: PackageSource;

  /**
   * A public hosted zone in which `serverName` is published, resolving to the service's private
   * addresses.
   *
   * @default - no DNS record: publish `serverName` yourself
   */
  readonly publicZone?: route53.IPublicHostedZone;

  /**
   * The customer-managed keys.
   *
   * A `ServiceKeys`, not an `IKey` per use: the service writes each grant into the key policies
   * (every principal that may use a key is named there, and the others are denied), which a key
   * imported by ARN would not let it do.
   *
   * @default - a new `ServiceKeys`
   */
  readonly keys?: ServiceKeys;

  /**
   * The service network.
   *
   * A `ServiceNetwork`, not an `IVpc`: the guarantees rest on what it adds (the endpoints and their
   * policies, the DNS firewall, flow logs, the checks on the database subnets). To use an existing VPC,
   * give it to the `ServiceNetwork` (`ServiceNetworkProps.vpc`).
   *
   * @default - a new `ServiceNetwork` with isolated subnets only, encrypted with the logs key
   */
  readonly network?: ServiceNetwork;

  /**
   * Networks that are not peered customers (for example the operations network behind a transit
   * gateway), admitted on the database port. In pg_hba.conf they admit only customer-approved
   * operator roles (members of `approved_operator_access`): never a customer's roles, never the
   * superuser.
   *
   * @default - the service network's own CIDR only (the load balancer's health checks, and operators'
   * port forwarding through a bastion)
   */
  readonly allowedNetworks?: string[];

  /**
   * Customers, each peered and given a database of its own, at construction; more can be added with
   * `addCustomer`.
   *
   * @default - none
   */
  readonly customers?: ServiceCustomerOptions[];

  /**
   * The lowest TLS version the server accepts.
   *
   * @default TlsVersion.TLS_1_2
   */
  readonly minTlsVersion?: TlsVersion;

  /**
   * Who issues the server certificate.
   *
   * @default - CertificateSource.selfManagedCa()
   */
  readonly certificateSource?: CertificateSource;

  /**
   * The database host.
   *
   * @default - an m7g.large with PostgreSQL 16
   */
  readonly host?: TimescaleHostOptions;

  /**
   * How long backups are kept: pgBackRest's full backups and the WAL since them (so the window of
   * point-in-time restore), and AWS Backup's daily recovery points of the host.
   *
   * @default Duration.days(35)
   */
  readonly backupRetention?: Duration;

  /**
   * The database's own backups (pgBackRest).
   *
   * @default - full backups on Sundays and differential backups on other days at 01:00 UTC, WAL archived
   * within 60 seconds, a new empty database
   */
  readonly databaseBackups?: TimescaleDatabaseBackupOptions;

  /**
   * A lock on the backup vault.
   *
   * @default - no lock
   */
  readonly backupVaultLock?: backup.LockConfiguration;

  /**
   * Operator access through Session Manager, audited.
   *
   * @default - no operator role: nobody can open a session on the hosts
   */
  readonly operators?: TimescaleOperatorOptions;
}

/**
 * A TimescaleDB service with the guarantees of the Timescale Cloud security document: encrypted
 * at rest with customer-managed keys (G1, G2), TLS-only connections (G3), reachable only from
 * peered customer VPCs at private addresses (G4), a host that bootstraps, patches and recovers
 * itself (G5), audited operator access through Session Manager only (G6, G7) and operators kept out
 * of customer data unless a customer approves (G8).
 */
export class TimescaleService extends TimescaleServiceBase {
  /**
   * References a service defined in another stack or app, to connect to it (`connections`) or read its
   * CA certificate.
   */
  public static fromServiceAttributes(scope: Construct, id: string, attrs: TimescaleServiceAttributes): ITimescaleService {
    return new ImportedTimescaleService(scope, id, attrs);
  }

  /** The customer-managed keys. */
  public readonly keys: ServiceKeys;
  /** The service network. */
  public readonly network: ServiceNetwork;
  /** The database host. */
  public readonly host: DatabaseHost;
  /** The server certificate (kept in Secrets Manager). */
  public readonly certificate: ServerCertificate;
  /** The internal load balancer clients connect through. */
  public readonly endpoint: DatabaseEndpoint;
  /** The second line of backups: AWS Backup's daily, crash-consistent recovery points of the whole host. */
  public readonly backups: EncryptedBackups;
  /** The database's own backups: pgBackRest's WAL archive and backups, with point-in-time restore. */
  public readonly databaseBackups: PgBackRestBackups;
  /** The DNS record, when a public zone was given. */
  public readonly dns?: ServiceDns;
  /** Operator access, when operators were given. */
  public readonly operatorAccess?: OperatorAccess;
  /** The customers: each one's peering, database, admin role and credentials. */
  public readonly customers: ServiceCustomer[] = [];
  /** The DNS name clients connect to. */
  public readonly serverName: string;
  /** The service's name (`timescale:service` tag of its hosts). */
  public readonly serviceName: string;
  /** The DNS name clients connect to (`serverName`), which the server certificate names. */
  public readonly endpointAddress: string;
  /** The PostgreSQL port of the endpoint. */
  public readonly endpointPort: number;
  /** The SSM parameter holding the CA certificate (PEM) clients verify the server against. */
  public readonly caCertificateParameter: ssm.IStringParameter;
  /**
   * The endpoint's security group: the database port from the allowed and customer networks only. Ingress
   * added to it directly (`addIngressRule`) is checked at synth as `connections` is: a public range or a
   * prefix list fails synthesis.
   */
  public readonly securityGroup: ec2.ISecurityGroup;
  /**
   * Access to the database port, through the endpoint's security group: security groups and private CIDR
   * blocks only (`0.0.0.0/0`, public ranges and prefix lists are refused as they are added, and any that
   * reach the group another way fail synthesis). PostgreSQL still admits only the customers' networks and
   * `allowedNetworks` (pg_hba.conf).
   */
  public readonly connections: ec2.Connections;

  private readonly allowedNetworks: string[];
  /** Each customer's alert on reads of its admin credentials, when operators receive alerts. */
  private readonly credentialReadAlerts = new Map<ServiceCustomer, events.IRule>();

  constructor(scope: Construct, id: string, props: TimescaleServiceProps) {
    super(scope, id);
    validateServiceName(props.serviceName);
    this.serviceName = props.serviceName;
    this.serverName = props.serverName;

    this.keys = props.keys ?? new ServiceKeys(this, 'Keys');
    this.network = props.network ?? new ServiceNetwork(this, 'Network', { logsKey: this.keys.logsKey });
    this.allowedNetworks = [...(props.allowedNetworks ?? [this.network.vpcCidrBlock])];
    const vpcSubnets = { subnets: this.network.databaseSubnets.subnets };

    if (props.operators) {
      this.operatorAccess = new OperatorAccess(this, 'Operators', {
        serviceName: props.serviceName,
        logsKey: this.keys.logsKey,
        operatorPrincipals: props.operators.operatorPrincipals,
        maxSessionDuration: props.operators.maxSessionDuration,
        alertEmails: props.operators.alertEmails,
        approval: props.operators.approval,
      });
    }

    this.certificate = new ServerCertificate(this, 'Certificate', {
      serverName: props.serverName,
      source: props.certificateSource,
      secretsKey: this.keys.secretsKey,
      logsKey: this.keys.logsKey,
      vpc: this.network.vpc,
      vpcSubnets,
      // A failed issue or renewal reaches the same people as session alerts.
      alarmTopic: this.operatorAccess?.alertTopic,
      issuerDependencies: this.endpointsFor([
        ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        ...(props.certificateSource?.certificateAuthorityArn ? [ec2.InterfaceVpcEndpointAwsService.PRIVATE_CERTIFICATE_AUTHORITY] : []),
      ]),
    });

    this.host = new DatabaseHost(this, 'Host', {
      vpc: this.network.vpc,
      vpcSubnets,
      serviceName: props.serviceName,
      dataKey: this.keys.dataKey,
      logsKey: this.keys.logsKey,
      packageSource: props.packageSource,
      // HTTPS egress to the VPC's endpoints and to S3 only, never to every address.
      s3PrefixListId: this.network.s3PrefixListId,
      ...props.host,
    });
    // The host's first boot must find the issued certificate, not the secret's placeholder. Only the
    // instance waits: the host's role is named in the secrets key's policy, which the issuer needs.
    this.host.instance.node.addDependency(this.certificate);
    // cfn-init, cfn-signal, the secrets, the logs, Session Manager and the packages are reached through
    // the network's endpoints, so the host boots only once they exist.
    this.host.instance.node.addDependency(...this.endpointsFor([
      ec2.InterfaceVpcEndpointAwsService.CLOUDFORMATION,
      ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
      ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
      ec2.InterfaceVpcEndpointAwsService.SSM,
      ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
      ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
      ec2.InterfaceVpcEndpointAwsService.KMS,
    ]));
    // Nor does it resolve a name before the DNS firewall holds (no queries out of the VPC, even at first boot).
    if (this.network.dnsFirewallAssociation) {
      this.host.instance.node.addDependency(this.network.dnsFirewallAssociation);
    }
    this.configureServer(props);

    this.endpoint = new DatabaseEndpoint(this, 'Endpoint', {
      vpc: this.network.vpc,
      vpcSubnets,
      instances: [this.host.instance],
      allowedNetworks: this.allowedNetworks,
      port: this.host.port,
      serverName: props.serverName,
    });
    this.host.connections.allowFrom(this.endpoint.securityGroup, ec2.Port.tcp(this.host.port), 'PostgreSQL from the endpoint');
    this.endpointAddress = props.serverName;
    this.endpointPort = this.endpoint.port;
    this.caCertificateParameter = this.certificate.caCertificateParameter;
    this.securityGroup = this.endpoint.securityGroup;
    this.connections = new GuardedConnections(`TimescaleService ${this.node.path}: connections`, {
      securityGroups: [this.endpoint.securityGroup],
      defaultPort: ec2.Port.tcp(this.endpoint.port),
    });
    validatePrivateIngress(this, `TimescaleService ${this.node.path}`, this.endpoint.securityGroup, this.allowedNetworks, this.endpoint.loadBalancer);

    this.backups = new EncryptedBackups(this, 'Backups', {
      backupKey: this.keys.backupKey,
      // Recovery points of the volumes are under the data key until they are copied under the backup key.
      sourceKeys: [this.keys.dataKey],
      retention: props.backupRetention,
      vaultLock: props.backupVaultLock,
      // The instance, not its volumes one by one: AWS Backup snapshots all its volumes at one moment
      // (crash-consistent), so a restored data and WAL pair belongs together.
      resources: [backup.BackupResource.fromArn(instanceArn(this.host.instance))],
    });

    this.databaseBackups = new PgBackRestBackups(this, 'DatabaseBackups', {
      host: this.host,
      serviceName: props.serviceName,
      backupKey: this.keys.backupKey,
      secretsKey: this.keys.secretsKey,
      retention: props.backupRetention,
      alarmTopic: this.operatorAccess?.alertTopic,
      accessLogsBucket: this.operatorAccess?.accessLogsBucket,
      s3Endpoint: this.network.s3Endpoint,
      ...props.databaseBackups,
    });

    if (props.publicZone) {
      this.dns = new ServiceDns(this, 'Dns', {
        zone: props.publicZone,
        recordName: props.serverName,
        loadBalancer: this.endpoint.loadBalancer,
      });
    }

    if (this.operatorAccess) {
      this.operatorAccess.grantHostLogging(this.host.role);
      this.operatorAccess.alertOnKeyChanges(this.keys.dataKey, this.keys.backupKey, this.keys.secretsKey, this.keys.logsKey);
      this.operatorAccess.alertOnBackupVaultChanges(this.backups.vault);
      this.operatorAccess.alertOnBackupVaultChanges(this.backups.copyVault);
      // The host reads the certificate at boot and the issuer renews it; any other read is news.
      const certificateSecrets = [this.certificate.certificateSecret, ...this.certificate.caSecret ? [this.certificate.caSecret] : []];
      this.operatorAccess.alertOnSecretReads(certificateSecrets, [this.host.role, this.certificate.issuer.role!]);
      // Only the host reads the backup passphrase, at boot.
      this.operatorAccess.alertOnSecretReads([this.databaseBackups.passphrase], [this.host.role]);
      this.host.addOsUser(this.operatorAccess.runAsUser);
    }
    // Customers first: their databases exist before the approval script grants CONNECT on them.
    for (const customer of props.customers ?? []) {
      this.addCustomer(customer);
    }
    this.configureOperatorDatabaseAccess(props.operators?.approval);

    new CfnOutput(this, 'ServerName', { description: 'The DNS name clients connect to (sslmode=verify-full)', value: props.serverName });
  }

  /**
   * Adds a customer: a VPC peering (routes and a security group rule for its CIDR blocks only), a
   * database of its own owned by an admin role that is not a superuser, the admin's credentials in
   * Secrets Manager, and `hostssl` lines that admit its CIDR blocks to its databases only, as its
   * roles only.
   */
  public addCustomer(customer: ServiceCustomerOptions): ServiceCustomer {
    const id = `Customer-${customer.customerName.replace(/\s+/g, '-')}`;
    const database = ServiceCustomer.databaseNameOf(customer);
    const clash = this.customers.find((other) => other.databases.includes(database));
    if (clash) {
      throw new Error(`TimescaleService ${this.node.path}: customers '${clash.node.id}' and '${id}' would share the database ` +
        `'${database}'. Give one of them another databaseName.`);
    }
    const added = new ServiceCustomer(this, id, {
      ...customer,
      network: this.network,
      host: this.host,
      databaseSecurityGroup: this.endpoint.securityGroup,
      secretsKey: this.keys.secretsKey,
      serverName: this.serverName,
    });
    this.customers.push(added);
    // Only the host reads the admin's credentials, unless the customer's own account does too: its
    // reads are expected and are in the trail, so they raise no alert.
    if (this.operatorAccess && customer.adminSecretReaderAccount === undefined) {
      this.credentialReadAlerts.set(added, this.operatorAccess.alertOnSecretReads([added.adminSecret], [this.host.role]));
    }
    return added;
  }

  /**
   * Lets `grantee`, a principal of the customer's own account, read the customer admin's credentials
   * (`ServiceCustomer.grantCredentialsRead`): named in the secret's resource policy and, for decryption
   * through Secrets Manager, in the secrets key's policy. The grantee's account must be written in the app,
   * and a principal of the service's own account is refused: there only the host reads a customer's
   * credentials (G8). A granted role's reads are expected: they raise no secret-read alert.
   */
  public grantCustomerCredentialsRead(customer: ServiceCustomer, grantee: iam.IGrantable): iam.Grant {
    if (!this.customers.includes(customer)) {
      throw new Error(`TimescaleService ${this.node.path}: ${customer.node.path} is not a customer of this service. ` +
        'Pass one of TimescaleService.customers, or the result of addCustomer.');
    }
    const grant = customer.grantCredentialsRead(grantee);
    const alert = this.credentialReadAlerts.get(customer);
    const principal = grantee.grantPrincipal as Partial<iam.IRole>;
    if (alert && typeof principal.roleArn === 'string') {
      this.operatorAccess!.expectSecretReads(alert, principal as iam.IRole);
    }
    return grant;
  }

  /** The host's CPU utilization (percent, average over 5 minutes). */
  public metricCpuUtilization(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.host.metricCpuUtilization(props);
  }

  /** Whether the host failed its EC2 status checks (0 or 1, maximum over 5 minutes). */
  public metricStatusCheckFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.host.metricStatusCheckFailed(props);
  }

  /** Free space on the data volume (bytes, minimum over 5 minutes), from the host's CloudWatch agent. */
  public metricDataVolumeFreeStorage(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.host.metricDataVolumeFreeStorage(props);
  }

  /** Free space on the WAL volume (bytes, minimum over 5 minutes), from the host's CloudWatch agent. */
  public metricWalVolumeFreeStorage(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.host.metricWalVolumeFreeStorage(props);
  }

  /**
   * Client connections open through the endpoint (the load balancer's active TCP flows, average over 5
   * minutes), as Elastic Load Balancing publishes them. Connections made on the host itself (the local
   * socket, an operator's port forwarding) are not counted.
   */
  public metricConnections(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.endpoint.loadBalancer.metrics.custom('ActiveFlowCount_TCP', { statistic: cloudwatch.Stats.AVERAGE, period: Duration.minutes(5), ...props });
  }

  /**
   * The network's endpoints for these services, and always its S3 gateway endpoint. A service without
   * an endpoint gets a warning: the caller reaches it only if the network has another way out.
   */
  private endpointsFor(services: ec2.InterfaceVpcEndpointAwsService[]): IDependable[] {
    const found: IDependable[] = [this.network.s3Endpoint];
    for (const service of services) {
      const endpoint = this.network.interfaceEndpointFor(service);
      if (endpoint) {
        found.push(endpoint);
      } else {
        Annotations.of(this).addWarningV2(`cdk-timescale-security:MissingEndpoint-${service.shortName}`,
          `TimescaleService ${this.node.path}: the service network has no VPC endpoint for ${service.shortName}, which the service calls. ` +
          `Add ec2.InterfaceVpcEndpointAwsService for ${service.shortName} to ServiceNetworkProps.additionalInterfaceEndpoints, ` +
          'or the call needs a NAT gateway (ServiceNetworkProps.egress).');
      }
    }
    return found;
  }

  /** pg_hba.conf, TLS and audit settings, and the TLS files: the server refuses plaintext (G3). */
  private configureServer(props: TimescaleServiceProps): void {
    const certFile = `${TLS_DIR}/server.crt`;
    const keyFile = `${TLS_DIR}/server.key`;
    // Owned by root, so the server (as postgres) can read but never replace them; PostgreSQL accepts
    // a root-owned key readable by its group.
    const rootOwned = { owner: 'root', group: 'postgres' };
    this.host.addSecretFile({ path: certFile, secret: this.certificate.certificateSecret, jsonField: ServerCertificate.CERTIFICATE_FIELD, mode: '000644', ...rootOwned });
    this.host.addSecretFile({ path: keyFile, secret: this.certificate.certificateSecret, jsonField: ServerCertificate.PRIVATE_KEY_FIELD, mode: '000640', ...rootOwned });

    // Rendered at synth, so customers added after construction reach pg_hba.conf too. The superuser
    // is refused from every network; operator networks admit approved operator roles only.
    this.host.addConfigFile({
      path: `${DatabaseHost.CONFIG_DIR}/pg_hba.conf`,
      content: Lazy.string({
        produce: () => PgHba.render({
          access: [
            ...this.customers.map((customer) => customer.hbaAccess),
            ApprovedAccess.pgHbaAccess(this.allowedNetworks),
          ],
        }),
      }),
    });
    this.host.addConfigFile({
      path: `${DatabaseHost.CONF_D_DIR}/50-tls.conf`,
      content: TlsSettings.render({ minProtocolVersion: props.minTlsVersion ?? TlsVersion.TLS_1_2, certFile, keyFile }),
    });
    // The audit fragment owns shared_preload_libraries (the last assignment wins), so it comes last.
    this.host.addConfigFile({
      path: `${DatabaseHost.CONF_D_DIR}/90-audit.conf`,
      content: AuditSettings.render({ sharedPreloadLibraries: ['timescaledb'] }),
    });
  }

  /**
   * Operators hold no database role unless a customer approved one (G8). The SQL always runs, so
   * removing an approval removes the role on the next deployment.
   */
  /**
   * The databases an approval opens: those it names, or the only customer's. With several customers
   * the approval must say whose data it covers.
   */
  private approvedDatabases(approval: OperatorAccessApproval): string[] {
    if (approval.databases !== undefined) {
      return approval.databases;
    }
    if (this.customers.length === 1) {
      return this.customers[0].databases;
    }
    throw new Error(`TimescaleService ${this.node.path}: operators.approval must list the databases the customer approved ` +
      `(OperatorAccessApproval.databases), because the service has ${this.customers.length} customers ` +
      `(${this.customers.map((c) => c.databases.join(', ')).join('; ') || 'none'}). Name the approving customer's databases.`);
  }

  private configureOperatorDatabaseAccess(approval: OperatorAccessApproval | undefined): void {
    // Checked now, so a bad approval fails where it is written; rendered again at synth, so the roles
    // of customers added after construction are refused too.
    ApprovedAccess.renderSql({ approval });
    const sql = Lazy.string({
      produce: () => ApprovedAccess.renderSql({
        approval: approval && { ...approval, databases: this.approvedDatabases(approval) },
        forbiddenRoles: this.customers.flatMap((customer) => [customer.adminRole, customer.loginGroup]),
      }),
    });
    // The end of an approval is enforced on the host, within a minute, without a redeployment.
    this.host.addSqlScript({ name: 'approved-operator-expiry', sql: ApprovedAccess.renderExpirySql(), schedule: Duration.seconds(30) });
    if (!approval) {
      this.host.addSqlScript({ name: 'approved-operator-access', sql });
      return;
    }
    const password = new ServiceSecret(this, 'ApprovedOperatorPassword', {
      description: `Database password of the customer-approved operator '${approval.operator}' (ticket ${approval.ticket}), valid until ${approval.expires}`,
      encryptionKey: this.keys.secretsKey,
      generateSecretString: { passwordLength: 32, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.operatorAccess?.grantSecretReadToOperator(password, approval.operator);
    // The approved operator's own read of the password alerts too: it is the start of access to customer data.
    this.operatorAccess?.alertOnSecretReads([password], [this.host.role]);
    this.host.addSqlScript({ name: 'approved-operator-access', sql, secretVariables: [{ name: 'operator_password', secret: password }] });
  }
}

function instanceArn(instance: ec2.IInstance): string {
  return Stack.of(instance).formatArn({ service: 'ec2', resource: 'instance', resourceName: instance.instanceId });
}

function validateServiceName(name: string): void {
  if (Token.isUnresolved(name)) {
    throw new Error('TimescaleServiceProps.serviceName must be written in the app, not a token: it names resources and tags at synth.');
  }
  if (!/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/.test(name)) {
    throw new Error(`TimescaleServiceProps.serviceName must be 3-40 lower-case letters, digits and -, starting with a letter and not ending with -; got '${name}'.`);
  }
}
