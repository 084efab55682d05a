import { canBeDatabaseHost } from '../../private/database-hosts';
import { judgeCipher, pgBackRestConfigs } from '../../private/pgbackrest';
import { lastSetting, mayBeSetAtDeploy, postgresConfFiles } from '../../private/postgres-config';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';

/**
 * A database host archives its WAL through pgBackRest into an encrypted repository: the server
 * configuration it receives sets `archive_mode = on` and an `archive_command` that runs
 * `pgbackrest ... archive-push`, and the pgBackRest configuration it receives encrypts every
 * repository. Without archiving there is no point-in-time restore, and every transaction since the
 * last backup is lost with the host.
 */
export const DatabaseHostArchivesWal: RuleDefinition = {
  name: 'DatabaseHostArchivesWal',
  guarantee: 'G1',
  info: 'A database host does not archive its WAL through pgBackRest into an encrypted repository.',
  explanation: 'Deliver, in the host\'s AWS::CloudFormation::Init files, PostgreSQL settings with archive_mode = on and ' +
    'archive_command = \'pgbackrest --stanza=<stanza> archive-push %p\', and a pgbackrest.conf whose repositories set ' +
    'repo<N>-cipher-type=aes-256-cbc (PgBackRestBackups does both).',
  resourceTypes: ['AWS::EC2::Instance'],
  evaluate(r) {
    const kind = canBeDatabaseHost(r);
    if (kind === 'no') {
      return NOT_APPLICABLE;
    }
    if (kind === 'unknown') {
      return unverifiable('whether the instance is a database host depends on tags only known at deploy time');
    }
    const outcomes: Outcome[] = [];
    // conf.d fragments apply in name order: the last file that sets a value wins.
    const last = new Map<string, { value: string; where: string } | 'deploy-time'>();
    for (const file of postgresConfFiles(r)) {
      for (const name of ['archive_mode', 'archive_command']) {
        const entry = lastSetting(file, name);
        if (mayBeSetAtDeploy(file, name)) {
          last.set(name, 'deploy-time');
        } else if (entry) {
          last.set(name, { value: entry.value, where: `${file.origin} line ${entry.line}` });
        }
      }
    }
    const judge = (name: string, ok: (value: string) => boolean, wrong: string) => {
      const setting = last.get(name);
      if (setting === 'deploy-time') {
        return unverifiable(`a line that may set ${name} is only known at deploy time`);
      }
      if (!setting) {
        return nonCompliant(`no server configuration in the template sets ${name}`);
      }
      return ok(setting.value) ? COMPLIANT : nonCompliant(`${setting.where}: ${name} = ${setting.value}, ${wrong}`);
    };
    outcomes.push(
      judge('archive_mode', (v) => ['on', 'always'].includes(v.toLowerCase()), 'not on'),
      judge('archive_command', (v) => /\bpgbackrest\b.*\barchive-push\b/.test(v), 'which does not run pgbackrest archive-push'),
    );
    // Each pgbackrest.conf with its conf.d, as pgBackRest reads them: a repository in conf.d counts.
    const repos = pgBackRestConfigs(r).filter((config) => /(^|\/)pgbackrest\.conf$/.test(config.path));
    if (repos.length === 0) {
      outcomes.push(nonCompliant('the host receives no pgbackrest.conf in the template, so its repository cannot be seen to be encrypted'));
    }
    outcomes.push(...repos.map(judgeCipher));
    return worst([COMPLIANT, ...outcomes]);
  },
};
