import { judgeKey } from './kms';
import { StackIndex } from './rendered';
import { nonCompliant, Outcome, unverifiable } from './rule';
import { describe, isIntrinsic, isTrue } from './values';

/**
 * Judges an "encryption on" flag and the key beside it: the flag must be true (or absent where the
 * service always encrypts, `alwaysOn`) and the key customer-managed.
 */
export function judgeFlagAndKey(
  flag: { name: string; value: unknown; alwaysOn?: boolean },
  key: { name: string; value: unknown },
  index: StackIndex,
): Outcome {
  if (isIntrinsic(flag.value)) {
    return unverifiable(`${flag.name} is ${describe(flag.value)}, only known at deploy time`);
  }
  if (flag.value === undefined && !flag.alwaysOn) {
    return nonCompliant(`${flag.name} is not set, so the data is stored unencrypted`);
  }
  if (flag.value !== undefined && !isTrue(flag.value)) {
    return nonCompliant(`${flag.name} is ${describe(flag.value)}`);
  }
  return judgeKey(key.value, index, key.name);
}

/** An Aurora DB instance: its storage, backups and TLS parameters belong to its cluster. */
export function isClusterMember(properties: { [key: string]: any }): boolean {
  return properties.DBClusterIdentifier !== undefined;
}

/** The property a DB instance or cluster copies its data (and its encryption) from, if any. */
export function rdsDataSource(properties: { [key: string]: any }): string | undefined {
  return ['DBSnapshotIdentifier', 'SourceDBInstanceIdentifier', 'SourceDBInstanceAutomatedBackupsArn', 'SnapshotIdentifier',
    'SourceDBClusterIdentifier', 'RestoreToTime', 'ReplicationSourceIdentifier']
    .find((p) => properties[p] !== undefined);
}
