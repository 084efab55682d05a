import { InitFile, initFiles, isServerConfigPath } from '../../private/postgres-config';
import { COMPLIANT, nonCompliant, NOT_APPLICABLE, Outcome, RuleDefinition, unverifiable, worst } from '../../private/rule';
import { describe, isIntrinsic } from '../../private/values';

export { isServerConfigPath };

function isRoot(owner: unknown): boolean {
  return owner === undefined || owner === 'root' || owner === '0' || owner === 0;
}

function judgeFile(file: InitFile): Outcome {
  const where = `Init file ${file.path}`;
  if (isIntrinsic(file.owner) || isIntrinsic(file.mode)) {
    return unverifiable(`${where}: its owner or mode is only known at deploy time`);
  }
  if (!isRoot(file.owner)) {
    return nonCompliant(`${where} is owned by ${describe(file.owner)}, so the server's OS user can rewrite it; own it by root`);
  }
  if (file.mode === undefined) {
    return COMPLIANT; // cfn-init writes 000644
  }
  const mode = String(file.mode);
  if (!/^[0-7]{1,6}$/.test(mode)) {
    return unverifiable(`${where}: mode ${describe(file.mode)} is not an octal mode`);
  }
  if (mode.length === 6 && mode.startsWith('120')) {
    return unverifiable(`${where} is a symbolic link to ${describe(file.content)}, whose owner and mode the template does not show`);
  }
  const [group, other] = mode.padStart(3, '0').slice(-2).split('').map(Number);
  const writable = (digit: number) => [2, 3, 6, 7].includes(digit);
  if (writable(group) || writable(other)) {
    return nonCompliant(`${where} has mode ${mode}, writable by its ${writable(group) ? 'group' : 'other users'}; use 000640 (root:postgres)`);
  }
  return COMPLIANT;
}

/** PostgreSQL server configuration written by cfn-init is owned by root and not writable by group or others. */
export const PostgresConfigNotWritableByServer: RuleDefinition = {
  name: 'PostgresConfigNotWritableByServer',
  guarantee: 'G7',
  info: 'A PostgreSQL server configuration file in AWS::CloudFormation::Init is owned by a user other than root, or is group- or world-writable.',
  explanation: 'Whoever can write pg_hba.conf, pg_ident.conf, postgresql.conf, postgresql.auto.conf or conf.d can ' +
    'admit any login or weaken TLS, and a database superuser (or a session as the OS user postgres) would rewrite them. ' +
    'Write them with owner root, group postgres and mode 000640, so the server reads them and cannot change them; ' +
    'files under /etc/timescale and *.conf in a conf.d directory count as server configuration.',
  resourceTypes: ['*'],
  evaluate(r) {
    const init = initFiles(r);
    const files = init.files.filter((f) => isServerConfigPath(f.path));
    const outcomes = files.map(judgeFile);
    outcomes.push(...init.unresolved.map((where) => unverifiable(`${where} is only known at deploy time`)));
    return outcomes.length === 0 ? NOT_APPLICABLE : worst(outcomes);
  },
};
