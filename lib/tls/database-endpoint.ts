import { Annotations, CfnOutput, Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as elbv2Targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct, IDependable } from 'constructs';
import { bootstrapOf, protectLoadBalancerAfterCreate } from '../host/private/protect-after-create';
import { assertInRange } from '../private/validation';
import { parseAllowedNetwork } from './private/names';

/** Properties of a `DatabaseEndpoint`. */
export interface DatabaseEndpointProps {
  /** The VPC of the database hosts. */
  readonly vpc: ec2.IVpc;

  /**
   * Subnets for the load balancer's network interfaces.
   *
   * @default - the VPC's isolated subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * The PostgreSQL hosts behind the endpoint (for example `DatabaseHost.instance`). Their security
   * groups admit the database port from the load balancer's security group only.
   */
  readonly instances: ec2.IInstance[];

  /**
   * Client networks allowed to connect: CIDR blocks (IPv4 or IPv6) or tokens resolving to IPv4 CIDR
   * blocks, such as the peered customer VPC's CIDR. `0.0.0.0/0`, `::/0` and invalid CIDRs are rejected;
   * public (non-private) ranges are allowed with a warning.
   */
  readonly allowedNetworks: string[];

  /**
   * The PostgreSQL port, on the listener and on the hosts.
   *
   * @default 5432
   */
  readonly port?: number;

  /**
   * The DNS name clients connect to, used as `host=` in the connection-string output. It must be a
   * name in the server certificate (`ServerCertificate.serverName`), or `sslmode=verify-full` fails.
   *
   * @default - the load balancer's DNS name, with a warning: it is verifiable only if the certificate lists it
   */
  readonly serverName?: string;

  /**
   * Database name in the connection-string output.
   *
   * @default 'postgres'
   */
  readonly databaseName?: string;

  /**
   * Path of the CA certificate file on the client, used as `sslrootcert=` in the connection-string
   * output. Clients save the CA certificate published by `ServerCertificate` there.
   *
   * @default 'timescale-ca.pem'
   */
  readonly sslRootCertPath?: string;

}

/**
 * An internal Network Load Balancer in front of the PostgreSQL hosts, passing TCP through on the
 * database port.
 *
 * Why TCP passthrough and no TLS listener: PostgreSQL starts each connection in plaintext and upgrades
 * it with its own SSLRequest message, so a load balancer that terminates TLS breaks every ordinary
 * client (`sslmode=require`/`verify-full`). PostgreSQL 17+ clients can skip SSLRequest
 * (`sslnegotiation=direct`), but then both ends demand the ALPN protocol `postgresql`: libpq fails
 * unless the server selects it, and the server rejects direct TLS without it. Network Load Balancer
 * TLS listeners negotiate only HTTP ALPN policies (HTTP1Only, HTTP2*, None) and their TLS connection to
 * a TLS target group carries no `postgresql` ALPN either, so a terminating listener cannot serve direct
 * TLS. Passing TCP through serves both: PostgreSQL 17+ servers accept SSLRequest and direct TLS on the
 * same port, and TLS always ends at PostgreSQL, which enforces it (`hostnossl ... reject`) and holds the key.
 *
 * The load balancer is always internal (no prop can make it internet-facing), spans zones, is
 * protected from deletion once the first create has succeeded (see `deletionProtection`), and has a
 * security group admitting the database port only from `allowedNetworks`. Client IP preservation stays on, so `pg_hba.conf` judges the real client address;
 * the hosts' security groups admit the port only from the load balancer's security group.
 *
 * Why deletion protection is not the load balancer's own property: set at creation, it is on when a
 * first create fails later (a host that never bootstraps), and CloudFormation's rollback cannot delete
 * the load balancer (`ROLLBACK_FAILED`). A custom resource created after the load balancer and the
 * hosts' bootstrap switches it on, and switches it off before CloudFormation deletes the load balancer.
 * It guards against deletion outside CloudFormation; stack deletion is guarded by the stack's own
 * termination protection.
 *
 * No access logs: Network Load Balancers write them only for TLS listeners, so a passthrough endpoint
 * has none to write. Connection records come from VPC flow logs and PostgreSQL's connection logging.
 */
export class DatabaseEndpoint extends Construct {
  /** The internal Network Load Balancer. */
  public readonly loadBalancer: elbv2.INetworkLoadBalancer;
  /** The load balancer's security group (ingress: the database port from `allowedNetworks` only). */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The TCP listener on the database port. */
  public readonly listener: elbv2.INetworkListener;
  /** The target group of the PostgreSQL hosts. */
  public readonly targetGroup: elbv2.INetworkTargetGroup;
  /** The database port. */
  public readonly port: number;
  /** The host name clients use (`serverName`, or the load balancer's DNS name). */
  public readonly hostName: string;
  /** A libpq connection string with `sslmode=verify-full` and no password. */
  public readonly connectionString: string;
  /**
   * Switches the load balancer's deletion protection on once it and the hosts' bootstraps
   * (`DatabaseHost`'s wait condition) stand, and off again when it is deleted, so that protection
   * never blocks CloudFormation's own rollback or deletion.
   */
  public readonly deletionProtection: cr.AwsCustomResource;

