import { databaseHosts } from '../../private/database-hosts';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition } from '../../private/rule';

/** A stack that holds database hosts has no internet gateway at all. */
export const NoInternetGatewayWithDatabase: RuleDefinition = {
  name: 'NoInternetGatewayWithDatabase',
  guarantee: 'G4',
  info: 'The stack holds a database host (tagged timescale:service) and an internet gateway.',
  explanation: 'The service network has no path to or from the internet. Remove public subnets and the internet ' +
    'gateway (ec2.Vpc natGateways: 0 with only PRIVATE_ISOLATED subnets); use VPC endpoints for AWS APIs.',
  resourceTypes: ['AWS::EC2::InternetGateway'],
  evaluate(r, { index }) {
    if (r.type !== 'AWS::EC2::InternetGateway') {
      return NOT_APPLICABLE;
    }
    const hosts = databaseHosts(index);
    return hosts.length > 0 ? nonCompliant(`database host ${hosts[0].logicalId} shares the stack with this internet gateway`) : COMPLIANT;
  },
};
