import { judgeInstanceId, judgeNetworkInterfaceId } from '../../private/database-exposure';
import { NOT_APPLICABLE, Outcome, RuleDefinition, worst } from '../../private/rule';

/** No Elastic IP is attached to a database host or to its network interface. */
export const DatabaseHostNoElasticIp: RuleDefinition = {
  name: 'DatabaseHostNoElasticIp',
  guarantee: 'G4',
  info: 'An Elastic IP or EIP association gives a database host (or its network interface) a public address.',
  explanation: 'Services can only be connected to from the customer\'s peered VPC using private addresses. Remove the ' +
    'AWS::EC2::EIP InstanceId or the AWS::EC2::EIPAssociation that targets a database host or its network interface.',
  resourceTypes: ['AWS::EC2::EIP', 'AWS::EC2::EIPAssociation'],
  evaluate(r, { index }) {
    const { InstanceId: instance, NetworkInterfaceId: eni } = r.properties;
    const outcomes: Outcome[] = [];
    if (instance !== undefined) {
      outcomes.push(judgeInstanceId(instance, `${r.type} ${r.logicalId}`, index));
    }
    if (eni !== undefined && r.type === 'AWS::EC2::EIPAssociation') {
      outcomes.push(judgeNetworkInterfaceId(eni, `${r.type} ${r.logicalId}`, index));
    }
    return outcomes.length === 0 ? NOT_APPLICABLE : worst(outcomes);
  },
};
