import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition } from '../../private/rule';
import { describe } from '../../private/values';

/** No SSH key pairs on hosts: the only way in is Session Manager. */
export const NoSshKeyPair: RuleDefinition = {
  name: 'NoSshKeyPair',
  guarantee: 'G7',
  info: 'An SSH key pair is created or attached to a host.',
  explanation: 'No customer access to the virtual machine level is provided, and operators log in through audited ' +
    'Session Manager sessions only. Remove KeyName / AWS::EC2::KeyPair; use Session Manager for troubleshooting.',
  resourceTypes: ['AWS::EC2::Instance', 'AWS::EC2::LaunchTemplate', 'AWS::EC2::KeyPair'],
  evaluate(r) {
    if (r.type === 'AWS::EC2::KeyPair') {
      return nonCompliant(`key pair ${describe(r.properties.KeyName ?? r.logicalId)} is created`);
    }
    const keyName = r.type === 'AWS::EC2::Instance' ? r.properties.KeyName
      : r.type === 'AWS::EC2::LaunchTemplate' ? r.properties.LaunchTemplateData?.KeyName : NOT_APPLICABLE;
    if (keyName === NOT_APPLICABLE) {
      return NOT_APPLICABLE;
    }
    return keyName === undefined || keyName === '' ? COMPLIANT : nonCompliant(`KeyName is ${describe(keyName)}`);
  },
};
