import { cidrWithin, isPublicCidr } from '../../private/cidr';
import { isDatabaseHost } from '../../private/database-hosts';
import { RenderedResource, StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic, referencedIds } from '../../private/values';

/** Destinations a NAT gateway translates to the IPv4 internet (NAT64). */
const NAT64 = '64:ff9b::/96';

/** A route's way out to the internet, if it has one. */
function judgeRoute(route: RenderedResource, subnet: string, index: StackIndex): Outcome {
  const { GatewayId: gateway, NatGatewayId: nat, DestinationCidrBlock: v4, DestinationIpv6CidrBlock: v6 } = route.properties;
  const destination = v4 ?? v6;
  const target = index.target(gateway);
  if (target?.type === 'AWS::EC2::InternetGateway' || (typeof gateway === 'string' && gateway.startsWith('igw-'))) {
    return nonCompliant(`subnet ${subnet} routes ${describe(destination)} to internet gateway ${target?.logicalId ?? gateway}`);
  }
  if (nat === undefined) {
    // Other targets of a route to public addresses: an egress-only internet gateway is the IPv6 internet;
    // an instance, a network interface or a transit gateway may be a way out (a NAT instance, a central egress).
    const { EgressOnlyInternetGatewayId: egressOnly, InstanceId: instance, NetworkInterfaceId: eni, TransitGatewayId: tgw } = route.properties;
    const publicDestination = typeof destination === 'string' ? isPublicCidr(destination) : destination !== undefined;
    if (egressOnly !== undefined && publicDestination) {
      return nonCompliant(`subnet ${subnet} routes ${describe(destination)} to egress-only internet gateway ${describe(egressOnly)}`);
    }
    const other = instance ?? eni ?? tgw;
    if (other !== undefined && publicDestination) {
      return unverifiable(`subnet ${subnet} routes ${describe(destination)} to ${describe(other)}, which may lead to the internet ` +
        '(a NAT instance, a central egress): the template does not show where');
    }
    return COMPLIANT;
  }
  if (typeof destination !== 'string') {
    return isIntrinsic(destination) || destination === undefined
      ? unverifiable(`subnet ${subnet} routes ${describe(destination ?? route.properties.DestinationPrefixListId)} to NAT gateway ` +
        `${describe(nat)}, a destination only known at deploy time`)
      : COMPLIANT;
  }
  if (isPublicCidr(destination) || cidrWithin(destination, NAT64) || cidrWithin(NAT64, destination)) {
    return nonCompliant(`subnet ${subnet} routes ${destination} to NAT gateway ${index.target(nat)?.logicalId ?? describe(nat)}, a way out to the internet`);
  }
  return COMPLIANT;
}

/** Subnets that hold database hosts have no route to an internet gateway, nor a route to the internet through a NAT gateway. */
export const DatabaseSubnetNoInternetRoute: RuleDefinition = {
  name: 'DatabaseSubnetNoInternetRoute',
  guarantee: 'G4',
  info: 'A database host (tagged timescale:service) sits in a subnet with a route to an internet gateway, or to the internet through a NAT gateway.',
  explanation: 'No public Internet-based access is provided: database subnets are isolated. Place hosts in ' +
    'PRIVATE_ISOLATED subnets (no internet gateway, no NAT gateway default route) and reach AWS APIs through VPC endpoints.',
  resourceTypes: ['AWS::EC2::Instance'],
  evaluate(r, { index }) {
    if (!isDatabaseHost(r)) {
      return NOT_APPLICABLE;
    }
    const subnets = [r.properties.SubnetId, ...asArray<any>(r.properties.NetworkInterfaces).map((ni) => ni?.SubnetId)]
      .filter((s) => s !== undefined);
    if (subnets.length === 0) {
      return unverifiable('the instance names no subnet, so it lands in the default VPC');
    }
    // Grouped under every subnet and table an Fn::If may choose: a choice still counts.
    const associations = index.groupByReference('AWS::EC2::SubnetRouteTableAssociation', 'SubnetId');
    const routes = index.groupByReference('AWS::EC2::Route', 'RouteTableId');
    const outcomes: Outcome[] = subnets.map((subnetRef) => {
      const subnet = index.target(subnetRef);
      if (!subnet || subnet.type !== 'AWS::EC2::Subnet') {
        return unverifiable(`subnet ${describe(subnetRef)} is not defined in this stack`);
      }
      const found: Outcome[] = [COMPLIANT];
      for (const assoc of associations.get(subnet.logicalId) ?? []) {
        const tables = [...referencedIds(assoc.properties.RouteTableId)].filter((id) => index.byLogicalId.get(id)?.type === 'AWS::EC2::RouteTable');
        if (tables.length === 0) {
          found.push(unverifiable(`subnet ${subnet.logicalId} uses route table ${describe(assoc.properties.RouteTableId)} (association ` +
            `${assoc.logicalId}), whose routes are not in this stack`));
        }
        for (const route of tables.flatMap((table) => routes.get(table) ?? [])) {
          found.push(judgeRoute(route, subnet.logicalId, index));
        }
      }
      return worst(found);
    });
    return worst(outcomes);
  },
};