  constructor(scope: Construct, id: string, props: DatabaseEndpointProps) {
    super(scope, id);
    this.port = props.port ?? 5432;
    assertInRange('DatabaseEndpointProps.port', this.port, 1, 65535);
    if (props.instances.length === 0) {
      throw new Error('DatabaseEndpointProps.instances must contain at least one PostgreSQL host; got an empty list. Pass DatabaseHost.instance.');
    }
    if (props.allowedNetworks.length === 0) {
      throw new Error(
        'DatabaseEndpointProps.allowedNetworks must contain at least one client network; got an empty list. ' +
        "Pass the peered customer VPC's CIDR, for example ['10.20.0.0/16'].",
      );
    }

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `PostgreSQL endpoint: TCP ${this.port} from the allowed client networks only`,
      allowAllOutbound: false,
    });
    props.allowedNetworks.forEach((network, i) => {
      const what = `DatabaseEndpointProps.allowedNetworks[${i}]`;
      if (Token.isUnresolved(network)) {
        securityGroup.addIngressRule(ec2.Peer.ipv4(network), ec2.Port.tcp(this.port), `PostgreSQL from allowed network ${i}`);
        return;
      }
      const parsed = parseAllowedNetwork(what, network);
      if (!parsed.isPrivate) {
        Annotations.of(this).addWarningV2(
          'cdk-timescale-security:PublicAllowedNetwork',
          `${what} '${network}' is not a private address range. The database is meant for peered private networks; make sure this range is yours.`,
        );
      }
      const peer = parsed.version === 4 ? ec2.Peer.ipv4(network) : ec2.Peer.ipv6(network);
      securityGroup.addIngressRule(peer, ec2.Port.tcp(this.port), `PostgreSQL from ${network}`);
    });
    this.securityGroup = securityGroup;

    const loadBalancer = new elbv2.NetworkLoadBalancer(this, 'LoadBalancer', {
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      internetFacing: false,
      crossZoneEnabled: true,
      securityGroups: [securityGroup],
    });
    // No deletion protection attribute: `deletionProtection` below switches it on once the hosts have
    // bootstrapped. Set here, it would be on when a first create fails and block the rollback; rendered
    // as false (CDK's default), an update of the load balancer's attributes would switch it off again.
    loadBalancer.removeAttribute('deletion_protection.enabled');
    // Catches a later `scheme` change on the L1 through the typed property.
    const cfnLoadBalancer = loadBalancer.node.defaultChild as elbv2.CfnLoadBalancer;
    this.node.addValidation({
      validate: () => cfnLoadBalancer.scheme === 'internal' ? [] : [
        `The database endpoint's load balancer must be internal; its scheme was changed to '${cfnLoadBalancer.scheme}'. ` +
        'The database is reachable only from private, peered networks.',
      ],
    });
    this.loadBalancer = loadBalancer;
    const bootstraps = props.instances.map((instance) => bootstrapOf(instance)).filter((b): b is IDependable => b !== undefined);
    this.deletionProtection = protectLoadBalancerAfterCreate(this, 'DeletionProtection', loadBalancer, bootstraps).resource;

    const listener = loadBalancer.addListener('Postgres', {
      port: this.port,
      protocol: elbv2.Protocol.TCP,
    });
    const targetGroup = listener.addTargets('Hosts', {
      port: this.port,
      protocol: elbv2.Protocol.TCP,
      targets: props.instances.map((instance) => new elbv2Targets.InstanceIdTarget(instance.instanceId, this.port)),
      preserveClientIp: true,
      deregistrationDelay: Duration.seconds(30),
      healthCheck: {
        protocol: elbv2.Protocol.TCP,
        port: 'traffic-port',
        interval: Duration.seconds(10),
        healthyThresholdCount: 3,
        unhealthyThresholdCount: 3,
      },
    });
    this.listener = listener;
    this.targetGroup = targetGroup;

    for (const instance of props.instances) {
      // Also adds the matching egress rule to the load balancer's group (traffic and health checks).
      instance.connections.allowFrom(securityGroup, ec2.Port.tcp(this.port), 'PostgreSQL from the database endpoint only');
    }

    if (props.serverName === undefined) {
      Annotations.of(this).addWarningV2(
        'cdk-timescale-security:EndpointWithoutServerName',
        'DatabaseEndpointProps.serverName is not set: the connection string uses the load balancer DNS name, which passes ' +
        'sslmode=verify-full only if the server certificate lists it. Set serverName to ServerCertificate.serverName.',
      );
    }
    this.hostName = props.serverName ?? loadBalancer.loadBalancerDnsName;
    const rootCert = props.sslRootCertPath ?? 'timescale-ca.pem';
    this.connectionString =
      `host=${this.hostName} port=${this.port} dbname=${props.databaseName ?? 'postgres'} sslmode=verify-full sslrootcert=${rootCert}`;
    new CfnOutput(this, 'ConnectionString', {
      description: 'libpq connection string (add user=; the password comes from your own secret store). TLS with full server verification.',
      value: this.connectionString,
    });
  }
}
