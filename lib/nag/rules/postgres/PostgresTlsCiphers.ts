import { weakCipherSuites } from '../../../postgres/cipher-string';
import { alterSystemStatements } from '../../../postgres/sql-text';
import { bootSqlTexts, hasUnresolved, lastSetting, mayBeSetAtDeploy, PostgresConfFile, postgresConfFiles } from '../../private/postgres-config';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';

/** PostgreSQL's built-in ssl_ciphers, used when no file sets it: it includes static-RSA and 3DES suites. */
const POSTGRES_DEFAULT_CIPHERS = 'HIGH:MEDIUM:+3DES:!aNULL';

function judgeCiphers(where: string, value: string): Outcome {
  if (hasUnresolved(value)) {
    return unverifiable(`${where}: ssl_ciphers is only known at deploy time`);
  }
  const weak = weakCipherSuites(value);
  if (weak.length === 0) {
    return COMPLIANT;
  }
  const reasons = [...new Set(weak.map((w) => w.why))];
  return nonCompliant(`${where}: ssl_ciphers = '${value}' enables ${weak.length} weak suite(s), e.g. ${weak[0].suite} (${reasons.join('; ')})`);
}

function judgeFile(file: PostgresConfFile): Outcome {
  if (!file.entries) {
    return unverifiable(`${file.origin}: ${file.unreadable}`);
  }
  if (mayBeSetAtDeploy(file, 'ssl_ciphers')) {
    return unverifiable(`${file.origin}: a line that may set ssl_ciphers is only known at deploy time`);
  }
  const entry = lastSetting(file, 'ssl_ciphers');
  return entry ? judgeCiphers(`${file.origin} line ${entry.line}`, entry.value) : COMPLIANT;
}

/** The TLS 1.2 cipher list PostgreSQL is configured with enables no weak suite, read as OpenSSL reads it. */
export const PostgresTlsCiphers: RuleDefinition = {
  name: 'PostgresTlsCiphers',
  guarantee: 'G3',
  info: 'The ssl_ciphers of a PostgreSQL configuration in the template enables NULL, anonymous, export, RC4, DES/3DES, MD5 or static-RSA suites.',
  explanation: 'The cipher string is judged as OpenSSL evaluates it (aliases such as ALL, DEFAULT and HIGH, "+" for ' +
    'intersections, "-" and "!" removals), over OpenSSL\'s suites including the legacy ones older builds still offer, so ' +
    '"HIGH:!aNULL" is caught for its static-RSA suites and "ALL" for everything. Use the default ' +
    '\'ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL\' of TlsSettings.render. When no conf file sets ssl_ciphers, PostgreSQL\'s own ' +
    'default (HIGH:MEDIUM:+3DES:!aNULL) applies, which enables static-RSA and 3DES suites, so that is a finding too.',
  resourceTypes: ['*'],
  evaluate(r) {
    const files = postgresConfFiles(r);
    const altered = bootSqlTexts(r).flatMap((sql) => alterSystemStatements(sql.text)
      .filter((s) => s.name === 'ssl_ciphers' && s.value !== undefined)
      .map((s) => judgeCiphers(`${sql.origin}: ${s.text}`, s.value!)));
    if (files.length === 0 && altered.length === 0) {
      return NOT_APPLICABLE;
    }
    const readable = files.filter((f) => f.entries);
    const unset = readable.length > 0 && !readable.some((f) => lastSetting(f, 'ssl_ciphers') || mayBeSetAtDeploy(f, 'ssl_ciphers'));
    const fallback = unset
      ? [judgeCiphers(`no conf file (${readable.map((f) => f.origin).join(', ')}) sets ssl_ciphers, so PostgreSQL's default applies`, POSTGRES_DEFAULT_CIPHERS)]
      : [];
    return worst([COMPLIANT, ...files.map(judgeFile), ...altered, ...fallback]);
  },
};
