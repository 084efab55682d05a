import { stripSqlComments, superuserAttributeStatements, superuserGrantStatements } from '../../../postgres/sql-text';
import { bootSqlTexts } from '../../private/postgres-config';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { UNRESOLVED } from '../../private/values';

/** The superuser initdb creates. */
const SUPERUSER = 'postgres';

/** SQL run at boot never makes a role a superuser. */
export const PostgresBootSqlGrantsNoSuperuser: RuleDefinition = {
  name: 'PostgresBootSqlGrantsNoSuperuser',
  guarantee: 'G8',
  info: 'SQL the host runs at boot creates or alters a role WITH SUPERUSER, or grants a superuser role to another role.',
  explanation: 'A superuser reads every customer\'s data, bypasses row security and pgaudit settings, and runs programs ' +
    'on the host, so the only superuser is postgres, reachable only on the local socket. Boot SQL (Init *.sql files, ' +
    'Init commands, user data) must not CREATE/ALTER ROLE|USER|GROUP ... SUPERUSER or GRANT postgres (or a role it made ' +
    'a superuser) TO anyone: membership lets SET ROLE reach the superuser. Give customer admins CREATEROLE-free ' +
    'roles with only their database\'s privileges.',
  resourceTypes: ['*'],
  evaluate(r) {
    const texts = bootSqlTexts(r);
    if (texts.length === 0) {
      return NOT_APPLICABLE;
    }
    const outcomes: Outcome[] = [COMPLIANT];
    const superusers = [SUPERUSER];
    const prepared = texts.map((sql) => ({ ...sql, text: sql.origin.endsWith('.sql') ? stripSqlComments(sql.text) : sql.text }));
    for (const sql of prepared) {
      for (const s of superuserAttributeStatements(sql.text)) {
        superusers.push(s.role.toLowerCase(), s.role);
        outcomes.push(nonCompliant(`${sql.origin}: "${s.text.replace(/\s+/g, ' ')}" makes ${s.role} a superuser`));
      }
    }
    for (const sql of prepared) {
      for (const s of superuserGrantStatements(sql.text, superusers)) {
        outcomes.push(nonCompliant(`${sql.origin}: "${s.text.replace(/\s+/g, ' ')}" grants the superuser role ${s.role}`));
      }
      if (/\b(?:CREATE|ALTER)\s+(?:ROLE|USER|GROUP)\b[^;]*\$\{UNRESOLVED\}/i.test(sql.text) && sql.text.includes(UNRESOLVED)) {
        outcomes.push(unverifiable(`${sql.origin}: a role statement holds a part only known at deploy time`));
      }
    }
    return worst(outcomes);
  },
};
