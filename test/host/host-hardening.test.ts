import { App, Duration, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DatabaseHost, PackageSource } from '../../lib/host';

/** What an operator in a Session Manager shell, or the postgres OS user, can reach on the host. */

function newHost(): { stack: Stack; host: DatabaseHost } {
  const stack = new Stack(new App(), 'HostStack');
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 1, natGateways: 0, subnetConfiguration: [{ name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const host = new DatabaseHost(stack, 'Host', {
    vpc,
    dataKey: new kms.Key(stack, 'DataKey'),
    logsKey: new kms.Key(stack, 'LogsKey'),
    serviceName: 'orders',
    packageSource: PackageSource.amazonLinuxRepositories(),
  });
  return { stack, host };
}

function initOf(stack: Stack): any {
  const instances = Object.values(Template.fromStack(stack).findResources('AWS::EC2::Instance'));
  expect(instances).toHaveLength(1);
  return (instances[0] as any).Metadata['AWS::CloudFormation::Init'];
}

/** Every file and command of the rendered Init, as text, with the config it belongs to. */
function initTexts(stack: Stack): { where: string; text: string }[] {
  const init = initOf(stack);
  const texts: { where: string; text: string }[] = [];
  for (const [config, body] of Object.entries<any>(init)) {
    if (config === 'configSets') continue;
    for (const [path, file] of Object.entries<any>(body.files ?? {})) {
      texts.push({ where: `${config} file ${path}`, text: JSON.stringify(stack.resolve(file.content)) });
    }
    for (const [key, command] of Object.entries<any>(body.commands ?? {})) {
      texts.push({ where: `${config} command ${key}`, text: JSON.stringify(stack.resolve(command.command)) });
    }
  }
  return texts;
}

describe('the superuser has no password', () => {
  const { stack } = newHost();
  const template = Template.fromStack(stack);
  const init = initOf(stack);

  test('no superuser secret, no secret at all for a host without secret files, and no IAM read of one', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const actions = Object.values<any>(template.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
    expect(actions.filter((action: string) => action.startsWith('secretsmanager:'))).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/\/run\/timescale\/superuser-password|SuperuserSecret|--pwfile|GenerateSecretString/);
  });

  test('initdb sets no password: local logins by peer only, host logins rejected', () => {
    const script: string = init.cluster.files['/usr/local/sbin/timescale-init-cluster'].content;
    const initdb = script.slice(script.indexOf('"$bindir/initdb"')).split('\n').slice(0, 3).join('\n');
    expect(initdb).toContain('--auth-local=peer --auth-host=reject');
    expect(initdb).toContain('--username=postgres');
    expect(initdb).not.toMatch(/--pwfile|--pwprompt|-W\b|scram-sha-256/);
    expect(Object.keys(init)).not.toContain('superuser');
  });

  test('a password an earlier version set is cleared at boot and on every reconfiguration, once the server runs', () => {
    expect(init.superuserPassword.commands['10-no-superuser-password']).toEqual({
      command: 'bindir="$(dirname "$(readlink -f /usr/local/libexec/timescale/postgres)")" && runuser -u postgres -- "$bindir/psql" -X -q ' +
        "-v ON_ERROR_STOP=1 -p 5432 -d postgres -c 'ALTER ROLE postgres PASSWORD NULL'",
      test: 'systemctl is-active --quiet timescaledb',
    });
    for (const set of [init.configSets.default, init.configSets.reconfigure]) {
      expect(set.indexOf('superuserPassword')).toBeGreaterThan(Math.max(set.indexOf('cluster'), set.indexOf('reload')));
      expect(set.indexOf('superuserPassword')).toBeLessThan(set.indexOf('sqlScripts'));
    }
  });

  test('the DatabaseHost API carries no superuser secret', () => {
    const { host } = newHost();
    expect(Object.keys(host)).not.toContain('superuserSecret');
  });
});

describe('config and secret files are never writable by postgres', () => {
  let stack: Stack;
  let host: DatabaseHost;
  let secret: secretsmanager.ISecret;
  beforeEach(() => {
    ({ stack, host } = newHost());
    secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Tls', 'tls');
  });

  test('config files default to root:postgres 0640', () => {
    host.addConfigFile({ path: `${DatabaseHost.CONF_D_DIR}/50-tls.conf`, content: 'ssl = on\n' });
    expect(initOf(stack).serverConfig.files['/etc/timescale/conf.d/50-tls.conf'])
      .toMatchObject({ owner: 'root', group: 'postgres', mode: '000640' });
  });

  test('secret files default to root:postgres 0640, and a certificate may be 0644', () => {
    host.addSecretFile({ path: '/etc/timescale/tls/server.key', secret, jsonField: 'privateKey' });
    host.addSecretFile({ path: '/etc/timescale/tls/server.crt', secret, jsonField: 'certificate', mode: '0644' });
    const commands = Object.values<any>(initOf(stack).secretFiles.commands).map((c) => JSON.stringify(stack.resolve(c.command)));
    expect(commands).toEqual([
      expect.stringContaining("'privateKey' '/etc/timescale/tls/server.key' 000640 root postgres"),
      expect.stringContaining("'certificate' '/etc/timescale/tls/server.crt' 000644 root postgres"),
    ]);
  });

  test.each([
    ['owned by postgres', { owner: 'postgres' }, /owner must be 'root'; got 'postgres'\. files under \/etc\/timescale are the server's configuration and must never be writable by its OS user postgres/],
    ['group-writable', { mode: '0660' }, /mode must not let group or other write, nor set execute, setuid, setgid or sticky bits; got '000660'.*Accepted: for example '000640'/],
    ['world-writable', { mode: '0646' }, /mode must not let group or other write.*got '000646'/],
    ['executable by its owner', { mode: '0740' }, /nor set execute.*got '000740'/],
    ['executable by the group', { mode: '0650' }, /nor set execute.*got '000650'/],
    ['setgid', { mode: '2640' }, /setgid.*got '002640'/],
    ['unreadable by the server', { mode: '0600' }, /the server could not read this file with mode '000600' and group 'postgres'.*Accepted: group 'postgres' with group read/],
    ['group root without other read', { group: 'root' }, /could not read this file with mode '000640' and group 'root'/],
  ])('addConfigFile refuses a file under CONFIG_DIR %s', (_name, extra, message) => {
    expect(() => host.addConfigFile({ path: '/etc/timescale/conf.d/60-x.conf', content: '', ...extra })).toThrow(message);
  });

  test.each([
    ['owned by postgres', { owner: 'postgres', mode: '0600' }, /owner must be 'root'; got 'postgres'/],
    ['group-writable', { mode: '0660' }, /mode must not let group or other write.*got '000660'/],
    ['unreadable by the server (the key mode PostgreSQL wants for a key the server owns)', { mode: '0600' }, /could not read this file with mode '000600'/],
  ])('addSecretFile refuses a file under CONFIG_DIR %s', (_name, extra, message) => {
    expect(() => host.addSecretFile({ path: '/etc/timescale/tls/server.key', secret, ...extra })).toThrow(message);
  });

  test('accepts root:postgres 0440 and a world-readable 0644 under CONFIG_DIR, and any owner elsewhere', () => {
    expect(() => host.addConfigFile({ path: '/etc/timescale/conf.d/a.conf', content: '', mode: '0440' })).not.toThrow();
    expect(() => host.addConfigFile({ path: '/etc/timescale/conf.d/b.conf', content: '', mode: '0644', group: 'root' })).not.toThrow();
    expect(() => host.addConfigFile({ path: '/etc/pgbackrest/pgbackrest.conf', content: '', owner: 'postgres', mode: '0600' })).not.toThrow();
  });

  test.each(['/var/lib/timescale/data/server.key', '/var/log/timescale/x', '/tmp/key', '/var/tmp/key', '/dev/shm/key'])(
    'addSecretFile refuses %s, a directory users other than root can write', (path) => {
      expect(() => host.addSecretFile({ path, secret })).toThrow(/can be written by users other than root.*Choose a path under DatabaseHost\.CONFIG_DIR/);
    });

  test('the host\'s own SQL files, SQL secrets and units cannot be replaced', () => {
    expect(() => host.addConfigFile({ path: '/etc/timescale/sql/x.sql', content: '' })).toThrow(/is written by DatabaseHost itself/);
    expect(() => host.addSecretFile({ path: '/run/timescale/sql/x', secret })).toThrow(/is written by DatabaseHost itself/);
    expect(() => host.addConfigFile({ path: '/etc/systemd/system/timescale-imds-guard.service', content: '' })).toThrow(/is written by DatabaseHost itself/);
    expect(() => host.addConfigFile({ path: '/etc/nftables/timescale-imds-guard.nft', content: '' })).toThrow(/is written by DatabaseHost itself/);
  });
});

describe('root scripts write only where root alone can', () => {
  const { stack, host } = newHost();
  const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'Password', 'password');
  host.addSecretFile({ path: '/etc/timescale/tls/server.key', secret });
  host.addSqlScript({ name: 'approved', sql: 'SELECT 1;', secretVariables: [{ name: 'pw', secret }] });
  const init = initOf(stack);
  const texts = initTexts(stack);

  test('the secret fetch checks every directory up to /, then moves a finished file into place', () => {
    const script: string = init.hostScripts.files['/usr/local/sbin/timescale-fetch-secret'].content;
    expect(script).toContain('every directory up to / must be owned by root');
    expect(script).toContain('(8#$perms & 8#022) != 0');
    expect(script).toContain('[ -L "$current" ]');
    expect(script).toContain('install -d -o root -g "$group" -m 0750 -- "$dir"');
    expect(script).toContain('mv -fT -- "$tmp" "$path"');
    expect(script.indexOf('check_chain "$dir" existing')).toBeLessThan(script.indexOf('mktemp'));
    expect(script).not.toContain('-o "$owner"');
  });

  test('SQL runs from stdin: no wrapper file, no chown; its secrets are root:postgres 0440 in a root-owned directory', () => {
    const runSql: string = init.hostScripts.files['/usr/local/sbin/timescale-run-sql'].content;
    expect(runSql).not.toMatch(/mktemp|chown|chmod|install -d|>>? *"/);
    expect(runSql).toMatch(/\} \| runuser -u postgres -- "\$bindir\/psql" .* -f -\n/);
    expect(JSON.stringify(stack.resolve(init.sqlScripts.commands['000-approved'].command)))
      .toContain("'-' '/run/timescale/sql/approved.pw' 000440 root postgres && /usr/local/sbin/timescale-run-sql /etc/timescale/sql/approved.sql pw=/run/timescale/sql/approved.pw");
  });

  test('no root script creates a directory for postgres other than its own log directory, which root never writes into', () => {
    const grants = texts.flatMap(({ where, text }) =>
      [...text.matchAll(/install -d -o postgres[^\n\\]*?(\/[\w/.-]+)/g)].map((match) => `${where}: ${match[1]}`));
    expect(grants).toEqual(['cluster file /usr/local/sbin/timescale-init-cluster: /var/log/timescale']);
    const chowns = texts.flatMap(({ where, text }) =>
      [...text.matchAll(/chown (?:-- )?postgres[^\n\\]*/g)].map((match) => `${where}: ${match[0]}`));
    expect(chowns).toEqual(['cluster file /usr/local/sbin/timescale-init-cluster: chown postgres:postgres /var/lib/timescale/data /var/lib/timescale/wal']);
  });

  test('directories older versions made for postgres are replaced, parents first, and only the host\'s own', () => {
    expect(init.hostScripts.commands['10-reclaim-directories'].command)
      .toBe('/usr/local/sbin/timescale-reclaim-dirs /run/timescale /etc/timescale/tls /run/timescale/sql');
  });
});

describe('the metadata service answers root only', () => {
  const { stack } = newHost();
  const init = initOf(stack);

  test('the ruleset rejects every non-root UID for the IPv4 and IPv6 addresses, and replaces itself when re-applied', () => {
    const ruleset: string = init.imdsGuard.files['/etc/nftables/timescale-imds-guard.nft'].content;
    expect(ruleset).toBe(DatabaseHost.IMDS_GUARD_RULESET);
    const rules = ruleset.split('\n').filter((line) => line.includes('meta skuid'));
    expect(rules.map((line) => line.trim())).toEqual([
      'ip daddr 169.254.169.254 meta skuid != 0 meta l4proto tcp counter reject with tcp reset',
      'ip daddr 169.254.169.254 meta skuid != 0 counter reject with icmpx admin-prohibited',
      'ip6 daddr fd00:ec2::254 meta skuid != 0 meta l4proto tcp counter reject with tcp reset',
      'ip6 daddr fd00:ec2::254 meta skuid != 0 counter reject with icmpx admin-prohibited',
    ]);
    expect(ruleset).toContain('type filter hook output priority filter; policy accept;');
    // Create-if-missing, delete, define: one transaction, so re-applying never fails nor duplicates.
    expect(ruleset).toMatch(/^table inet timescale_imds_guard\ndelete table inet timescale_imds_guard\ntable inet timescale_imds_guard \{$/m);
    expect(init.imdsGuard.files['/etc/nftables/timescale-imds-guard.nft']).toMatchObject({ owner: 'root', group: 'root', mode: '000600' });
  });

  test('a oneshot unit applies it at every boot before the SSM agent starts', () => {
    const unit: string = init.imdsGuard.files['/etc/systemd/system/timescale-imds-guard.service'].content;
    for (const line of ['Type=oneshot', 'RemainAfterExit=yes', 'DefaultDependencies=no', 'WantedBy=sysinit.target',
      'ExecStart=/usr/sbin/nft -f /etc/nftables/timescale-imds-guard.nft']) {
      expect(unit.split('\n')).toContain(line);
    }
    expect(unit).toMatch(/^Before=.*\bamazon-ssm-agent\.service\b/m);
    expect(unit).toMatch(/^After=.*\bnftables\.service\b/m);
  });

  test('nftables is installed if missing, the ruleset applied and the unit enabled', () => {
    expect(init.imdsGuard.commands).toEqual({
      '10-install-nftables': { command: 'dnf install -y nftables', test: '! command -v nft >/dev/null' },
      '20-apply-imds-guard': {
        command: 'nft -f /etc/nftables/timescale-imds-guard.nft && systemctl daemon-reload && systemctl enable timescale-imds-guard.service',
      },
    });
  });

  test('it is the first config at boot, before the OS users a session runs as exist, and is re-applied on reconfiguration', () => {
    expect(init.configSets.default[0]).toBe('imdsGuard');
    expect(init.configSets.default.indexOf('imdsGuard')).toBeLessThan(init.configSets.default.indexOf('osUsers'));
    expect(init.configSets.reconfigure.indexOf('imdsGuard')).toBe(0);
  });
});

describe('scheduled SQL', () => {
  test('runs on a systemd timer as the superuser through timescale-run-sql, besides boot and reconfiguration', () => {
    const { stack, host } = newHost();
    host.addSqlScript({ name: 'expire-access', sql: 'SELECT 1;', schedule: Duration.seconds(30) });
    host.addSqlScript({ name: 'once', sql: 'SELECT 2;' });
    const init = initOf(stack);
    const service: string = init.sqlScripts.files['/etc/systemd/system/timescale-sql-expire-access.service'].content;
    expect(service).toContain('Type=oneshot\n');
    expect(service).toContain('ExecStart=/usr/local/sbin/timescale-run-sql /etc/timescale/sql/expire-access.sql\n');
    expect(service).toContain('After=timescaledb.service\n');
    const timer: string = init.sqlScripts.files['/etc/systemd/system/timescale-sql-expire-access.timer'].content;
    for (const line of ['OnBootSec=30s', 'OnUnitActiveSec=30s', 'AccuracySec=1s', 'WantedBy=timers.target']) {
      expect(timer.split('\n')).toContain(line);
    }
    expect(init.sqlScripts.files['/etc/systemd/system/timescale-sql-once.timer']).toBeUndefined();
    const commands = Object.keys(init.sqlScripts.commands);
    expect(commands).toEqual(['000-expire-access', '001-once', '999-sql-timers']);
    const timers: string = init.sqlScripts.commands['999-sql-timers'].command;
    expect(timers).toMatch(/&& systemctl enable --now timescale-sql-expire-access\.timer$/);
    expect(timers).not.toContain('enable --now timescale-sql-once');
    expect(init.configSets.reconfigure).toContain('sqlScripts');
  });

  test('an hour is accepted, and timers of scripts no longer scheduled are removed', () => {
    const { stack, host } = newHost();
    host.addSqlScript({ name: 'hourly', sql: 'SELECT 1;', schedule: Duration.hours(1) });
    const init = initOf(stack);
    expect(init.sqlScripts.files['/etc/systemd/system/timescale-sql-hourly.timer'].content).toContain('OnUnitActiveSec=3600s\n');
    expect(init.sqlScripts.commands['999-sql-timers'].command).toContain('systemctl disable --now');
  });

  test.each([
    ['under 10 seconds', Duration.seconds(9), /schedule must be a whole number of seconds from 10 seconds to 1 hour; got 9 seconds/],
    ['over an hour', Duration.minutes(61), /schedule must be .* from 10 seconds to 1 hour; got 1 hour 1 minute/],
    ['not whole seconds', Duration.millis(10500), /schedule must be a whole number of seconds .*got 10 seconds 500 millis/],
    ['a token', Duration.seconds(Token.asNumber({ Ref: 'Interval' })), /schedule must be a concrete Duration; got a token/],
  ])('fails for a schedule %s', (_name, schedule, message) => {
    const { host } = newHost();
    expect(() => host.addSqlScript({ name: 'x', sql: 'SELECT 1;', schedule })).toThrow(message);
  });

  test('fails for a scheduled script with secret variables', () => {
    const { stack, host } = newHost();
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'S', 's');
    expect(() => host.addSqlScript({ name: 'x', sql: 'SELECT 1;', schedule: Duration.minutes(1), secretVariables: [{ name: 'v', secret }] }))
      .toThrow(/DatabaseHost\.addSqlScript\('x'\): a script with secretVariables cannot have a schedule; got 1 secret variable\(s\) and a schedule/);
  });
});

test('the instance is tagged timescale:role=database, which tells database hosts from bastions', () => {
  const { stack } = newHost();
  Template.fromStack(stack).hasResourceProperties('AWS::EC2::Instance', {
    Tags: Match.arrayWith([{ Key: 'timescale:role', Value: 'database' }]),
  });
});
