import { alterSystemStatements, stripSqlComments } from '../../../postgres/sql-text';
import { bootSqlTexts } from '../../private/postgres-config';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { UNRESOLVED } from '../../private/values';

/** Settings that decide whether and how connections are encrypted. */
function isTlsSetting(name: string): boolean {
  return name === 'ssl' || name.startsWith('ssl_') || name === 'hba_file' || name === 'password_encryption';
}

/** SQL run at boot never changes TLS settings with ALTER SYSTEM. */
export const PostgresBootSqlKeepsTlsSettings: RuleDefinition = {
  name: 'PostgresBootSqlKeepsTlsSettings',
  guarantee: 'G3',
  info: 'SQL the host runs at boot changes a TLS setting (ssl, ssl_*, hba_file, password_encryption) with ALTER SYSTEM.',
  explanation: 'ALTER SYSTEM writes postgresql.auto.conf, which PostgreSQL reads after postgresql.conf and its includes, ' +
    'so it overrides the TLS settings the template shows, and no review of the config files sees it. Set TLS only in ' +
    'the conf.d fragment (TlsSettings.render); boot SQL (Init *.sql files, Init commands, user data) must not ALTER SYSTEM ' +
    'them, whatever the value, and a parameter name only known at deploy time cannot be judged.',
  resourceTypes: ['*'],
  evaluate(r) {
    const texts = bootSqlTexts(r);
    if (texts.length === 0) {
      return NOT_APPLICABLE;
    }
    const outcomes: Outcome[] = [COMPLIANT];
    for (const sql of texts) {
      const text = sql.origin.endsWith('.sql') ? stripSqlComments(sql.text) : sql.text;
      for (const s of alterSystemStatements(text)) {
        if (isTlsSetting(s.name)) {
          outcomes.push(nonCompliant(`${sql.origin}: ${s.text} overrides the template's TLS settings`));
        }
      }
      if (new RegExp('\\bALTER\\s+SYSTEM\\s+(SET|RESET)\\s+"?\\$\\{UNRESOLVED', 'i').test(text) && text.includes(UNRESOLVED)) {
        outcomes.push(unverifiable(`${sql.origin}: ALTER SYSTEM of a parameter only known at deploy time`));
      }
    }
    return worst(outcomes);
  },
};
