import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition } from '../../private/rule';

const RETAIN = ['Retain', 'RetainExceptOnCreate'];
const RETAIN_OR_SNAPSHOT = ['Retain', 'RetainExceptOnCreate', 'Snapshot'];

/** Stateful types and the deletion policies that keep their data. */
const STATEFUL: { [type: string]: string[] } = {
  'AWS::EC2::Volume': RETAIN_OR_SNAPSHOT,
  'AWS::RDS::DBInstance': RETAIN_OR_SNAPSHOT,
  'AWS::RDS::DBCluster': RETAIN_OR_SNAPSHOT,
  'AWS::S3::Bucket': RETAIN,
  'AWS::Logs::LogGroup': RETAIN,
  'AWS::SecretsManager::Secret': RETAIN,
  'AWS::Backup::BackupVault': RETAIN,
  'AWS::DynamoDB::Table': RETAIN,
  'AWS::EFS::FileSystem': RETAIN,
};

/** Stateful resources keep their data when the stack is deleted or the resource replaced. */
export const StatefulResourceRetained: RuleDefinition = {
  name: 'StatefulResourceRetained',
  guarantee: 'G5',
  info: 'The stateful resource would be deleted with the stack or on replacement.',
  explanation: 'Automated lifecycle must never lose data: volumes, buckets, log groups, secrets, vaults and ' +
    'databases need DeletionPolicy and UpdateReplacePolicy Retain (or Snapshot where supported): ' +
    'RemovalPolicy.RETAIN or RemovalPolicy.SNAPSHOT.',
  resourceTypes: Object.keys(STATEFUL),
  evaluate(r) {
    const accepted = STATEFUL[r.type];
    if (!accepted) {
      return NOT_APPLICABLE;
    }
    if (!accepted.includes(r.deletionPolicy ?? 'Delete')) {
      return nonCompliant(`DeletionPolicy is ${r.deletionPolicy ?? 'Delete (default)'}; accepted: ${accepted.join(', ')}`);
    }
    if (!accepted.includes(r.updateReplacePolicy ?? 'Delete')) {
      return nonCompliant(`UpdateReplacePolicy is ${r.updateReplacePolicy ?? 'Delete (default)'}; accepted: ${accepted.join(', ')}`);
    }
    return COMPLIANT;
  },
};
