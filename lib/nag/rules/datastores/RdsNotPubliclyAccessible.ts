import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { describe, isIntrinsic, isTrue } from '../../private/values';

/** RDS instances and Multi-AZ DB clusters say PubliclyAccessible: false. */
export const RdsNotPubliclyAccessible: RuleDefinition = {
  name: 'RdsNotPubliclyAccessible',
  guarantee: 'G4',
  info: 'The RDS database is, or may be, publicly accessible.',
  explanation: 'Databases are reachable only over private addresses from the peered customer VPC. Set PubliclyAccessible: ' +
    'false: when it is absent RDS makes the database public if its subnets (or the default VPC) have an internet gateway.',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'],
  evaluate(r) {
    const p = r.properties;
    if (r.type === 'AWS::RDS::DBCluster') {
      // Only Multi-AZ DB clusters (non-Aurora engines) have the setting; Aurora instances carry it.
      if (isIntrinsic(p.Engine)) {
        return unverifiable(`Engine is ${describe(p.Engine)}, only known at deploy time`);
      }
      if (typeof p.Engine !== 'string' || p.Engine.startsWith('aurora')) {
        return NOT_APPLICABLE;
      }
    } else if (r.type !== 'AWS::RDS::DBInstance') {
      return NOT_APPLICABLE;
    }
    const value = p.PubliclyAccessible;
    if (isIntrinsic(value)) {
      return unverifiable(`PubliclyAccessible is ${describe(value)}, only known at deploy time`);
    }
    if (value === undefined) {
      return nonCompliant('PubliclyAccessible is not set: the database is public when its VPC has an internet gateway');
    }
    return isTrue(value) ? nonCompliant('PubliclyAccessible is true') : COMPLIANT;
  },
};
