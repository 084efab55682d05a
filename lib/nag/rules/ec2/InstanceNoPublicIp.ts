import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { asArray, isIntrinsic, isTrue } from '../../private/values';

/** Instances and launch templates do not request public IP addresses. */
export const InstanceNoPublicIp: RuleDefinition = {
  name: 'InstanceNoPublicIp',
  guarantee: 'G4',
  info: 'The instance or launch template associates a public IP address.',
  explanation: 'Services are reachable only from the peered customer VPC over private addresses. Remove ' +
    'AssociatePublicIpAddress (or set it to false) and place hosts in isolated subnets.',
  resourceTypes: ['AWS::EC2::Instance', 'AWS::EC2::LaunchTemplate'],
  evaluate(r) {
    let interfaces: unknown;
    if (r.type === 'AWS::EC2::Instance') {
      interfaces = r.properties.NetworkInterfaces;
    } else if (r.type === 'AWS::EC2::LaunchTemplate') {
      interfaces = r.properties.LaunchTemplateData?.NetworkInterfaces;
    } else {
      return NOT_APPLICABLE;
    }
    if (isIntrinsic(interfaces)) {
      return unverifiable('NetworkInterfaces are only known at deploy time');
    }
    for (const ni of asArray<any>(interfaces)) {
      if (isIntrinsic(ni?.AssociatePublicIpAddress)) {
        return unverifiable('AssociatePublicIpAddress is only known at deploy time');
      }
      if (isTrue(ni?.AssociatePublicIpAddress)) {
        return nonCompliant(`network interface ${ni.DeviceIndex ?? ''} has AssociatePublicIpAddress: true`);
      }
    }
    return COMPLIANT;
  },
};
