import { isClusterMember } from '../../private/datastores';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';
import { describe, isIntrinsic } from '../../private/values';

/** RDS instances and clusters keep automated backups (BackupRetentionPeriod is not 0). */
export const RdsBackupsEnabled: RuleDefinition = {
  name: 'RdsBackupsEnabled',
  guarantee: 'G5',
  info: 'The RDS database has automated backups turned off (BackupRetentionPeriod 0).',
  explanation: 'Automated lifecycle must never lose data: a BackupRetentionPeriod of 0 turns off automated backups and ' +
    'point-in-time restore. Keep at least 1 day (the default when the property is absent); set backupRetention in the L2.',
  resourceTypes: ['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster'],
  evaluate(r) {
    if (r.type !== 'AWS::RDS::DBInstance' && r.type !== 'AWS::RDS::DBCluster') {
      return NOT_APPLICABLE;
    }
    // An Aurora instance's backups are its cluster's.
    if (r.type === 'AWS::RDS::DBInstance' && isClusterMember(r.properties)) {
      return NOT_APPLICABLE;
    }
    const value = r.properties.BackupRetentionPeriod;
    if (isIntrinsic(value)) {
      return unverifiable(`BackupRetentionPeriod is ${describe(value)}, only known at deploy time`);
    }
    return value !== undefined && Number(value) === 0 ? nonCompliant(`BackupRetentionPeriod is ${describe(value)}`) : COMPLIANT;
  },
};
