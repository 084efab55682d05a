import { judgeCipher, passphrasesInTemplate, pgBackRestConfigs } from '../../private/pgbackrest';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, RuleDefinition, unverifiable, worst } from '../../private/rule';

/**
 * pgBackRest repositories delivered by the template encrypt client-side, and their passphrase is
 * not in the template.
 *
 * A repository without `repo<N>-cipher-type=aes-256-cbc` stores backups and WAL as the server wrote
 * them: whoever can read the bucket reads the database. A passphrase written into the template (an
 * Init file, an Init command, user data) is readable by anyone who can read the stack or the host's
 * metadata, so it must reach the host from Secrets Manager at boot instead.
 */
export const PgBackRestRepositoryEncrypted: RuleDefinition = {
  name: 'PgBackRestRepositoryEncrypted',
  guarantee: 'G1',
  info: 'A pgBackRest repository has no client-side cipher, or its passphrase is written in the template.',
  explanation: 'Set repo<N>-cipher-type=aes-256-cbc for every repository in pgbackrest.conf, and never put repo<N>-cipher-pass ' +
    '(or PGBACKREST_REPO<N>_CIPHER_PASS) in the template: keep the passphrase in Secrets Manager under a customer-managed key ' +
    'and write it on the host at boot (DatabaseHost.addSecretFile with iniEntry, as PgBackRestBackups does).',
  resourceTypes: ['*'],
  evaluate(r) {
    const configs = pgBackRestConfigs(r);
    const passphrases = passphrasesInTemplate(r);
    if (configs.length === 0 && passphrases.length === 0) {
      return NOT_APPLICABLE;
    }
    return worst([
      COMPLIANT,
      ...passphrases.map((where) => nonCompliant(`${where}: the passphrase is in the template`)),
      // Every repository of each configuration as pgBackRest merges it, conf.d files included.
      ...configs.flatMap((config) => [
        ...(config.unreadable ? [unverifiable(`${config.origin}: ${config.unreadable}`)] : []),
        ...(config.options.size > 0 || !config.unreadable ? [judgeCipher(config)] : []),
      ]),
    ]);
  },
};
