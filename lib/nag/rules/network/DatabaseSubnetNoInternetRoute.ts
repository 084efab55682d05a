import { isDatabaseHost } from '../../private/database-hosts';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, referencedLogicalId } from '../../private/values';

/** Subnets that hold database hosts have no route to an internet gateway. */
export const DatabaseSubnetNoInternetRoute: RuleDefinition = {
  name: 'DatabaseSubnetNoInternetRoute',
  guarantee: 'G4',
  info: 'A database host (tagged timescale:service) sits in a subnet with a route to an internet gateway.',
  explanation: 'No public Internet-based access is provided: database subnets are isolated. Place hosts in ' +
    'PRIVATE_ISOLATED subnets and reach AWS APIs through VPC endpoints.',
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
    const associations = index.groupByReference('AWS::EC2::SubnetRouteTableAssociation', 'SubnetId');
    const routes = index.groupByReference('AWS::EC2::Route', 'RouteTableId');
    const outcomes: Outcome[] = subnets.map((subnetRef) => {
      const subnet = index.target(subnetRef);
      if (!subnet || subnet.type !== 'AWS::EC2::Subnet') {
        return unverifiable(`subnet ${describe(subnetRef)} is not defined in this stack`);
      }
      for (const assoc of associations.get(subnet.logicalId) ?? []) {
        const table = referencedLogicalId(assoc.properties.RouteTableId);
        for (const route of (table && routes.get(table)) || []) {
          const gateway = route.properties.GatewayId;
          const target = index.target(gateway);
          if (target?.type === 'AWS::EC2::InternetGateway' || (typeof gateway === 'string' && gateway.startsWith('igw-'))) {
            return nonCompliant(`subnet ${subnet.logicalId} routes ${route.properties.DestinationCidrBlock ?? route.properties.DestinationIpv6CidrBlock} to internet gateway ${target?.logicalId ?? gateway}`);
          }
        }
      }
      return COMPLIANT;
    });
    return worst(outcomes);
  },
};
