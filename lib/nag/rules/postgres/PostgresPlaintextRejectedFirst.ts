import { PgHbaConnectionType, PgHbaEntry } from '../../../postgres/pg-hba';
import { hasKeyword, PgHbaFile, pgHbaFiles, unresolvedNames, unresolvedText } from '../../private/pg-hba-files';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';

/** Types whose reject lines refuse TCP connections without TLS. */
const PLAINTEXT_REJECTS: string[] = [PgHbaConnectionType.HOST, PgHbaConnectionType.HOSTNOSSL];

/** Address families a reject's address column covers completely: all, 0.0.0.0/0, ::/0 (or address plus all-zero mask). */
function wholeFamilies(e: PgHbaEntry): number[] {
  if (e.address === 'all') {
    return [4, 6];
  }
  const zeroMask = e.netmask !== undefined && /^[0.:]+$/.test(e.netmask);
  if (e.address === '0.0.0.0/0' || (e.address === '0.0.0.0' && zeroMask)) {
    return [4];
  }
  if (e.address === '::/0' || (e.address === '::' && zeroMask)) {
    return [6];
  }
  return [];
}

function judgeFile(file: PgHbaFile): Outcome {
  if (!file.entries) {
    return unverifiable(`${file.origin}: ${file.unreadable}`);
  }
  const covered = new Set<number>();
  let doubtful: PgHbaEntry | undefined;
  for (const e of file.entries) {
    if (e.type === PgHbaConnectionType.LOCAL) {
      continue;
    }
    if (unresolvedText(e.method)) {
      return unverifiable(`${file.origin} line ${e.line}: the method is only known at deploy time`);
    }
    if (e.method === 'reject') {
      if (!PLAINTEXT_REJECTS.includes(e.type)) {
        continue;
      }
      if (unresolvedNames(e.databases) || unresolvedNames(e.users) || unresolvedText(e.address)) {
        doubtful = doubtful ?? e;
      } else if (hasKeyword(e.databases, 'all') && hasKeyword(e.users, 'all')) {
        wholeFamilies(e).forEach((f) => covered.add(f));
      }
      continue;
    }
    if (covered.size < 2) {
      const missing = [4, 6].filter((f) => !covered.has(f)).map((f) => (f === 4 ? '0.0.0.0/0' : '::/0'));
      const detail = `${file.origin} line ${e.line} (${e.type} ${e.database} ${e.user} ${e.address} ${e.method}) admits logins ` +
        `before ${missing.map((m) => `"hostnossl all all ${m} reject"`).join(' and ')}`;
      return doubtful ? unverifiable(`${detail}, unless line ${doubtful.line} (only known at deploy time) is that reject`) : nonCompliant(detail);
    }
  }
  return COMPLIANT;
}

/** Every pg_hba.conf refuses connections without TLS from every address before its first TCP line that admits. */
export const PostgresPlaintextRejectedFirst: RuleDefinition = {
  name: 'PostgresPlaintextRejectedFirst',
  guarantee: 'G3',
  info: 'A pg_hba.conf admits TCP logins on a line ahead of the hostnossl ... reject lines for 0.0.0.0/0 and ::/0.',
  explanation: 'PostgreSQL takes the first line that matches a connection, so the refusal of plaintext must come before ' +
    'anything that admits: put "hostnossl all all 0.0.0.0/0 reject" and "hostnossl all all ::/0 reject" (unquoted all, ' +
    'or host ... reject) ahead of every host, hostssl, hostgssenc or hostnogssenc line whose method is not reject. A ' +
    'line ahead of them decides alone whether its connections need TLS; PgHba.render writes the rejects first.',
  resourceTypes: ['*'],
  evaluate(r) {
    const files = pgHbaFiles(r);
    return files.length === 0 ? NOT_APPLICABLE : worst(files.map(judgeFile));
  },
};
