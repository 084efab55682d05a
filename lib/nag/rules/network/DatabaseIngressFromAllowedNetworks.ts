import { cidrWithin, isAnywhere, isPublicCidr } from '../../private/cidr';
import { coversPort, ingressRules } from '../../private/ingress';
import { prefixListCidrs } from '../../private/ingress-union';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { describe } from '../../private/values';

function judgeCidr(cidr: string, port: number, allowed: string[] | undefined): Outcome {
  if (isAnywhere(cidr)) {
    return nonCompliant(`port ${port} is open to ${cidr}`);
  }
  if (isPublicCidr(cidr)) {
    return nonCompliant(`port ${port} is open to ${cidr}, which holds public addresses`);
  }
  if (allowed && !allowed.some((a) => cidrWithin(cidr, a))) {
    return nonCompliant(`port ${port} is open to ${cidr}, outside ${allowed.join(', ')}`);
  }
  return COMPLIANT;
}

/** The database port is reachable only from the allowed (peered customer) networks. */
export const DatabaseIngressFromAllowedNetworks: RuleDefinition = {
  name: 'DatabaseIngressFromAllowedNetworks',
  guarantee: 'G4',
  info: 'The security group admits the database port from a network outside the allowed networks.',
  explanation: 'Only the customer\'s peered VPC may reach the database. Restrict ingress on the database port to the ' +
    'CIDRs passed as allowedDatabaseCidrs (or to security groups). Public address space is never allowed, with or ' +
    'without allowedDatabaseCidrs: peered networks use private addresses.',
  resourceTypes: ['AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupIngress'],
  evaluate(r, { index, options }) {
    const rules = ingressRules(r, index);
    if (!rules) {
      return NOT_APPLICABLE;
    }
    const port = options.databasePort;
    const allowed = options.allowedDatabaseCidrs;
    const outcomes: Outcome[] = [];
    for (const rule of rules) {
      if (rule.portsUnresolved) {
        outcomes.push(rule.sourceKind === 'group' ? COMPLIANT : unverifiable('ingress ports are only known at deploy time'));
        continue;
      }
      if (!coversPort(rule, port)) {
        continue;
      }
      if (rule.sourceKind === 'group') {
        outcomes.push(COMPLIANT);
      } else if (rule.sourceKind === 'cidr') {
        outcomes.push(judgeCidr(rule.cidr!, port, allowed));
      } else if (rule.sourceKind === 'prefix-list' && Array.isArray(prefixListCidrs(rule.unresolvedSource, index))) {
        const list = index.target(rule.unresolvedSource)!.logicalId;
        for (const cidr of prefixListCidrs(rule.unresolvedSource, index) as string[]) {
          const o = judgeCidr(cidr, port, allowed);
          outcomes.push(o.detail ? { ...o, detail: `${o.detail} (prefix list ${list})` } : o);
        }
      } else {
        outcomes.push(unverifiable(`port ${port} is open to ${describe(rule.unresolvedSource)}, only known at deploy time`));
      }
    }
    return outcomes.length === 0 ? NOT_APPLICABLE : worst(outcomes);
  },
};
