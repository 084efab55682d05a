import { Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { parseAllowedNetwork } from '../../tls/private/names';

/**
 * Connections to a database that is reachable only from private networks (G4): `allowFrom` and the methods
 * built on it (`allowDefaultPortFrom`, `allowFromAnyIpv4`, ...) admit security groups and private CIDR blocks,
 * and refuse `0.0.0.0/0`, `::/0`, public ranges and prefix lists (whose entries cannot be checked at synth).
 * A CIDR that is a token is admitted, as `TimescaleServiceProps.allowedNetworks` admits it; the rules judge the
 * deployed value. Public ranges can still be admitted explicitly, with a warning, through `allowedNetworks`.
 */
export class GuardedConnections extends ec2.Connections {
  constructor(private readonly what: string, props: ec2.ConnectionsProps) {
    super(props);
  }

  public allowFrom(other: ec2.IConnectable, portRange: ec2.Port, description?: string): void {
    assertPrivatePeer(this.what, other);
    super.allowFrom(other, portRange, description);
  }
}

function assertPrivatePeer(what: string, other: ec2.IConnectable): void {
  const peer = other as Partial<ec2.IPeer>;
  if (typeof peer.toIngressRuleConfig !== 'function') {
    return; // a construct with security groups: its groups are the sources
  }
  const rule = peer.toIngressRuleConfig();
  const fix = 'Admit a security group (for example the client\'s), or a private CIDR block of a peered network; ' +
    'a public range can only be listed explicitly, with a warning, in TimescaleServiceProps.allowedNetworks.';
  if (rule.sourcePrefixListId !== undefined) {
    throw new Error(`${what}: refusing the prefix list ${rule.sourcePrefixListId}: its entries cannot be checked at synth, and the ` +
      `database admits private networks only. ${fix}`);
  }
  const cidr: unknown = rule.cidrIp ?? rule.cidrIpv6;
  if (typeof cidr !== 'string' || Token.isUnresolved(cidr)) {
    return;
  }
  const parsed = parseAllowedNetwork(what, cidr);
  if (!parsed.isPrivate) {
    throw new Error(`${what}: refusing '${cidr}', which is not a private address range: the database is reachable only from ` +
      `private, peered networks. ${fix}`);
  }
}
