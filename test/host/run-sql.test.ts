import { spawnSync } from 'child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { join } from 'path';
import { renderedFile, renderedInit } from './support/rendered';
import { rootOwnedTempDir } from './support/root-temp';

/**
 * The rendered timescale-run-sql and timescale-fetch-secret, run as root against a real PostgreSQL
 * created with the rendered initdb options: secrets reach psql through files only root and
 * postgres can read, the SQL arrives on stdin (no file written), and the superuser has no password.
 *
 * One substitution: the link to the server binaries (/usr/local/libexec/timescale/postgres on the
 * host) points into the temporary tree.
 */

const POSTGRES_LINK = '/usr/local/libexec/timescale/postgres';
const VALUE = 'it\'s $(id) `id` "quoted" \\ value';

const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
const POSTGRES_UID = id('-u');
const POSTGRES_GID = id('-g');

let base: string;
let bindir: string;
let port: number;
let env: NodeJS.ProcessEnv;
let runSql: string;
let fetch: string;
let sqlDir: string;
let secretsDir: string;
let serverStarted = false;
let clearPassword: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function mkdir(path: string, mode: number, uid = 0, gid = 0): string {
  mkdirSync(path, { recursive: true });
  chownSync(path, uid, gid);
  chmodSync(path, mode);
  return path;
}

