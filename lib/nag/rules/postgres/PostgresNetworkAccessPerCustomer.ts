import { PgHbaConnectionType } from '../../../postgres/pg-hba';
import { hasKeyword, PgHbaFile, pgHbaFiles, unresolvedNames, unresolvedText } from '../../private/pg-hba-files';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';

const EVERY_DATABASE = ['all', 'sameuser', 'samerole', 'samegroup'];

function judgeFile(file: PgHbaFile): Outcome {
  if (!file.entries) {
    return unverifiable(`${file.origin}: ${file.unreadable}`);
  }
  const outcomes: Outcome[] = [];
  for (const e of file.entries) {
    if (e.type === PgHbaConnectionType.LOCAL || e.method === 'reject') {
      continue;
    }
    const text = `${e.type} ${e.database} ${e.user} ${e.address ?? ''} ${e.method}`;
    // sameuser/samerole/samegroup name no database: with every role they admit every role's own database.
    const anyDatabase = EVERY_DATABASE.some((keyword) => hasKeyword(e.databases, keyword));
    const anyRole = hasKeyword(e.users, 'all');
    if (anyDatabase && anyRole) {
      outcomes.push(unresolvedText(e.method)
        ? unverifiable(`${file.origin} line ${e.line} (${text}): the method is only known at deploy time`)
        : nonCompliant(`${file.origin} line ${e.line} (${text}) admits every database as every role from ${e.address}`));
    } else if ((anyDatabase || unresolvedNames(e.databases)) && (anyRole || unresolvedNames(e.users))) {
      outcomes.push(unverifiable(`${file.origin} line ${e.line} (${text}): its databases or roles are only known at deploy time`));
    } else {
      outcomes.push(COMPLIANT);
    }
  }
  return outcomes.length === 0 ? COMPLIANT : worst(outcomes);
}

/** Each network line of pg_hba.conf names the databases or the roles it admits (one customer's), never `all all`. */
export const PostgresNetworkAccessPerCustomer: RuleDefinition = {
  name: 'PostgresNetworkAccessPerCustomer',
  guarantee: 'G8',
  info: 'A pg_hba.conf line admits every database as every role ("all all") from a network.',
  explanation: 'With several customers, an "all all" line lets every customer network log in to every customer\'s ' +
    'database as any role. Give each customer its own lines: its CIDRs, its database(s) and its roles, e.g. ' +
    '"hostssl acme +acme_login 10.20.0.0/16 scram-sha-256" (sameuser/samerole name no database). Lines whose method ' +
    'is reject and local lines are not judged.',
  resourceTypes: ['*'],
  evaluate(r) {
    const files = pgHbaFiles(r);
    return files.length === 0 ? NOT_APPLICABLE : worst(files.map(judgeFile));
  },
};
