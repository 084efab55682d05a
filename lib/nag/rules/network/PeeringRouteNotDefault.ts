import { isAnywhere } from '../../private/cidr';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';

/** Routes over VPC peering are specific, never a default route. */
export const PeeringRouteNotDefault: RuleDefinition = {
  name: 'PeeringRouteNotDefault',
  guarantee: 'G4',
  info: 'A default route (0.0.0.0/0 or ::/0) points at a VPC peering connection.',
  explanation: 'Peering connects exactly the customer\'s VPC; a default route sends all traffic there and hides ' +
    'routing mistakes. Route only the customer CIDRs over the peering connection.',
  resourceTypes: ['AWS::EC2::Route'],
  evaluate(r) {
    if (r.type !== 'AWS::EC2::Route' || r.properties.VpcPeeringConnectionId === undefined) {
      return NOT_APPLICABLE;
    }
    const destination = r.properties.DestinationCidrBlock ?? r.properties.DestinationIpv6CidrBlock;
    if (typeof destination !== 'string') {
      return unverifiable('the route destination is only known at deploy time');
    }
    return isAnywhere(destination) ? nonCompliant(`destination ${destination} over peering`) : COMPLIANT;
  },
};
