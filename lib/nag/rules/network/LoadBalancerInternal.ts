import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { describe, isIntrinsic } from '../../private/values';

const TYPES = ['AWS::ElasticLoadBalancingV2::LoadBalancer', 'AWS::ElasticLoadBalancing::LoadBalancer'];

/** Load balancers are internal; internet-facing is CloudFormation's default when Scheme is absent. */
export const LoadBalancerInternal: RuleDefinition = {
  name: 'LoadBalancerInternal',
  guarantee: 'G4',
  info: 'The load balancer is internet-facing.',
  explanation: 'Service endpoints are reachable only over private addresses from the peered VPC. Set Scheme: internal ' +
    '(internetFacing: false). A missing Scheme means internet-facing.',
  resourceTypes: TYPES,
  evaluate(r) {
    if (!TYPES.includes(r.type)) {
      return NOT_APPLICABLE;
    }
    if (r.properties.Type === 'gateway') {
      return NOT_APPLICABLE;
    }
    const scheme = r.properties.Scheme;
    if (isIntrinsic(scheme)) {
      return unverifiable(`Scheme is ${describe(scheme)}, only known at deploy time`);
    }
    return scheme === 'internal' ? COMPLIANT : nonCompliant(`Scheme is ${scheme ?? 'not set (internet-facing)'}`);
  },
};