function sh(command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  // stdin not a socket: bash would then read root's ~/.bashrc as if started by sshd. From '/': psql,
  // run as postgres, warns when it cannot enter the caller's directory (a clone under a private
  // temporary directory, for one).
  return spawnSync(command, args, { encoding: 'utf8', timeout: 30_000, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
}

function asPostgres(...args: string[]) {
  return sh('runuser', ['-u', 'postgres', '--', ...args]);
}

function query(sql: string): string {
  const result = asPostgres(join(bindir, 'psql'), '-X', '-At', '-p', String(port), '-d', 'postgres', '-c', sql);
  if (result.status !== 0) throw new Error(`psql failed: ${result.stderr}`);
  return result.stdout.trim();
}

function writeSql(name: string, sql: string): string {
  const path = join(sqlDir, `${name}.sql`);
  writeFileSync(path, sql);
  chownSync(path, 0, POSTGRES_GID);
  chmodSync(path, 0o640);
  return path;
}

/** Every path under `root` except the server's own directories. */
function paths(root: string, skip: string[]): string[] {
  const found: string[] = [];
  const visit = (path: string) => {
    found.push(path);
    if (skip.includes(path)) return;
    try {
      for (const name of readdirSync(path)) visit(join(path, name));
    } catch { /* a file */ }
  };
  visit(root);
  return found.sort();
}

beforeAll(async () => {
  const majors = readdirSync('/usr/lib/postgresql').filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`)).sort((a, b) => Number(a) - Number(b));
  if (majors.length === 0) {
    throw new Error('no PostgreSQL server under /usr/lib/postgresql: apt-get install postgresql');
  }
  bindir = `/usr/lib/postgresql/${majors.pop()}/bin`;
  port = await freePort();
  base = rootOwnedTempDir('run-sql-');
  const socketDir = mkdir(join(base, 'socket'), 0o755, POSTGRES_UID, POSTGRES_GID);
  const bin = mkdir(join(base, 'bin'), 0o755);
  const libexec = mkdir(join(base, 'libexec'), 0o755);
  symlinkSync(join(bindir, 'postgres'), join(libexec, 'postgres'));
  sqlDir = mkdir(join(base, 'etc', 'sql'), 0o750, 0, POSTGRES_GID);
  secretsDir = join(base, 'run', 'sql');
  // PGHOST reaches psql through runuser: the test server's socket is not in the default directory.
  env = { PATH: `${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, PGHOST: socketDir, LANG: 'C.UTF-8' };

  const init = renderedInit(port);
  runSql = join(bin, 'timescale-run-sql');
  writeFileSync(runSql, renderedFile(init, '/usr/local/sbin/timescale-run-sql').split(POSTGRES_LINK).join(join(libexec, 'postgres')), { mode: 0o700 });
  clearPassword = (init.superuserPassword.commands['10-no-superuser-password'].command as string)
    .split(POSTGRES_LINK).join(join(libexec, 'postgres'));
  fetch = join(bin, 'timescale-fetch-secret');
  writeFileSync(fetch, renderedFile(init, '/usr/local/sbin/timescale-fetch-secret'), { mode: 0o700 });
  writeFileSync(join(bin, 'aws'), `#!/bin/bash\nprintf '%s' '${VALUE.replace(/'/g, "'\\''")}'\n`, { mode: 0o755 });

  // The cluster as the host creates it: the rendered initdb authentication options, no password.
  const initCluster = renderedFile(init, '/usr/local/sbin/timescale-init-cluster');
  const auth = initCluster.match(/--username=\S+ --auth-local=\S+ --auth-host=\S+/)?.[0];
  expect(auth).toBe('--username=postgres --auth-local=peer --auth-host=reject');
  expect(initCluster).not.toMatch(/--pwfile/);
  const data = mkdir(join(base, 'data'), 0o700, POSTGRES_UID, POSTGRES_GID);
  const initdb = asPostgres(join(bindir, 'initdb'), '-D', join(data, 'pgdata'), ...auth!.split(' '), '--encoding=UTF8', '--locale=C.UTF-8');
  if (initdb.status !== 0) throw new Error(`initdb failed: ${initdb.stderr}`);
  const start = asPostgres(join(bindir, 'pg_ctl'), '-D', join(data, 'pgdata'), '-l', join(data, 'log'), '-w', '-t', '20',
    '-o', `-p ${port} -k ${socketDir} -c listen_addresses=''`, 'start');
  if (start.status !== 0) throw new Error(`the server did not start: ${start.stderr}`);
  serverStarted = true;
});

afterAll(() => {
  if (serverStarted) {
    asPostgres(join(bindir, 'pg_ctl'), '-D', join(base, 'data', 'pgdata'), '-m', 'immediate', '-w', '-t', '20', 'stop');
  }
  if (base) rmSync(base, { recursive: true, force: true });
});

test('a secret reaches the SQL as a psql variable, verbatim, through a root:postgres 0440 file that is removed after', () => {
  const sql = writeSql('secret', 'CREATE TABLE IF NOT EXISTS seen (v text);\nINSERT INTO seen VALUES (:\'pw\');\n');
  const file = join(secretsDir, 'secret.pw');
  const fetched = sh(fetch, ['arn:aws:secretsmanager:eu-west-1:111111111111:secret:s', '-', file, '000440', 'root', 'postgres']);
  expect(fetched).toMatchObject({ status: 0, stderr: '' });
  const stat = spawnSync('stat', ['-c', '%u:%g %a', secretsDir, file], { encoding: 'utf8' }).stdout.trim().split('\n');
  expect(stat).toEqual([`0:${POSTGRES_GID} 750`, `0:${POSTGRES_GID} 440`]);

  const before = paths(base, [join(base, 'data'), join(base, 'socket')]);
  const result = sh(runSql, [sql, `pw=${file}`]);
  expect(result).toMatchObject({ status: 0, stderr: '' });
  expect(query('SELECT v FROM seen')).toBe(VALUE);
  // No wrapper or other file written; only the variable file is gone.
  expect(paths(base, [join(base, 'data'), join(base, 'socket')])).toEqual(before.filter((p) => p !== file));
});

test('a failing statement stops the script with a non-zero status, and the variable file is still removed', () => {
  const sql = writeSql('fails', 'SELECT 1/0;\nCREATE TABLE never_created (v text);\n');
  const file = join(secretsDir, 'fails.pw');
  expect(sh(fetch, ['arn:aws:secretsmanager:eu-west-1:111111111111:secret:s', '-', file, '000440', 'root', 'postgres']).status).toBe(0);
  const result = sh(runSql, [sql, `pw=${file}`]);
  expect(result.status).not.toBe(0);
  expect(result.stderr).toMatch(/division by zero/);
  expect(existsSync(file)).toBe(false);
  expect(query("SELECT count(*) FROM pg_class WHERE relname = 'never_created'")).toBe('0');
});

test('refuses variable specs that are not <name>=<absolute path>', () => {
  const sql = writeSql('noop', 'SELECT 1;\n');
  const result = sh(runSql, [sql, 'pw=relative/file']);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/expected <variable>=<absolute file path>; got pw=relative\/file/);
});

test('the superuser has no password: it logs in by peer over the local socket only', () => {
  expect(query("SELECT rolsuper, rolpassword IS NULL FROM pg_authid WHERE rolname = 'postgres'")).toBe('t|t');
  expect(query("SELECT type, auth_method FROM pg_hba_file_rules WHERE 'postgres' = ANY(user_name) OR 'all' = ANY(user_name) ORDER BY line_number"))
    .not.toMatch(/\|(md5|scram-sha-256|password|trust)$/m);
  // Peer: root is not postgres, so root's own psql is refused.
  const asRoot = sh(join(bindir, 'psql'), ['-X', '-At', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-c', 'SELECT 1']);
  expect(asRoot.status).not.toBe(0);
  expect(asRoot.stderr).toMatch(/Peer authentication failed for user "postgres"/);
});

test('the rendered command clears a superuser password a cluster of an earlier version has', () => {
  query("ALTER ROLE postgres PASSWORD 'set-by-an-earlier-version'");
  expect(query("SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'postgres'")).toBe('f');
  expect(sh('bash', ['-c', clearPassword])).toMatchObject({ status: 0, stderr: '' });
  expect(query("SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'postgres'")).toBe('t');
});
