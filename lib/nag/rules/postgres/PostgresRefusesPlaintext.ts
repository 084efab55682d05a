import { PgHbaConnectionType, PgHbaEntry } from '../../../postgres/pg-hba';
import { PgHbaFile, pgHbaFiles, unresolvedText } from '../../private/pg-hba-files';
import { hasUnresolved, lastSetting, mayBeSetAtDeploy, PostgresConfFile, postgresConfFiles } from '../../private/postgres-config';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, Verdict, worst } from '../../private/rule';

/** Methods that send or skip the password: never on a network line. */
const WEAK_NETWORK_METHODS = ['trust', 'ident', 'password', 'md5'];

/** Connection types that match a TCP connection without TLS (hostgssenc: GSSAPI encryption, not TLS). */
const NON_TLS_TYPES: string[] = [
  PgHbaConnectionType.HOST, PgHbaConnectionType.HOSTNOSSL, PgHbaConnectionType.HOSTNOGSSENC, PgHbaConnectionType.HOSTGSSENC,
];

const ON = ['on', 'true', 'yes', '1'];

function judgeEntry(origin: string, e: PgHbaEntry): Outcome {
  const text = `${origin} line ${e.line} (${e.type} ${e.database} ${e.user}${e.address ? ` ${e.address}` : ''} ${e.method})`;
  if (unresolvedText(e.method)) {
    return unverifiable(`${text}: the method is only known at deploy time`);
  }
  if (e.method === 'reject') {
    return COMPLIANT;
  }
  if (NON_TLS_TYPES.includes(e.type)) {
    return nonCompliant(`${text} admits connections without TLS`);
  }
  if (e.type !== PgHbaConnectionType.LOCAL && WEAK_NETWORK_METHODS.includes(e.method)) {
    return nonCompliant(`${text} uses ${e.method} authentication on a network line`);
  }
  if (e.type === PgHbaConnectionType.LOCAL && e.method === 'trust') {
    return nonCompliant(`${text} uses trust: any OS user of the host logs in as any role without a password`);
  }
  return COMPLIANT;
}

function judgeHba(file: PgHbaFile): Outcome {
  if (!file.entries) {
    const appended = (file.appended ?? []).map((e) => judgeEntry(file.origin, e));
    const found = worst(appended.length > 0 ? appended : [COMPLIANT]);
    return found.verdict === Verdict.NON_COMPLIANT ? found : unverifiable(`${file.origin}: ${file.unreadable}`);
  }
  return worst([COMPLIANT, ...file.entries.map((e) => judgeEntry(file.origin, e))]);
}

function judgeSsl(file: PostgresConfFile): Outcome {
  if (!file.entries) {
    return unverifiable(`${file.origin}: ${file.unreadable}`);
  }
  if (mayBeSetAtDeploy(file, 'ssl')) {
    return unverifiable(`${file.origin}: a line that may set ssl is only known at deploy time`);
  }
  const ssl = lastSetting(file, 'ssl');
  if (ssl !== undefined && hasUnresolved(ssl.value)) {
    return unverifiable(`${file.origin}: ssl is only known at deploy time`);
  }
  if (ssl !== undefined && !ON.includes(ssl.value.toLowerCase())) {
    return nonCompliant(`${file.origin} line ${ssl.line}: ssl = ${ssl.value}`);
  }
  return COMPLIANT;
}

/** PostgreSQL config delivered by the template refuses plaintext connections and weak authentication. */
export const PostgresRefusesPlaintext: RuleDefinition = {
  name: 'PostgresRefusesPlaintext',
  guarantee: 'G3',
  info: 'PostgreSQL configuration in the template admits plaintext connections or weak authentication.',
  explanation: 'There is no option for unencrypted plaintext connections. In pg_hba.conf use only hostssl lines with ' +
    'scram-sha-256 (or cert), end with "hostnossl all all 0.0.0.0/0 reject" / "::/0 reject", never host, hostnossl, ' +
    'hostgssenc or hostnogssenc lines that admit (hostnogssenc matches plaintext too), never trust/ident/password/md5 on ' +
    'network lines or trust on local lines; set ssl = on in postgresql.conf. Every conf file is judged on its own, ' +
    'because conf.d fragments apply in name order and a later one wins.',
  resourceTypes: ['*'],
  evaluate(r) {
    const hba = pgHbaFiles(r);
    const conf = postgresConfFiles(r);
    if (hba.length === 0 && conf.length === 0) {
      return NOT_APPLICABLE;
    }
    const outcomes = [...hba.map(judgeHba), ...conf.map(judgeSsl)];
    const readable = conf.filter((f) => f.entries);
    if (readable.length > 0 && !readable.some((f) => lastSetting(f, 'ssl') || mayBeSetAtDeploy(f, 'ssl'))) {
      outcomes.push(nonCompliant(`no postgresql.conf fragment (${readable.map((f) => f.origin).join(', ')}) sets ssl = on`));
    }
    return worst(outcomes);
  },
};
