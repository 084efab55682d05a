import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { describe, isIntrinsic, isTrue } from '../../private/values';

type Properties = { [key: string]: any };

/** OpenSearch endpoint policies that admit nothing below TLS 1.2. */
const TLS12_POLICIES = ['Policy-Min-TLS-1-2-2019-07', 'Policy-Min-TLS-1-2-PFS-2023-10'];

/** A flag that must be literally true. */
function mustBeTrue(value: unknown, name: string): Outcome {
  if (isIntrinsic(value)) {
    return unverifiable(`${name} is ${describe(value)}, only known at deploy time`);
  }
  return isTrue(value) ? COMPLIANT : nonCompliant(`${name} is ${value === undefined ? 'not set' : describe(value)}`);
}

/** An object-valued property: unverifiable when an intrinsic. */
function objectOf(value: unknown): Properties | undefined {
  return isIntrinsic(value) ? undefined : (value ?? {}) as Properties;
}

function openSearch(p: Properties): Outcome {
  const endpoint = objectOf(p.DomainEndpointOptions);
  const nodes = objectOf(p.NodeToNodeEncryptionOptions);
  const policy = endpoint?.TLSSecurityPolicy;
  return worst([
    endpoint ? mustBeTrue(endpoint.EnforceHTTPS, 'DomainEndpointOptions.EnforceHTTPS') : unverifiable('DomainEndpointOptions is only known at deploy time'),
    !endpoint ? unverifiable('DomainEndpointOptions is only known at deploy time')
      : isIntrinsic(policy) ? unverifiable(`TLSSecurityPolicy is ${describe(policy)}, only known at deploy time`)
        : TLS12_POLICIES.includes(policy) ? COMPLIANT
          : nonCompliant(`DomainEndpointOptions.TLSSecurityPolicy is ${policy === undefined ? 'not set (the default admits TLS 1.0)' : describe(policy)}`),
    nodes ? mustBeTrue(nodes.Enabled, 'NodeToNodeEncryptionOptions.Enabled') : unverifiable('NodeToNodeEncryptionOptions is only known at deploy time'),
  ]);
}

/** How each data store is told to refuse plaintext connections. */
const JUDGES: { [type: string]: (p: Properties) => Outcome } = {
  'AWS::OpenSearchService::Domain': openSearch,
  'AWS::Elasticsearch::Domain': openSearch,
  'AWS::ElastiCache::ReplicationGroup': (p) => {
    const enabled = mustBeTrue(p.TransitEncryptionEnabled, 'TransitEncryptionEnabled');
    const mode = p.TransitEncryptionMode;
    if (isIntrinsic(mode)) {
      return worst([enabled, unverifiable(`TransitEncryptionMode is ${describe(mode)}, only known at deploy time`)]);
    }
    // 'preferred' accepts plaintext clients too (it exists to migrate to 'required').
    return worst([enabled, mode === undefined || mode === 'required' ? COMPLIANT : nonCompliant(`TransitEncryptionMode is ${describe(mode)}`)]);
  },
  // A cache cluster in a replication group is judged with its group.
  'AWS::ElastiCache::CacheCluster': (p) => p.ReplicationGroupId !== undefined ? NOT_APPLICABLE
    : mustBeTrue(p.TransitEncryptionEnabled, 'TransitEncryptionEnabled'),
  'AWS::MSK::Cluster': (p) => {
    const info = objectOf(p.EncryptionInfo);
    const inTransit = info && objectOf(info.EncryptionInTransit);
    if (!info || !inTransit) {
      return unverifiable('EncryptionInfo.EncryptionInTransit is only known at deploy time');
    }
    const broker = inTransit.ClientBroker;
    const inCluster = inTransit.InCluster;
    return worst([
      isIntrinsic(broker) ? unverifiable(`ClientBroker is ${describe(broker)}, only known at deploy time`)
        : broker === undefined || broker === 'TLS' ? COMPLIANT : nonCompliant(`EncryptionInTransit.ClientBroker is ${describe(broker)}`),
      isIntrinsic(inCluster) ? unverifiable(`InCluster is ${describe(inCluster)}, only known at deploy time`)
        : inCluster === undefined || isTrue(inCluster) ? COMPLIANT : nonCompliant(`EncryptionInTransit.InCluster is ${describe(inCluster)}`),
    ]);
  },
  // MemoryDB turns TLS on unless told otherwise.
  'AWS::MemoryDB::Cluster': (p) => p.TLSEnabled === undefined ? COMPLIANT : mustBeTrue(p.TLSEnabled, 'TLSEnabled'),
  'AWS::DAX::Cluster': (p) => {
    const type = p.ClusterEndpointEncryptionType;
    if (isIntrinsic(type)) {
      return unverifiable(`ClusterEndpointEncryptionType is ${describe(type)}, only known at deploy time`);
    }
    return type === 'TLS' ? COMPLIANT
      : nonCompliant(`ClusterEndpointEncryptionType is ${type === undefined ? 'not set (the default, NONE, is plaintext)' : describe(type)}`);
  },
};

/** Managed data stores refuse plaintext connections, from clients and between their own nodes. */
export const DataStoreTransitEncryption: RuleDefinition = {
  name: 'DataStoreTransitEncryption',
  guarantee: 'G3',
  info: 'The data store accepts plaintext connections from clients or between its nodes.',
  explanation: 'There must be no option for plaintext connections. OpenSearch: EnforceHTTPS true with a TLS 1.2 policy ' +
    '(Policy-Min-TLS-1-2-...) and node-to-node encryption; ElastiCache replication groups and cache clusters: TransitEncryptionEnabled (mode required); ' +
    'MSK: ClientBroker TLS and InCluster true; MemoryDB: TLSEnabled not false; DAX: ClusterEndpointEncryptionType TLS.',
  resourceTypes: Object.keys(JUDGES),
  evaluate(r) {
    const judge = JUDGES[r.type];
    return judge ? judge(r.properties) : NOT_APPLICABLE;
  },
};
