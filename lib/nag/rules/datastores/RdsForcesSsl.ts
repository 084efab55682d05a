import { isClusterMember } from '../../private/datastores';
import { RenderedResource, StackIndex } from '../../private/rendered';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable } from '../../private/rule';
import { describe, isIntrinsic } from '../../private/values';

/**
 * What a PostgreSQL engine does without `rds.force_ssl` in its parameter group: RDS for PostgreSQL
 * requires TLS by default from major version 15 on; earlier versions and Aurora PostgreSQL default to 0.
 */
function defaultForceSsl(engineOrFamily: string, version: unknown, where: string): Outcome {
  if (/aurora/i.test(engineOrFamily)) {
    return nonCompliant(`${where}: rds.force_ssl is not set and defaults to 0 on Aurora PostgreSQL`);
  }
  const fromFamily = /^postgres(\d+)/i.exec(engineOrFamily);
  const major = fromFamily ? Number(fromFamily[1]) : typeof version === 'string' ? Number(version.split('.')[0]) : NaN;
  if (Number.isNaN(major)) {
    return unverifiable(`${where}: rds.force_ssl is not set and the engine version ${describe(version)} that decides its default is only known at deploy time`);
  }
  return major >= 15 ? COMPLIANT : nonCompliant(`${where}: rds.force_ssl is not set and defaults to 0 before PostgreSQL 15 (version ${major})`);
}

/** The parameter group named by a literal name (as `DBParameterGroupName` of a group in this stack), else undefined. */
function groupByName(index: StackIndex, type: string, nameProperty: string, name: string): RenderedResource | undefined {
  return index.memo(`rds-groups:${type}`, () => {
    const byName = new Map<string, RenderedResource>();
    for (const g of index.byType(type)) {
      const n = g.properties[nameProperty];
      if (typeof n === 'string') {
        byName.set(n.toLowerCase(), g);
      }
    }
    return byName;
  }).get(name.toLowerCase());
}

const KINDS: { [type: string]: { groupProperty: string; groupType: string; nameProperty: string } } = {
  'AWS::RDS::DBInstance': { groupProperty: 'DBParameterGroupName', groupType: 'AWS::RDS::DBParameterGroup', nameProperty: 'DBParameterGroupName' },
  'AWS::RDS::DBCluster': { groupProperty: 'DBClusterParameterGroupName', groupType: 'AWS::RDS::DBClusterParameterGroup', nameProperty: 'DBClusterParameterGroupName' },
};

/** RDS and Aurora PostgreSQL refuse connections without TLS (`rds.force_ssl` = 1 in the parameter group in effect). */
export const RdsForcesSsl: RuleDefinition = {
  name: 'RdsForcesSsl',
  guarantee: 'G3',
  info: 'The RDS or Aurora PostgreSQL database accepts connections without TLS (rds.force_ssl is not 1).',
  explanation: 'PostgreSQL on RDS accepts plaintext connections unless rds.force_ssl is 1 in the parameter group in effect ' +
    '(the DB parameter group of an instance, the cluster parameter group of a cluster). It defaults to 1 only on RDS for ' +
    'PostgreSQL 15 and later. Attach a parameter group with rds.force_ssl: 1.',
  resourceTypes: Object.keys(KINDS),
  evaluate(r, { index }) {
    const kind = KINDS[r.type];
    const p = r.properties;
    // Aurora instances take rds.force_ssl from their cluster's parameter group.
    if (!kind || (r.type === 'AWS::RDS::DBInstance' && isClusterMember(p))) {
      return NOT_APPLICABLE;
    }
    if (isIntrinsic(p.Engine)) {
      return unverifiable(`Engine is ${describe(p.Engine)}, only known at deploy time`);
    }
    if (typeof p.Engine !== 'string' || !/postgres/i.test(p.Engine)) {
      return NOT_APPLICABLE;
    }
    const ref = p[kind.groupProperty];
    if (ref === undefined) {
      return defaultForceSsl(p.Engine, p.EngineVersion, 'default parameter group');
    }
    const group = index.target(ref) ?? (typeof ref === 'string' ? groupByName(index, kind.groupType, kind.nameProperty, ref) : undefined);
    if (!group) {
      if (typeof ref === 'string' && ref.toLowerCase().startsWith('default.')) {
        return defaultForceSsl(ref.slice('default.'.length), p.EngineVersion, ref);
      }
      return unverifiable(`${kind.groupProperty} ${describe(ref)} is not a parameter group of this stack`);
    }
    const where = `parameter group ${group.logicalId}`;
    const parameters = group.properties.Parameters;
    if (isIntrinsic(parameters)) {
      return unverifiable(`${where}: Parameters are only known at deploy time`);
    }
    const value = parameters?.['rds.force_ssl'];
    if (value === undefined) {
      const family = group.properties.Family;
      return typeof family === 'string' ? defaultForceSsl(family, p.EngineVersion, where)
        : unverifiable(`${where}: rds.force_ssl is not set and the Family ${describe(family)} that decides its default is only known at deploy time`);
    }
    if (isIntrinsic(value)) {
      return unverifiable(`${where}: rds.force_ssl is ${describe(value)}, only known at deploy time`);
    }
    return String(value).trim() === '1' ? COMPLIANT : nonCompliant(`${where}: rds.force_ssl is ${describe(value)}`);
  },
};
