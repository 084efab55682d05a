import { isAnywhere } from '../../private/cidr';
import { ingressRules } from '../../private/ingress';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { describe } from '../../private/values';

/** Security groups admit nothing from the whole internet. */
export const IngressNotFromAnywhere: RuleDefinition = {
  name: 'IngressNotFromAnywhere',
  guarantee: 'G4',
  info: 'The security group admits traffic from 0.0.0.0/0 or ::/0.',
  explanation: 'Services can only be connected to from the customer\'s peered VPC using private addresses. Allow ' +
    'ingress from the peered CIDRs or from security groups, never from anywhere.',
  resourceTypes: ['AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupIngress'],
  evaluate(r, { index }) {
    const rules = ingressRules(r, index);
    if (!rules) {
      return NOT_APPLICABLE;
    }
    const open = rules.find((rule) => rule.cidr !== undefined && isAnywhere(rule.cidr));
    if (open) {
      return nonCompliant(`ingress from ${open.cidr} on ${open.allPorts ? 'all ports' : `ports ${open.fromPort}-${open.toPort}`}`);
    }
    const unknown = rules.find((rule) => rule.sourceKind === 'unresolved');
    if (unknown) {
      return unverifiable(`ingress source ${describe(unknown.unresolvedSource)} is only known at deploy time`);
    }
    return COMPLIANT;
  },
};
