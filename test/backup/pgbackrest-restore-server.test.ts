/**
 * The backups restore: this machine's PostgreSQL and pgBackRest, with exactly the pgbackrest.conf and
 * archive settings a TimescaleService delivers to its host (read out of the synthesized template's
 * Init metadata), against S3 and KMS stood in by moto's server behind stunnel on loopback ports.
 *
 * Only what cannot be the same here is changed: the S3 endpoint, port, URI style and TLS verification
 * (moto behind a self-made certificate), the paths (a temporary folder instead of the host's), the
 * server's port and socket, and the values CloudFormation fills in at deploy time (bucket name,
 * Region, key ARN). The passphrase and S3 credential files are written by the rendered root scripts
 * (timescale-fetch-secret, timescale-pgbackrest-credentials) from a stand-in for the AWS CLI. A full backup, rows, a noted time, more rows, archiving, then a point-in-time restore into a
 * fresh data directory must find exactly the rows written before the time.
 */
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutBucketEncryptionCommand,
  PutObjectLockConfigurationCommand, S3Client,
} from '@aws-sdk/client-s3';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PackageSource, PgBackRestConfig, TimescaleService } from '../../lib';
import { freeLoopbackPort, S3StandIn } from './support/s3-standin';
import { CREDENTIALS_SCRIPT } from '../../lib/backup/private/pgbackrest-scripts';
import { FETCH_SECRET, POSTGRES_LINK as BOOT_POSTGRES_LINK } from '../../lib/host/private/bootstrap';
import { rootOwnedTempDir } from '../host/support/root-temp';
import { PostgresTestServer } from '../postgres/support/pg-server';

const REGION = 'eu-west-1';
const BUCKET = 'timescale-pgbackrest-test';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing', sessionToken: 'testing-session' };
const ARCHIVE_SETTINGS = '/etc/timescale/conf.d/60-archive.conf';
const MARKER = `pitr-${crypto.randomBytes(6).toString('hex')}`;

/** The files the host receives, from the synthesized template. */
interface Rendered {
  readonly pgbackrestConf: unknown;
  readonly archiveSettings: unknown;
  readonly passphraseFile: { command: string; args: string[] };
  /** The rendered timescale-fetch-secret, which writes the passphrase file on the host. */
  readonly fetchSecretScript: string;
  /** The rendered timescale-pgbackrest-credentials, which writes the repository role's credentials (its role ARN as written). */
  readonly credentialsScript: string;
  /** The boot's wait after the server's start, until it has left recovery. */
  readonly waitForPrimary: string;
  readonly stanza: string;
}

/** A rendered text with its deploy-time values as `<deploy-time>`. */
function textWithDeployTimeValues(value: unknown): string {
  const parts = typeof value === 'string' ? [value] : (value as any)['Fn::Join'][1];
  return parts.map((part: unknown) => (typeof part === 'string' ? part : '<deploy-time>')).join('');
}

