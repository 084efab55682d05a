import { parseCidr } from '../../../private/cidr';
import { isAnywhere } from '../../private/cidr';
import { ingressRules } from '../../private/ingress';
import { describeUnion, openIngressUnion, prefixListCidrs } from '../../private/ingress-union';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { describe } from '../../private/values';

/** Security groups admit nothing from the whole internet, in one rule or in pieces. */
export const IngressNotFromAnywhere: RuleDefinition = {
  name: 'IngressNotFromAnywhere',
  guarantee: 'G4',
  info: 'The security group admits traffic from 0.0.0.0/0 or ::/0, or from CIDRs that together cover every public address.',
  explanation: 'Services can only be connected to from the customer\'s peered VPC using private addresses. Allow ' +
    'ingress from the peered CIDRs or from security groups, never from anywhere; splitting anywhere into pieces ' +
    '(0.0.0.0/1 + 128.0.0.0/1, or rules spread over standalone AWS::EC2::SecurityGroupIngress resources) is the same.',
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
    const union = openIngressUnion(r, index);
    if (union) {
      return nonCompliant(`${describeUnion(union)} (written in ${[...union.members].join(', ')})`);
    }
    // A literal this rule cannot read as a CIDR ('0.0.0.0/00') may still be one EC2 accepts.
    const unreadable = rules.find((rule) => rule.cidr !== undefined && typeof parseCidr(rule.cidr) === 'string');
    if (unreadable) {
      return unverifiable(`ingress source '${unreadable.cidr}' is not a CIDR this rule can read: ${parseCidr(unreadable.cidr!)}`);
    }
    const unknown = rules.find((rule) => rule.sourceKind === 'unresolved' ||
      (rule.sourceKind === 'prefix-list' && prefixListCidrs(rule.unresolvedSource, index) === 'unknown'));
    if (unknown) {
      return unverifiable(`ingress source ${describe(unknown.unresolvedSource)} ${unknown.sourceKind === 'prefix-list' ? 'holds entries' : 'is'} only known at deploy time`);
    }
    return COMPLIANT;
  },
};
