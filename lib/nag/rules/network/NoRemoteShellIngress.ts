import { coversPort, ingressRules } from '../../private/ingress';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';

const SHELL_PORTS = [22, 3389];

/** No inbound SSH or RDP from any source. */
export const NoRemoteShellIngress: RuleDefinition = {
  name: 'NoRemoteShellIngress',
  guarantee: 'G7',
  info: 'The security group admits SSH (22) or RDP (3389).',
  explanation: 'No customer access to the virtual machine level is provided, and operators use Session Manager, ' +
    'which needs no inbound port. Remove ingress rules covering ports 22 and 3389 (including all-ports rules).',
  resourceTypes: ['AWS::EC2::SecurityGroup', 'AWS::EC2::SecurityGroupIngress'],
  evaluate(r, { index }) {
    const rules = ingressRules(r, index);
    if (!rules) {
      return NOT_APPLICABLE;
    }
    for (const rule of rules) {
      if (rule.portsUnresolved) {
        return unverifiable('ingress ports are only known at deploy time');
      }
      const port = SHELL_PORTS.find((p) => coversPort(rule, p));
      if (port !== undefined) {
        return nonCompliant(`ingress covers port ${port}${rule.allPorts ? ' (all ports)' : ''}`);
      }
    }
    return COMPLIANT;
  },
};
