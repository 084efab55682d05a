import { judgeCopy, regionOf } from '../../private/regions';
import { NOT_APPLICABLE, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic } from '../../private/values';

/** Secrets Manager replicates secrets only to allowed Regions. */
export const SecretReplicaRegionAllowed: RuleDefinition = {
  name: 'SecretReplicaRegionAllowed',
  guarantee: 'G8',
  info: 'A secret is replicated to a region outside the allowed regions.',
  explanation: 'GDPR data residency: secrets (database credentials, keys) stay in the agreed regions. Remove ReplicaRegions ' +
    'outside allowedRegions (secretsmanager.Secret replicaRegions).',
  resourceTypes: ['AWS::SecretsManager::Secret'],
  evaluate(r, { options }) {
    const replicas = r.properties.ReplicaRegions;
    if (replicas === undefined) {
      return NOT_APPLICABLE;
    }
    if (isIntrinsic(replicas)) {
      return unverifiable(`ReplicaRegions are ${describe(replicas)}, only known at deploy time`);
    }
    const list = asArray<any>(replicas);
    if (list.length === 0) {
      return NOT_APPLICABLE;
    }
    return worst(list.map((replica) => judgeCopy(regionOf(replica?.Region), `a replica of ${r.logicalId}`, options.allowedRegions ?? [])));
  },
};
