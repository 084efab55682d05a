import { Duration, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import { parseIpv4Cidr } from './private/cidr';

/**
 * Properties of a `ServiceDns`.
 */
export interface ServiceDnsProps {
  /**
   * The public hosted zone that publishes the service name. Import it without a lookup:
   * `route53.PublicHostedZone.fromPublicHostedZoneAttributes(this, 'Zone', { hostedZoneId, zoneName })`.
   */
  readonly zone: route53.IPublicHostedZone;

  /**
   * The fully-qualified name of the service, e.g. 'db.example.com' (a trailing dot is allowed). It
   * must be the zone name or a name within it. Clients connect with it, and the server certificate
   * carries it.
   */
  readonly recordName: string;

  /**
   * The private IPv4 addresses the name resolves to (an A record): the database host's or the internal
   * endpoint's addresses. Public addresses are refused. Tokens are accepted.
   *
   * Give exactly one of `privateIpAddresses` and `loadBalancer`.
   *
   * @default - none
   */
  readonly privateIpAddresses?: string[];

  /**
   * An internal Network Load Balancer the name points at (an alias A record). Its DNS name resolves to
   * private addresses only, so the public name does too. An internet-facing load balancer defined in
   * the app is refused; for an imported one, the scheme cannot be checked at synth.
   *
   * Give exactly one of `privateIpAddresses` and `loadBalancer`.
   *
   * @default - none
   */
  readonly loadBalancer?: elbv2.INetworkLoadBalancer;

  /**
   * The TTL of the A record (not used for an alias record).
   *
   * @default Duration.seconds(60): short, so a replaced host's new address is picked up quickly
   */
  readonly ttl?: Duration;

  /**
   * VPCs that resolve the name through a private hosted zone instead of public DNS: usually the service
   * VPC and same-account customer VPCs. The private zone is named exactly `recordName` so that it
   * answers for that name only and shadows nothing else of the public zone.
   *
   * A customer VPC in another account cannot be listed here: CloudFormation has no resource for
   * cross-account associations. The zone owner runs `aws route53 create-vpc-association-authorization`
   * for the customer VPC, then the customer runs `aws route53 associate-vpc-with-hosted-zone`. Customers
   * that use public DNS need none of this: the public record already resolves to the private addresses.
   *
   * @default - no private hosted zone
   */
  readonly privateZoneVpcs?: ec2.IVpc[];
}

/**
 * The service's name in public DNS, resolving to its private addresses only.
 *
 * As the source document puts it: service addresses are published in public DNS, but they can only be
 * connected to from the customer's peered VPC using private network addresses. Optionally a private
 * hosted zone answers the same name inside associated VPCs.
 */
export class ServiceDns extends Construct {
  /** The fully-qualified service name, lower case and without a trailing dot. */
  public readonly domainName: string;

  /** The record in the public hosted zone. */
  public readonly record: route53.IRecordSet;

  /** The private hosted zone, when `privateZoneVpcs` is given. */
  public readonly privateZone?: route53.IPrivateHostedZone;

  constructor(scope: Construct, id: string, props: ServiceDnsProps) {
    super(scope, id);
    this.domainName = validateRecordName(props.recordName, props.zone.zoneName);
    const target = recordTarget(props);
    const ttl = props.loadBalancer ? undefined : props.ttl ?? Duration.seconds(60);

    this.record = new route53.ARecord(this, 'Record', {
      zone: props.zone,
      recordName: `${this.domainName}.`,
      target,
      ttl,
      comment: 'TimescaleDB service: private addresses, reachable only from peered customer VPCs',
    });

    const vpcs = props.privateZoneVpcs ?? [];
    if (vpcs.length > 0) {
      const privateZone = new route53.PrivateHostedZone(this, 'PrivateZone', {
        zoneName: this.domainName,
        vpc: vpcs[0],
        comment: `Answers ${this.domainName} inside the service and customer VPCs`,
      });
      vpcs.slice(1).forEach((vpc) => privateZone.addVpc(vpc));
      new route53.ARecord(this, 'PrivateRecord', { zone: privateZone, target, ttl });
      this.privateZone = privateZone;
    }
  }
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

function validateRecordName(recordName: string, zoneName: string): string {
  if (Token.isUnresolved(recordName)) {
    return recordName;
  }
  const name = recordName.toLowerCase().replace(/\.$/, '');
  if (name.length > 253 || name.split('.').some((label) => !LABEL.test(label))) {
    throw new Error(
      `ServiceDnsProps.recordName must be a fully-qualified DNS name such as 'db.example.com'; got '${recordName}'. ` +
      'Use letters, digits and hyphens in dot-separated labels of at most 63 characters.',
    );
  }
  if (!Token.isUnresolved(zoneName)) {
    const zone = zoneName.toLowerCase().replace(/\.$/, '');
    if (name !== zone && !name.endsWith(`.${zone}`)) {
      throw new Error(
        `ServiceDnsProps.recordName '${recordName}' is not within the hosted zone '${zoneName}'. ` +
        `Give the fully-qualified name of a record in that zone (e.g. 'db.${zone}'), or pass the zone that holds '${name}'.`,
      );
    }
  }
  return name;
}

/** Address ranges a VPC can give out: RFC 1918 and the shared address space (RFC 6598). */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10']
  .map((cidr) => parseIpv4Cidr('private range', cidr)!);

function recordTarget(props: ServiceDnsProps): route53.RecordTarget {
  const addresses = props.privateIpAddresses ?? [];
  if ((addresses.length > 0) === (props.loadBalancer !== undefined)) {
    throw new Error(
      'ServiceDns needs exactly one target: privateIpAddresses (an A record) or loadBalancer (an alias to an internal NLB); ' +
      `got ${addresses.length > 0 ? 'both' : 'neither'}.`,
    );
  }
  if (props.loadBalancer) {
    const cfnLoadBalancer = props.loadBalancer.node.defaultChild;
    if (cfnLoadBalancer instanceof elbv2.CfnLoadBalancer && cfnLoadBalancer.scheme === 'internet-facing') {
      throw new Error(
        `ServiceDnsProps.loadBalancer '${props.loadBalancer.node.path}' is internet-facing: its name resolves to public addresses. ` +
        'The service must be reachable only over the customer peering; create the load balancer with internetFacing: false.',
      );
    }
    return route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(props.loadBalancer));
  }
  addresses.forEach((address, i) => {
    if (Token.isUnresolved(address)) {
      return;
    }
    const what = `ServiceDnsProps.privateIpAddresses[${i}]`;
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) {
      throw new Error(`${what} must be an IPv4 address such as '10.80.0.10'; got '${address}'.`);
    }
    const host = parseIpv4Cidr(what, `${address}/32`)!;
    if (!PRIVATE_RANGES.some((range) => range.first <= host.first && host.last <= range.last)) {
      throw new Error(
        `${what} '${address}' is a public address. The service name must resolve to private addresses only ` +
        '(10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10), reachable solely over the customer peering.',
      );
    }
  });
  return route53.RecordTarget.fromIpAddresses(...addresses);
}
