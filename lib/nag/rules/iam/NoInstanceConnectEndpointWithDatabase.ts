import { canBeDatabaseHost } from '../../private/database-hosts';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';

/** No EC2 Instance Connect endpoint beside database hosts. */
export const NoInstanceConnectEndpointWithDatabase: RuleDefinition = {
  name: 'NoInstanceConnectEndpointWithDatabase',
  guarantee: 'G7',
  info: 'An EC2 Instance Connect endpoint is created in a stack with database hosts.',
  explanation: 'An Instance Connect endpoint opens SSH and RDP tunnels to private instances past Session Manager, ' +
    'so past session logging and the session document, for whoever holds ec2-instance-connect:OpenTunnel. No customer ' +
    'access to the virtual machine level is provided and operators enter through logged sessions only: remove the ' +
    'endpoint. A database host is an instance tagged timescale:role = database, or timescale:service without ' +
    'timescale:role = bastion.',
  resourceTypes: ['AWS::EC2::InstanceConnectEndpoint'],
  evaluate(r, { index }) {
    if (r.type !== 'AWS::EC2::InstanceConnectEndpoint') {
      return NOT_APPLICABLE;
    }
    const hosts = index.memo('database-host-verdicts', () => index.byType('AWS::EC2::Instance').map((i) => [i.logicalId, canBeDatabaseHost(i)] as const));
    const host = hosts.find(([, v]) => v === 'yes');
    if (host) {
      return nonCompliant(`the stack has database host ${host[0]}`);
    }
    const maybe = hosts.find(([, v]) => v === 'unknown');
    return maybe ? unverifiable(`whether instance ${maybe[0]} is a database host is only known at deploy time (its tags are tokens)`) : COMPLIANT;
  },
};
