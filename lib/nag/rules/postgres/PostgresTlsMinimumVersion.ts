import { alterSystemStatements } from '../../../postgres/sql-text';
import { bootSqlTexts, hasUnresolved, lastSetting, mayBeSetAtDeploy, PostgresConfFile, postgresConfFiles } from '../../private/postgres-config';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';

const OLD = ['tlsv1', 'tlsv1.0', 'tlsv1.1'];
const SETTINGS = ['ssl_min_protocol_version', 'ssl_max_protocol_version'];

function judgeValue(where: string, name: string, value: string): Outcome {
  if (name === 'ssl_max_protocol_version' && value === '') {
    return COMPLIANT;
  }
  if (hasUnresolved(value)) {
    return unverifiable(`${where}: ${name} is only known at deploy time`);
  }
  return OLD.includes(value.toLowerCase()) ? nonCompliant(`${where}: ${name} = ${value}`) : COMPLIANT;
}

function judgeFile(file: PostgresConfFile): Outcome {
  if (!file.entries) {
    return unverifiable(`${file.origin}: ${file.unreadable}`);
  }
  const outcomes = SETTINGS.map((name) => {
    if (mayBeSetAtDeploy(file, name)) {
      return unverifiable(`${file.origin}: a line that may set ${name} is only known at deploy time`);
    }
    const entry = lastSetting(file, name);
    return entry ? judgeValue(`${file.origin} line ${entry.line}`, name, entry.value) : COMPLIANT;
  });
  return worst(outcomes);
}

/** PostgreSQL config delivered by the template never allows TLS below 1.2. */
export const PostgresTlsMinimumVersion: RuleDefinition = {
  name: 'PostgresTlsMinimumVersion',
  guarantee: 'G3',
  info: 'PostgreSQL configuration in the template allows TLS versions below 1.2.',
  explanation: 'TLS 1.0 and 1.1 are deprecated (RFC 8996). Set ssl_min_protocol_version = \'TLSv1.2\' or \'TLSv1.3\' ' +
    '(the PostgreSQL 12+ default is TLSv1.2) and do not cap ssl_max_protocol_version below TLSv1.2. Every conf file is ' +
    'judged on its own: conf.d fragments apply in name order, so a later fragment with a weaker minimum would win.',
  resourceTypes: ['*'],
  evaluate(r) {
    const files = postgresConfFiles(r);
    const altered = bootSqlTexts(r).flatMap((sql) => alterSystemStatements(sql.text)
      .filter((s) => SETTINGS.includes(s.name) && s.value !== undefined)
      .map((s) => judgeValue(`${sql.origin}: ${s.text}`, s.name, s.value!)));
    if (files.length === 0 && altered.length === 0) {
      return NOT_APPLICABLE;
    }
    return worst([COMPLIANT, ...files.map(judgeFile), ...altered]);
  },
};
