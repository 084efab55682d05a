import { judgeCopy, regionOf } from '../../private/regions';
import { NOT_APPLICABLE, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { asArray, describe, isIntrinsic } from '../../private/values';

/** DynamoDB global tables keep replicas only in allowed Regions. */
export const GlobalTableReplicaRegionAllowed: RuleDefinition = {
  name: 'GlobalTableReplicaRegionAllowed',
  guarantee: 'G8',
  info: 'A DynamoDB global table has a replica outside the allowed regions.',
  explanation: 'GDPR data residency: every replica of a global table holds all of its items. Keep Replicas in ' +
    'allowedRegions (dynamodb.TableV2 replicas).',
  resourceTypes: ['AWS::DynamoDB::GlobalTable'],
  evaluate(r, { options }) {
    const replicas = r.properties.Replicas;
    if (isIntrinsic(replicas)) {
      return unverifiable(`Replicas are ${describe(replicas)}, only known at deploy time`);
    }
    const list = asArray<any>(replicas);
    if (list.length === 0) {
      return NOT_APPLICABLE;
    }
    return worst(list.map((replica) => judgeCopy(regionOf(replica?.Region), `a replica of ${r.logicalId}`, options.allowedRegions ?? [])));
  },
};
