import { hasUnresolved, postgresConfigSources } from '../../private/postgres-config';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable } from '../../private/rule';

const WEAK_METHODS = ['trust', 'password', 'md5'];

/** PostgreSQL config delivered by the template refuses plaintext connections. */
export const PostgresRefusesPlaintext: RuleDefinition = {
  name: 'PostgresRefusesPlaintext',
  guarantee: 'G3',
  info: 'PostgreSQL configuration in the template admits plaintext connections or weak authentication.',
  explanation: 'There is no option for unencrypted plaintext connections. In pg_hba.conf use only hostssl lines with ' +
    'scram-sha-256 (or cert), end with "hostnossl all all 0.0.0.0/0 reject" / "::/0 reject", never "host" lines or ' +
    'trust/password/md5 on network lines; set ssl = on in postgresql.conf.',
  resourceTypes: ['*'],
  evaluate(r) {
    const sources = postgresConfigSources(r);
    if (sources.length === 0) {
      return NOT_APPLICABLE;
    }
    for (const source of sources) {
      for (const line of source.hba) {
        if (hasUnresolved(line.type) || hasUnresolved(line.method)) {
          return unverifiable(`${source.origin}: "${line.text}" is only known at deploy time`);
        }
        if ((line.type === 'host' || line.type === 'hostnossl') && line.method !== 'reject') {
          return nonCompliant(`${source.origin}: "${line.text}" admits connections without TLS`);
        }
        if (line.type !== 'local' && WEAK_METHODS.includes(line.method)) {
          return nonCompliant(`${source.origin}: "${line.text}" uses ${line.method} authentication`);
        }
      }
      const ssl = source.settings.get('ssl');
      if (ssl !== undefined && hasUnresolved(ssl)) {
        return unverifiable(`${source.origin}: ssl is only known at deploy time`);
      }
      if (ssl !== undefined && !['on', 'true', 'yes', '1'].includes(ssl.toLowerCase())) {
        return nonCompliant(`${source.origin}: ssl = ${ssl}`);
      }
    }
    const conf = sources.filter((s) => s.isPostgresConf);
    if (conf.length > 0 && !sources.some((s) => s.settings.has('ssl'))) {
      return nonCompliant(`no postgresql.conf fragment (${conf.map((s) => s.origin).join(', ')}) sets ssl = on`);
    }
    return COMPLIANT;
  },
};
