import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { isIntrinsic, isTrue } from '../../private/values';

/** Subnets do not hand out public IP addresses. */
export const SubnetNoPublicIp: RuleDefinition = {
  name: 'SubnetNoPublicIp',
  guarantee: 'G4',
  info: 'The subnet assigns public IP addresses to instances launched in it.',
  explanation: 'No public Internet-based access is provided. Use isolated subnets (ec2.SubnetType.PRIVATE_ISOLATED) ' +
    'with MapPublicIpOnLaunch false.',
  resourceTypes: ['AWS::EC2::Subnet'],
  evaluate(r) {
    if (r.type !== 'AWS::EC2::Subnet') {
      return NOT_APPLICABLE;
    }
    const value = r.properties.MapPublicIpOnLaunch;
    if (isIntrinsic(value)) {
      return unverifiable('MapPublicIpOnLaunch is only known at deploy time');
    }
    return isTrue(value) ? nonCompliant('MapPublicIpOnLaunch is true') : COMPLIANT;
  },
};
