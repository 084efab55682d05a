import { hasUnresolved, postgresConfigSources } from '../../private/postgres-config';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';

const OLD = ['tlsv1', 'tlsv1.0', 'tlsv1.1'];

/** PostgreSQL config delivered by the template never allows TLS below 1.2. */
export const PostgresTlsMinimumVersion: RuleDefinition = {
  name: 'PostgresTlsMinimumVersion',
  guarantee: 'G3',
  info: 'PostgreSQL configuration in the template allows TLS versions below 1.2.',
  explanation: 'TLS 1.0 and 1.1 are deprecated (RFC 8996). Set ssl_min_protocol_version = \'TLSv1.2\' or \'TLSv1.3\' ' +
    '(the PostgreSQL 12+ default is TLSv1.2) and do not cap ssl_max_protocol_version below TLSv1.2.',
  resourceTypes: ['*'],
  evaluate(r) {
    const sources = postgresConfigSources(r).filter((s) => s.settings.size > 0);
    if (sources.length === 0) {
      return NOT_APPLICABLE;
    }
    for (const source of sources) {
      for (const key of ['ssl_min_protocol_version', 'ssl_max_protocol_version']) {
        const value = source.settings.get(key);
        if (value === undefined || (key === 'ssl_max_protocol_version' && value === '')) {
          continue;
        }
        if (hasUnresolved(value)) {
          return unverifiable(`${source.origin}: ${key} is only known at deploy time`);
        }
        if (OLD.includes(value.toLowerCase())) {
          return nonCompliant(`${source.origin}: ${key} = ${value}`);
        }
      }
    }
    return COMPLIANT;
  },
};