/** The words of a rendered command line (single-quoted or bare), deploy-time values as `<deploy-time>`. */
function commandWords(command: unknown): string[] {
  const parts = typeof command === 'string' ? [command] : (command as any)['Fn::Join'][1];
  const text = parts.map((part: unknown) => (typeof part === 'string' ? part : '<deploy-time>')).join('');
  return [...text.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

function renderedFiles(): Rendered {
  const stack = new Stack(new App(), 'Backups');
  const service = new TimescaleService(stack, 'Db', { serviceName: 'orders', serverName: 'db.example.com', packageSource: PackageSource.preinstalled() });
  const template = Template.fromStack(stack);
  const instances = Object.values(template.findResources('AWS::EC2::Instance'));
  expect(instances).toHaveLength(1);
  const init = instances[0].Metadata['AWS::CloudFormation::Init'];
  const files = init.serverConfig.files;
  const passphraseCommand = Object.values<any>(init.secretFiles.commands).map((c) => c.command)
    .find((c) => JSON.stringify(c).includes(PgBackRestConfig.PASSPHRASE_FILE));
  expect(passphraseCommand).toBeDefined();
  return {
    pgbackrestConf: files[PgBackRestConfig.CONFIG_FILE].content,
    archiveSettings: files[ARCHIVE_SETTINGS].content,
    passphraseFile: { command: JSON.stringify(passphraseCommand), args: commandWords(passphraseCommand).slice(1) },
    fetchSecretScript: init.hostScripts.files[FETCH_SECRET].content,
    credentialsScript: textWithDeployTimeValues(init.serverConfig.files[CREDENTIALS_SCRIPT].content),
    waitForPrimary: init.cluster.commands['25-wait-for-primary'].command,
    stanza: service.databaseBackups.stanza,
  };
}

/**
 * The text cfn-init writes, with the values CloudFormation fills in at deploy time: the repository
 * bucket's name, the Region and the backup key's ARN. Any other reference fails the test.
 */
function deployTimeText(value: unknown, keyArn: string): string {
  if (typeof value === 'string' || typeof value === 'number') {
    return String(value);
  }
  const v = value as any;
  if (v['Fn::Join']) {
    const [separator, parts] = v['Fn::Join'];
    return parts.map((part: unknown) => deployTimeText(part, keyArn)).join(separator);
  }
  if (v.Ref === 'AWS::Region') {
    return REGION;
  }
  if (typeof v.Ref === 'string' && /DatabaseBackupsRepository/.test(v.Ref)) {
    return BUCKET;
  }
  if (Array.isArray(v['Fn::GetAtt']) && /KeysBackupKey/.test(v['Fn::GetAtt'][0]) && v['Fn::GetAtt'][1] === 'Arn') {
    return keyArn;
  }
  throw new Error(`Unexpected deploy-time value in the rendered configuration: ${JSON.stringify(value)}`);
}

/** Replaces the value of each `key=` line, which must be there exactly once; adds the keys in `add` to [global]. */
function substitute(conf: string, replace: { [key: string]: string }, add: { [key: string]: string }): string {
  let out = conf;
  for (const [key, value] of Object.entries(replace)) {
    const pattern = new RegExp(`^${key}=.*$`, 'gm');
    expect({ key, lines: (out.match(pattern) ?? []).length }).toEqual({ key, lines: 1 });
    out = out.replace(pattern, `${key}=${value}`);
  }
  const extra = Object.entries(add).map(([key, value]) => {
    expect({ key, rendered: new RegExp(`^${key}=`, 'm').test(conf) }).toEqual({ key, rendered: false });
    return `${key}=${value}`;
  });
  return out.replace(/^\[global\]$/m, ['[global]', ...extra].join('\n'));
}

const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((c) => fs.existsSync(c))!;

function run(command: string, args: string[], options: SpawnSyncOptions = {}): { ok: boolean; out: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 90_000, cwd: '/', ...options });
  if (result.error) {
    throw result.error;
  }
  return { ok: result.status === 0, out: `${result.stdout}\n${result.stderr}` };
}

/** Runs a command as the server's OS user, as the host does (runuser -u postgres). */
function asPostgres(command: string, args: string[]): { ok: boolean; out: string } {
  return process.getuid?.() === 0 ? run(runuser, ['-u', 'postgres', '--', command, ...args]) : run(command, args);
}

function mustAsPostgres(command: string, args: string[]): string {
  const result = asPostgres(command, args);
  if (!result.ok) {
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.out}`);
  }
  return result.out;
}

/** A configuration directory as the host has it: root:postgres 0750, with conf.d the same. */
function makeConfigDir(dir: string): void {
  for (const d of [dir, path.join(dir, 'conf.d')]) {
    fs.mkdirSync(d, { mode: 0o750 });
    fs.chownSync(d, 0, postgresGid());
    fs.chmodSync(d, 0o750);
  }
}

/** A file as cfn-init writes an Init file with owner root, group postgres, mode 000640. */
function writeServerReadable(file: string, content: string): void {
  fs.writeFileSync(file, content, { mode: 0o640 });
  fs.chownSync(file, 0, postgresGid());
  fs.chmodSync(file, 0o640);
}

function postgresGid(): number {
  return Number(run('id', ['-g', 'postgres']).out.trim());
}

function chownToPostgres(...paths: string[]): void {
  if (process.getuid?.() === 0) {
    const result = run('chown', ['-R', 'postgres:postgres', ...paths]);
    if (!result.ok) {
      throw new Error(result.out);
    }
  }
}

describe('pgBackRest with the rendered configuration, through S3 and KMS (moto behind stunnel)', () => {
  let rendered: Rendered;
  let standIn: S3StandIn | undefined;
  let server: PostgresTestServer | undefined;
  let work: string;
  let configPath: string;
  let keyArn: string;
  let s3: S3Client;
  let restoredDir: string | undefined;
  let restoredPort: number;
  let noted: string;
  let pgbackrest: (args: string[], config?: string) => { ok: boolean; out: string };

  beforeAll(async () => {
    // moto boots in its own process while the app synthesizes.
    const starting = S3StandIn.start();
    starting.catch(() => undefined);
    rendered = renderedFiles();
    // Root-owned up to /, as timescale-fetch-secret requires of the directories it writes secrets into.
    work = rootOwnedTempDir('pgbackrest-');
    standIn = await starting;
    const aws = { region: REGION, endpoint: standIn.httpEndpoint, credentials: CREDENTIALS };
    s3 = new S3Client({ ...aws, forcePathStyle: true });
    const kms = new KMSClient(aws);
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'backup key' }))).KeyMetadata!.Arn!;
    // The bucket as the construct makes it: Object Lock (governance), default SSE-KMS under the backup key.
    await s3.send(new CreateBucketCommand({
      Bucket: BUCKET, ObjectLockEnabledForBucket: true, CreateBucketConfiguration: { LocationConstraint: REGION },
    }));
    await s3.send(new PutObjectLockConfigurationCommand({
      Bucket: BUCKET,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 1 } } },
    }));
    await s3.send(new PutBucketEncryptionCommand({
      Bucket: BUCKET,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn }, BucketKeyEnabled: true }] },
    }));

    // The host's paths, moved into the temporary folder.
    configPath = path.join(work, 'pgbackrest');
    const spool = path.join(work, 'spool');
    const logs = path.join(work, 'log');
    makeConfigDir(configPath);
    fs.mkdirSync(spool);
    fs.mkdirSync(logs);

    server = await PostgresTestServer.start(() => ({
      hba: 'local all postgres peer\n',
      fragments: [{
        name: '60-archive.conf',
        content: deployTimeText(rendered.archiveSettings, keyArn).split(PgBackRestConfig.CONFIG_PATH).join(configPath),
      }],
    }));
    const conf = substitute(deployTimeText(rendered.pgbackrestConf, keyArn), {
      'repo1-s3-endpoint': '127.0.0.1',
      'repo1-s3-uri-style': 'path',
      'repo1-storage-verify-tls': 'n',
      'spool-path': spool,
      'log-path': logs,
      'pg1-path': server.dataDir,
      'pg1-port': String(server.port),
      'pg1-socket-path': path.join(server.dir, 'socket'),
    }, { 'repo1-storage-port': String(standIn.tlsPort) });
    writeServerReadable(PgBackRestConfig.CONFIG_FILE.replace(PgBackRestConfig.CONFIG_PATH, configPath), conf);
    // The passphrase file is written by the rendered timescale-fetch-secret, with the rendered arguments, from a
    // stand-in for the AWS CLI that answers as `aws secretsmanager get-secret-value --output text` does.
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin, { mode: 0o755 });
    const fetchSecret = path.join(bin, 'timescale-fetch-secret');
    fs.writeFileSync(fetchSecret, rendered.fetchSecretScript, { mode: 0o700 });
    // The stand-in answers get-secret-value as `--output text` does, and sts assume-role as `--query Credentials --output json` does.
    fs.writeFileSync(path.join(bin, 'aws'), [
      '#!/bin/bash',
      'case "$1" in',
      '  secretsmanager) printf \'%s\\n\' "$STAND_IN_SECRET" ;;',
      `  sts) printf '%s\\n' '${JSON.stringify({ AccessKeyId: CREDENTIALS.accessKeyId, SecretAccessKey: CREDENTIALS.secretAccessKey, SessionToken: CREDENTIALS.sessionToken, Expiration: '2099-01-01T00:00:00Z' })}' ;;`,
      '  *) exit 2 ;;',
      'esac',
      '',
    ].join('\n'), { mode: 0o755 });
    const fetchArgs = rendered.passphraseFile.args.map((arg) => arg.split(PgBackRestConfig.CONFIG_PATH).join(configPath));
    expect(fetchArgs.slice(1)).toEqual(['-', PgBackRestConfig.PASSPHRASE_FILE.replace(PgBackRestConfig.CONFIG_PATH, configPath),
      '000640', 'root', 'postgres', 'global', 'repo1-cipher-pass']);
    const fetched = run(fetchSecret, fetchArgs, {
      env: { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, STAND_IN_SECRET: crypto.randomBytes(32).toString('base64url') },
    });
    expect({ fetched: fetched.ok, out: fetched.out.trim() }).toEqual({ fetched: true, out: '' });
    // The credentials file is written by the rendered timescale-pgbackrest-credentials (moto accepts any credentials).
    const credentials = path.join(bin, 'timescale-pgbackrest-credentials');
    fs.writeFileSync(credentials, rendered.credentialsScript.split(PgBackRestConfig.CONFIG_PATH).join(configPath), { mode: 0o700 });
    const assumed = run(credentials, [], { env: { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin` } });
    expect({ assumed: assumed.ok, out: assumed.out.trim() }).toEqual({ assumed: true, out: '' });
    chownToPostgres(spool, logs);
    pgbackrest = (args, config = configPath) => asPostgres('pgbackrest', [`--config-path=${config}`, `--stanza=${rendered.stanza}`, ...args]);
  }, 120_000);

  afterAll(() => {
    if (restoredDir && fs.existsSync(path.join(restoredDir, 'postmaster.pid'))) {
      asPostgres(path.join(server!.binDir, 'pg_ctl'), ['stop', '-D', restoredDir, '-m', 'immediate', '-w', '-s']);
    }
    server?.stop();
    standIn?.stop();
    if (work) {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);

  test('the rendered files archive asynchronously into an encrypted S3 repository under the backup key', () => {
    const conf = deployTimeText(rendered.pgbackrestConf, 'KEY');
    expect(conf).toMatch(/^repo1-type=s3$/m);
    expect(conf).toMatch(/^repo1-cipher-type=aes-256-cbc$/m);
    expect(conf).toMatch(/^repo1-s3-kms-key-id=KEY$/m);
    expect(conf).toMatch(/^repo1-storage-verify-tls=y$/m);
    expect(conf).toMatch(/^archive-async=y$/m);
    expect(conf).not.toMatch(/cipher-pass|s3-key=|s3-key-secret/);
    const archive = deployTimeText(rendered.archiveSettings, 'KEY');
    expect(archive).toMatch(/^archive_mode = on$/m);
    expect(archive).toContain(`archive_command = 'pgbackrest --config-path=${PgBackRestConfig.CONFIG_PATH} --stanza=${rendered.stanza} archive-push %p'`);
    // The passphrase reaches the host as a [global] repo1-cipher-pass line written from Secrets Manager.
    expect(rendered.passphraseFile.command).toMatch(/timescale-fetch-secret .* 000640 root postgres global repo1-cipher-pass/);
    // The file the rendered script wrote: root-owned, read by the postgres group only, one [global] line.
    const file = PgBackRestConfig.PASSPHRASE_FILE.replace(PgBackRestConfig.CONFIG_PATH, configPath);
    const stat = fs.statSync(file);
    expect([stat.uid, stat.gid, (stat.mode % 0o1000).toString(8)]).toEqual([0, postgresGid(), '640']);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^\[global\]\nrepo1-cipher-pass=[A-Za-z0-9_-]{43}\n$/);
    const credentials = PgBackRestConfig.CREDENTIALS_FILE.replace(PgBackRestConfig.CONFIG_PATH, configPath);
    const credentialsStat = fs.statSync(credentials);
    expect([credentialsStat.uid, credentialsStat.gid, (credentialsStat.mode % 0o1000).toString(8)]).toEqual([0, postgresGid(), '640']);
    expect(fs.readFileSync(credentials, 'utf8')).toBe(
      `[global]\nrepo1-s3-key=${CREDENTIALS.accessKeyId}\nrepo1-s3-key-secret=${CREDENTIALS.secretAccessKey}\nrepo1-s3-token=${CREDENTIALS.sessionToken}\n`);
  });

  test('stanza-create, a full backup, WAL archived, and a point-in-time restore finds exactly the rows before the time', () => {
    const stanza = pgbackrest(['stanza-create']);
    expect({ stanza: stanza.ok, out: stanza.ok ? '' : stanza.out }).toEqual({ stanza: true, out: '' });
    const full = pgbackrest(['--type=full', 'backup']);
    expect({ full: full.ok, out: full.ok ? '' : full.out }).toEqual({ full: true, out: '' });

    server!.mustAdmin(`CREATE TABLE pitr (id int PRIMARY KEY, note text); INSERT INTO pitr SELECT g, '${MARKER}-before-' || g FROM generate_series(1, 5) g`);
    spawnSync('sleep', ['1.1']);
    noted = server!.mustAdmin("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
    spawnSync('sleep', ['1.1']);
    server!.mustAdmin(`INSERT INTO pitr SELECT g, '${MARKER}-after-' || g FROM generate_series(6, 8) g`);
    server!.mustAdmin('SELECT pg_switch_wal()');
    // check switches WAL again and waits until the segment is in the repository.
    const check = pgbackrest(['check']);
    expect({ check: check.ok, out: check.ok ? '' : check.out }).toEqual({ check: true, out: '' });

    restoredDir = path.join(work, 'restored');
    fs.mkdirSync(restoredDir, { mode: 0o700 });
    chownToPostgres(restoredDir);
    // As timescale-pgbackrest-restore runs it for a time target.
    const restore = pgbackrest([`--pg1-path=${restoredDir}`, '--link-all', '--type=time', `--target=${noted}`, '--target-action=promote', 'restore']);
    expect({ restore: restore.ok, out: restore.ok ? '' : restore.out }).toEqual({ restore: true, out: '' });
    // The restored server fetches WAL with the same configuration path and stanza (the test's --pg1-path is passed on too).
    const recovery = fs.readFileSync(path.join(restoredDir, 'postgresql.auto.conf'), 'utf8');
    expect(recovery).toMatch(new RegExp(`^restore_command = 'pgbackrest --config-path=${configPath} .*--stanza=${rendered.stanza} archive-get %f "%p"'$`, 'm'));

    const socket = path.join(work, 'restored-socket');
    fs.mkdirSync(socket);
    chownToPostgres(socket);
    return freeLoopbackPort().then((port) => {
      restoredPort = port;
      mustAsPostgres(path.join(server!.binDir, 'pg_ctl'), ['start', '-D', restoredDir!, '-l', path.join(socket, 'restored.log'), '-w', '-t', '60', '-s',
        '-o', `-p ${port} -k ${socket} -c listen_addresses=''`]);
      const psql = (sql: string) => mustAsPostgres(path.join(server!.binDir, 'psql'), ['-X', '-A', '-t', '-q', '-h', socket, '-p', String(port), '-d', 'postgres', '-c', sql]).trim();
      // The boot's own wait, as rendered, returns only once the server has left recovery (its server
      // link and port pointed at this one; systemctl answers that the unit runs).
      const link = path.join(work, 'postgres-link');
      fs.symlinkSync(path.join(server!.binDir, 'postgres'), link);
      const stubs = path.join(work, 'stubs');
      fs.mkdirSync(stubs, { recursive: true });
      fs.writeFileSync(path.join(stubs, 'systemctl'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      const wait = rendered.waitForPrimary.replace(BOOT_POSTGRES_LINK, link).replace(/ -p 5432 /, ` -p ${port} `);
      expect(wait).toContain(` -p ${port} `);
      const waited = spawnSync('bash', ['-c', wait], {
        encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, PGHOST: socket },
      });
      expect({ status: waited.status, stderr: waited.stderr }).toEqual({ status: 0, stderr: '' });
      expect(psql('SELECT pg_is_in_recovery()')).toBe('f');
      // A server that does not answer keeps it waiting while the unit runs; once the unit has stopped, it fails.
      fs.writeFileSync(path.join(stubs, 'systemctl'), '#!/bin/sh\nexit 3\n', { mode: 0o755 });
      const gone = spawnSync('bash', ['-c', wait.replace(` -p ${port} `, ' -p 1 ')], {
        encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, PGHOST: socket },
      });
      expect({ status: gone.status, stderr: gone.stderr }).toEqual({ status: 1, stderr: 'timescaledb stopped before leaving recovery\n' });
      expect(psql("SELECT string_agg(note, ',' ORDER BY id) FROM pitr").split(',')).toEqual(
        [1, 2, 3, 4, 5].map((i) => `${MARKER}-before-${i}`));
    });
  }, 180_000);

  test('a wrong passphrase cannot read the repository', () => {
    const wrong = path.join(work, 'wrong-passphrase');
    makeConfigDir(wrong);
    const inWrong = (file: string) => file.replace(PgBackRestConfig.CONFIG_PATH, wrong);
    const inRight = (file: string) => file.replace(PgBackRestConfig.CONFIG_PATH, configPath);
    writeServerReadable(inWrong(PgBackRestConfig.CONFIG_FILE), fs.readFileSync(inRight(PgBackRestConfig.CONFIG_FILE), 'utf8'));
    writeServerReadable(inWrong(PgBackRestConfig.CREDENTIALS_FILE), fs.readFileSync(inRight(PgBackRestConfig.CREDENTIALS_FILE), 'utf8'));
    writeServerReadable(inWrong(PgBackRestConfig.PASSPHRASE_FILE), `[global]\nrepo1-cipher-pass=${crypto.randomBytes(32).toString('base64url')}\n`);
    const target = path.join(work, 'wrong-restore');
    fs.mkdirSync(target, { mode: 0o700 });
    chownToPostgres(target);
    const restore = pgbackrest([`--pg1-path=${target}`, 'restore'], wrong);
    expect(restore.ok).toBe(false);
    expect(restore.out).toMatch(/unable to|cipher|decrypt|format/i);
    expect(fs.existsSync(path.join(target, 'PG_VERSION'))).toBe(false);
  }, 60_000);

  test('every object is client-side encrypted, holds no row\'s text, and is stored with SSE-KMS under the backup key', async () => {
    const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }))).Versions ?? [];
    const keys = versions.map((v) => v.Key!);
    expect(keys.some((k) => k.startsWith('pgbackrest/archive/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('pgbackrest/backup/'))).toBe(true);
    for (const version of versions) {
      const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: version.Key!, VersionId: version.VersionId }));
      const body = Buffer.from(await object.Body!.transformToByteArray());
      // OpenSSL's salted format, which pgBackRest writes for every file of an encrypted repository.
      expect({ key: version.Key, magic: body.subarray(0, 8).toString('latin1') }).toEqual({ key: version.Key, magic: 'Salted__' });
      expect({ key: version.Key, holdsRowText: body.includes(Buffer.from(MARKER)) }).toEqual({ key: version.Key, holdsRowText: false });
      const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: version.Key!, VersionId: version.VersionId }));
      expect({ key: version.Key, sse: head.ServerSideEncryption, kmsKey: head.SSEKMSKeyId }).toEqual({ key: version.Key, sse: 'aws:kms', kmsKey: keyArn });
    }
  }, 60_000);
});
