/**
 * A real, throw-away PostgreSQL server for tests: this machine's binaries, a fresh cluster in a
 * temporary folder, loopback only, a free port, a test CA and server certificate made with
 * openssl, and exactly the pg_hba.conf and conf.d fragments a test passes in.
 *
 * The server runs as the OS user `postgres`: when the tests run as root through runuser
 * (PostgreSQL refuses to run as root), otherwise the tests must run as `postgres` themselves. The
 * harness administers the server as the superuser over the Unix socket by peer, through the
 * rendered `local all postgres peer` line, because the rendered pg_hba.conf refuses the superuser
 * over TCP. Missing binaries, users or tools fail loudly: these tests are never skipped.
 */
import { spawn, spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** A conf.d fragment: written to `<data>/conf.d/<name>` and read in file-name order. */
export interface ConfFragment {
  readonly name: string;
  readonly content: string;
}

/** The server configuration under test. */
export interface ServerConfig {
  /** The exact pg_hba.conf text. */
  readonly hba: string;
  /** The conf.d fragments (TLS settings, audit settings), exactly as rendered. */
  readonly fragments: ConfFragment[];
}

/** The outcome of one client command. */
export interface CommandResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A client connection attempt through psql. */
export interface ConnectOptions {
  /** The numeric address to connect to. @default '127.0.0.1' */
  readonly hostaddr?: string;
  /** The host name libpq checks the certificate against (sent as `host`). @default - the address */
  readonly host?: string;
  readonly sslmode: 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
  readonly user: string;
  readonly password?: string;
  readonly dbname?: string;
  /** ssl_min_protocol_version on the client. @default - libpq's default (TLSv1.2) */
  readonly sslMinProtocolVersion?: string;
  /** ssl_max_protocol_version on the client. @default - none */
  readonly sslMaxProtocolVersion?: string;
  /** The CA file the client trusts. @default - the test CA */
  readonly sslrootcert?: string;
  /** The SQL to run. @default - reports the user and the negotiated TLS version */
  readonly sql?: string;
  /** psql variables (`-v name=value`). */
  readonly variables?: { [name: string]: string };
  /** A SQL file to run instead of `sql`. */
  readonly file?: string;
}

/** SQL run as the superuser over the Unix socket. */
export interface AdminOptions {
  /** The SQL to run (ignored when `file` is given). */
  readonly sql?: string;
  /** A SQL file to run, readable by the server's OS user (see `writeFile`). */
  readonly file?: string;
  /** psql variables (`-v name=value`). */
  readonly variables?: { [name: string]: string };
  /** @default 'postgres' */
  readonly dbname?: string;
}

/** A psql client running in the background. */
export interface BackgroundClient {
  /** The process id of psql. */
  readonly pid: number;
  /** Resolves when psql exits, with its output. */
  readonly done: Promise<CommandResult>;
  /** Whether psql has exited. */
  readonly exited: () => boolean;
  /** Kills psql if it still runs. */
  readonly kill: () => void;
}

/** The host name in the test server certificate. */
export const SERVER_NAME = 'db.test.internal';

const SUPERUSER = 'postgres';
const CONNECTED_SQL =
  "SELECT current_user || ' ' || coalesce((SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl), 'plaintext')";

/** Finds the server binaries: `$PG_BINDIR`, else the highest major under /usr/lib/postgresql. */
export function findPostgresBinDir(): string {
  const override = process.env.PG_BINDIR;
  if (override) {
    if (!fs.existsSync(path.join(override, 'postgres'))) {
      throw new Error(`PG_BINDIR='${override}' has no postgres binary.`);
    }
    return override;
  }
  const root = '/usr/lib/postgresql';
  const majors = fs.existsSync(root)
    ? fs.readdirSync(root).filter((name) => /^\d+(\.\d+)?$/.test(name) && fs.existsSync(path.join(root, name, 'bin', 'postgres')))
    : [];
  if (majors.length === 0) {
    throw new Error(
      `No PostgreSQL server found under ${root}/<major>/bin. The real-server tests need the server, psql and openssl: ` +
      'install them (Debian/Ubuntu: apt-get install postgresql postgresql-<major>-pgaudit openssl; .ci/run does this) ' +
      'or point PG_BINDIR at a bin folder. These tests are never skipped.',
    );
  }
  majors.sort((a, b) => parseFloat(b) - parseFloat(a));
  return path.join(root, majors[0], 'bin');
}

interface ServerUser {
  readonly name: string;
  /** The command prefix that runs a server-side command as that user. */
  readonly prefix: string[];
}

function serverUser(): ServerUser {
  if (process.getuid?.() !== 0) {
    const name = os.userInfo().username;
    if (name !== SUPERUSER) {
      throw new Error(
        'The real-server tests administer the server as the superuser over the Unix socket by peer (the rendered ' +
        `'local all ${SUPERUSER} peer' line), so they must run as root or as the OS user ${SUPERUSER}, not as '${name}'.`,
      );
    }
    return { name, prefix: [] };
  }
  const runuser = ['/usr/sbin/runuser', '/sbin/runuser', '/usr/bin/runuser'].find((candidate) => fs.existsSync(candidate));
  if (!runuser) {
    throw new Error(
      'The tests run as root, and PostgreSQL refuses to run as root, so the server must run as the OS user postgres through ' +
      'runuser, which is missing. Install util-linux, or run the tests as a non-root user.',
    );
  }
  const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  if (id.status !== 0) {
    throw new Error(
      'The tests run as root and need the OS user postgres to run the server, but it does not exist. ' +
      'Installing the Debian postgresql package creates it (or: useradd --system postgres).',
    );
  }
  return { name: 'postgres', prefix: [runuser, '-u', 'postgres', '--'] };
}

function run(command: string, args: string[], options: SpawnSyncOptions = {}): CommandResult {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000, ...options });
  if (result.error) {
    throw new Error(`Could not run ${command}: ${result.error.message}`);
  }
  return {
    ok: result.status === 0,
    status: result.status,
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
  };
}

function mustRun(what: string, command: string, args: string[], options: SpawnSyncOptions = {}): CommandResult {
  const result = run(command, args, options);
  if (!result.ok) {
    throw new Error(`${what} failed (exit ${result.status}): ${command} ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

async function canListen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function freePort(withIpv6: boolean): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => {
        const address = server.address() as net.AddressInfo;
        server.close(() => resolve(address.port));
      });
    });
    if (!withIpv6 || await canListen('::1', port)) {
      return port;
    }
  }
  throw new Error('Could not find a free TCP port on 127.0.0.1 and ::1.');
}

/** Every server still running in this process, stopped on exit if a test forgot. */
const live = new Set<PostgresTestServer>();
process.once('exit', () => live.forEach((server) => server.stop()));

/** The files the harness made, for rendering the configuration under test. */
export interface TestFiles {
  /** The test CA certificate (signed the server certificate). */
  readonly caFile: string;
  /** The server certificate: CN and DNS name db.test.internal, also localhost, 127.0.0.1 and ::1. */
  readonly certFile: string;
  /** The server private key, readable only by the server's OS user. */
  readonly keyFile: string;
}

/** Options for `PostgresTestServer.start`. */
export interface StartOptions extends ServerConfig {
  /** Server settings that need a restart (e.g. shared_preload_libraries), added to the base config. */
  readonly baseSettings?: string[];
}

/**
 * One running test server. Start it in `beforeAll`, stop it in `afterAll`.
 */
export class PostgresTestServer implements TestFiles {
  /**
   * Creates the cluster and certificates, writes the configuration and starts the server.
   * Cleans up after itself if any step fails.
   */
  static async start(configure: (server: PostgresTestServer) => StartOptions): Promise<PostgresTestServer> {
    const binDir = findPostgresBinDir();
    const user = serverUser();
    const hasIpv6 = await canListen('::1', 0);
    const port = await freePort(hasIpv6);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-timescale-pg-'));
    const server = new PostgresTestServer(binDir, user, dir, port, hasIpv6);
    try {
      server.initialize();
      const options = configure(server);
      server.baseSettings = options.baseSettings ?? [];
      server.writeConfig(options);
      server.startServer();
      live.add(server);
      server.assertConfigAccepted();
      return server;
    } catch (error) {
      server.stop();
      throw error;
    }
  }

  /** The folder holding everything: data, certificates, socket, log. Removed by `stop`. */
  readonly dir: string;
  readonly binDir: string;
  readonly port: number;
  /** Whether ::1 is usable on this machine (then the server listens on it too). */
  readonly hasIpv6: boolean;
  readonly dataDir: string;
  readonly logFile: string;
  readonly caFile: string;
  /** A second CA that did not sign the server certificate. */
  readonly otherCaFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly superuserPassword = `su-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  private readonly user: ServerUser;
  private baseSettings: string[] = [];
  private readonly clientHome: string;
  private generation = 0;
  private running = false;

  private constructor(binDir: string, user: ServerUser, dir: string, port: number, hasIpv6: boolean) {
    this.binDir = binDir;
    this.user = user;
    this.dir = dir;
    this.port = port;
    this.hasIpv6 = hasIpv6;
    this.dataDir = path.join(dir, 'data');
    this.logFile = path.join(dir, 'server.log');
    this.caFile = path.join(dir, 'tls', 'ca.crt');
    this.otherCaFile = path.join(dir, 'tls', 'other-ca.crt');
    this.certFile = path.join(dir, 'tls', 'server.crt');
    this.keyFile = path.join(dir, 'tls', 'server.key');
    this.clientHome = path.join(dir, 'client-home');
  }

  /** Writes a new pg_hba.conf and conf.d fragments and reloads, waiting until the server uses them. */
  reconfigure(config: ServerConfig): void {
    this.writeConfig(config);
    this.runAsServer('pg_ctl reload', 'pg_ctl', ['reload', '-D', this.dataDir, '-s']);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const shown = this.admin('SHOW cdk_test.generation');
      if (shown.ok && shown.stdout.trim() === String(this.generation)) {
        this.assertConfigAccepted();
        return;
      }
      spawnSync('sleep', ['0.05']);
    }
    throw new Error(`The server did not load configuration generation ${this.generation} within 10 s.\n${this.log()}`);
  }

  /**
   * Runs SQL as the superuser over the Unix socket, as the server's OS user (peer): the only way
   * the rendered pg_hba.conf admits the superuser.
   */
  admin(sql: string, dbname = 'postgres'): CommandResult {
    return this.adminRun({ sql, dbname });
  }

  /** Runs SQL or a SQL file with psql variables as the superuser over the Unix socket (peer). */
  adminRun(options: AdminOptions): CommandResult {
    const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', path.join(this.dir, 'socket'), '-p', String(this.port),
      '-U', SUPERUSER, '-d', options.dbname ?? 'postgres'];
    for (const [name, value] of Object.entries(options.variables ?? {})) {
      args.push('-v', `${name}=${value}`);
    }
    args.push(...(options.file ? ['-f', options.file] : ['-c', options.sql ?? 'SELECT 1']));
    const command = this.serverCommand('psql', args);
    return run(command[0], command.slice(1), { env: this.clientEnv(undefined), cwd: this.dir });
  }

  /** Like `admin`, but throws with the server's message when the SQL fails. */
  mustAdmin(sql: string, dbname = 'postgres'): string {
    const result = this.admin(sql, dbname);
    if (!result.ok) {
      throw new Error(`Admin SQL failed: ${sql}\n${result.stderr}\n--- server log tail ---\n${this.log().slice(-3000)}`);
    }
    return result.stdout.trim();
  }

  /** Connects with psql as a client would; `stdout` is the query result (by default "<user> <TLS version or plaintext>"). */
  connect(options: ConnectOptions): CommandResult {
    const [psql, args, env] = this.clientCommand(options);
    return run(psql, args, { env });
  }

  /**
   * Starts psql as a client would, without waiting for it (e.g. a long `SELECT pg_sleep(60)`).
   * The caller bounds its wait on `done` and kills the client when done.
   */
  connectInBackground(options: ConnectOptions): BackgroundClient {
    const [psql, args, env] = this.clientCommand(options);
    const child = spawn(psql, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let exited = false;
    child.stdout.on('data', (chunk) => { stdout += String(chunk); });
    child.stderr.on('data', (chunk) => { stderr += String(chunk); });
    const done = new Promise<CommandResult>((resolve) => {
      child.on('error', (error) => { exited = true; resolve({ ok: false, status: null, stdout, stderr: stderr + error.message }); });
      child.on('close', (status) => { exited = true; resolve({ ok: status === 0, status, stdout, stderr }); });
    });
    return {
      pid: child.pid ?? -1,
      done,
      exited: () => exited,
      kill: () => {
        if (!exited) {
          child.kill('SIGKILL');
        }
      },
    };
  }

  private clientCommand(options: ConnectOptions): [string, string[], NodeJS.ProcessEnv] {
    const hostaddr = options.hostaddr ?? '127.0.0.1';
    const params: { [key: string]: string | undefined } = {
      host: options.host ?? hostaddr,
      hostaddr,
      port: String(this.port),
      dbname: options.dbname ?? 'postgres',
      user: options.user,
      sslmode: options.sslmode,
      sslrootcert: options.sslrootcert ?? this.caFile,
      ssl_min_protocol_version: options.sslMinProtocolVersion,
      ssl_max_protocol_version: options.sslMaxProtocolVersion,
      connect_timeout: '5',
      application_name: 'cdk-timescale-test',
    };
    const conninfo = Object.entries(params)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}='${value!.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`)
      .join(' ');
    const args = ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-d', conninfo];
    for (const [name, value] of Object.entries(options.variables ?? {})) {
      args.push('-v', `${name}=${value}`);
    }
    if (options.file) {
      args.push('-f', options.file);
    } else {
      args.push('-c', options.sql ?? CONNECTED_SQL);
    }
    return [path.join(this.binDir, 'psql'), args, this.clientEnv(options.password)];
  }

  /**
   * Probes the TLS handshake with `openssl s_client -starttls postgres`, which speaks PostgreSQL's
   * SSLRequest and then TLS; `extra` selects the protocol and ciphers the client offers.
   */
  probeTls(extra: string[]): CommandResult {
    return run('openssl', ['s_client', '-starttls', 'postgres', '-connect', `127.0.0.1:${this.port}`, '-servername', SERVER_NAME,
      '-CAfile', this.caFile, ...extra], { input: '', env: this.clientEnv(undefined) });
  }

  /** Runs psql as the given OS user over the Unix socket (to test the `local` line). */
  connectLocal(asServerUser: boolean, dbUser: string): CommandResult {
    const args = ['-X', '-A', '-t', '-q', '-h', path.join(this.dir, 'socket'), '-p', String(this.port), '-U', dbUser, '-d', 'postgres',
      '-c', 'SELECT current_user'];
    const psql = path.join(this.binDir, 'psql');
    if (asServerUser) {
      const command = this.serverCommand('psql', args);
      return run(command[0], command.slice(1), { env: this.clientEnv(undefined), cwd: this.dir });
    }
    return run(psql, args, { env: this.clientEnv(undefined) });
  }

  /** The OS user the server runs as. */
  get osUser(): string {
    return this.user.name;
  }

  /** The server log so far. */
  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  /**
   * The server log after offset `from`, once it matches `pattern` (or after `ms`, whatever it
   * holds then). For messages the server writes after the client has already seen the failure,
   * such as a TLS handshake refused with an alert.
   */
  logSince(from: number, pattern: RegExp, ms = 5_000): string {
    const deadline = Date.now() + ms;
    let text = this.log().slice(from);
    while (!pattern.test(text) && Date.now() < deadline) {
      spawnSync('sleep', ['0.05']);
      text = this.log().slice(from);
    }
    return text;
  }

  /** Writes a file readable by the server user (e.g. a SQL script). */
  writeFile(name: string, content: string): string {
    const file = path.join(this.dir, name);
    fs.writeFileSync(file, content, { mode: 0o644 });
    return file;
  }

  /** Stops the server (immediate shutdown) and removes the folder. Safe to call twice. */
  stop(): void {
    if (this.running) {
      this.running = false;
      const command = this.serverCommand('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'immediate', '-w', '-s']);
      spawnSync(command[0], command.slice(1), { timeout: 30_000 });
    }
    live.delete(this);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private serverCommand(binary: string, args: string[]): string[] {
    return [...this.user.prefix, path.join(this.binDir, binary), ...args];
  }

  private runAsServer(what: string, binary: string, args: string[]): CommandResult {
    const command = this.serverCommand(binary, args);
    return mustRun(what, command[0], command.slice(1), { cwd: this.dir });
  }

  private clientEnv(password: string | undefined): NodeJS.ProcessEnv {
    // A client environment free of the caller's PG* settings, service files and ~/.postgresql.
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('PG')) {
        env[key] = value;
      }
    }
    env.HOME = this.clientHome;
    env.PGSYSCONFDIR = this.clientHome;
    env.PGPASSFILE = path.join(this.clientHome, 'no-pgpass');
    if (password !== undefined) {
      env.PGPASSWORD = password;
    }
    return env;
  }

  private initialize(): void {
    fs.mkdirSync(path.join(this.dir, 'tls'));
    fs.mkdirSync(path.join(this.dir, 'socket'));
    fs.mkdirSync(this.clientHome);
    this.makeCertificates();
    const pwfile = path.join(this.dir, 'superuser.pw');
    fs.writeFileSync(pwfile, this.superuserPassword + '\n', { mode: 0o600 });
    if (this.user.prefix.length > 0) {
      mustRun('chown', 'chown', ['-R', `${this.user.name}:`, this.dir]);
    }
    this.runAsServer('initdb', 'initdb', ['-D', this.dataDir, '-U', SUPERUSER, `--pwfile=${pwfile}`, '-A', 'scram-sha-256',
      '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C']);
    fs.rmSync(pwfile);
    fs.mkdirSync(path.join(this.dataDir, 'conf.d'));
    if (this.user.prefix.length > 0) {
      mustRun('chown', 'chown', [`${this.user.name}:`, path.join(this.dataDir, 'conf.d')]);
    }
  }

  private makeCertificates(): void {
    const tls = path.join(this.dir, 'tls');
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    for (const [name, cn] of [['ca', 'cdk-timescale-security test CA'], ['other-ca', 'an unrelated CA']]) {
      mustRun('openssl CA', 'openssl', ['req', '-x509', ...ec, '-keyout', path.join(tls, `${name}.key`), '-out', path.join(tls, `${name}.crt`),
        '-days', '2', '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    }
    const csr = path.join(tls, 'server.csr');
    mustRun('openssl CSR', 'openssl', ['req', '-new', ...ec, '-keyout', this.keyFile, '-out', csr, '-subj', `/CN=${SERVER_NAME}`]);
    const ext = path.join(tls, 'server.ext');
    fs.writeFileSync(ext, [
      `subjectAltName = DNS:${SERVER_NAME}, DNS:localhost, IP:127.0.0.1, IP:::1`,
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth',
    ].join('\n'));
    mustRun('openssl sign', 'openssl', ['x509', '-req', '-in', csr, '-CA', this.caFile, '-CAkey', path.join(tls, 'ca.key'),
      '-CAcreateserial', '-out', this.certFile, '-days', '2', '-extfile', ext]);
    fs.chmodSync(this.keyFile, 0o600);
  }

  private writeConfig(config: ServerConfig): void {
    this.generation++;
    const listen = this.hasIpv6 ? '127.0.0.1,::1' : '127.0.0.1';
    const base = [
      '# Minimal base configuration of the test harness; the configuration under test is in pg_hba.conf and conf.d.',
      `listen_addresses = '${listen}'`,
      `port = ${this.port}`,
      `unix_socket_directories = '${path.join(this.dir, 'socket')}'`,
      'max_connections = 30',
      'shared_buffers = 16MB',
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'logging_collector = off',
      `cdk_test.generation = '${this.generation}'`,
      ...this.baseSettings,
      'include_dir = \'conf.d\'',
      '',
    ].join('\n');
    this.writeServerFile(path.join(this.dataDir, 'postgresql.conf'), base);
    this.writeServerFile(path.join(this.dataDir, 'pg_hba.conf'), config.hba);
    const confDir = path.join(this.dataDir, 'conf.d');
    for (const file of fs.readdirSync(confDir)) {
      fs.rmSync(path.join(confDir, file));
    }
    for (const fragment of config.fragments) {
      if (!/^[\w.-]+\.conf$/.test(fragment.name)) {
        throw new Error(`Fragment name '${fragment.name}' must be a plain file name ending in .conf.`);
      }
      this.writeServerFile(path.join(confDir, fragment.name), fragment.content);
    }
  }

  private writeServerFile(file: string, content: string): void {
    fs.writeFileSync(file, content, { mode: 0o600 });
    if (this.user.prefix.length > 0) {
      mustRun('chown', 'chown', [`${this.user.name}:`, file]);
    }
  }

  private startServer(): void {
    const command = this.serverCommand('pg_ctl', ['start', '-D', this.dataDir, '-l', this.logFile, '-w', '-t', '30', '-s']);
    // pg_ctl -l needs the log file writable by the server user.
    fs.writeFileSync(this.logFile, '', { mode: 0o644 });
    if (this.user.prefix.length > 0) {
      mustRun('chown', 'chown', [`${this.user.name}:`, this.logFile]);
    }
    const result = run(command[0], command.slice(1), { cwd: this.dir });
    if (!result.ok) {
      throw new Error(`The PostgreSQL server did not start.\n${result.stderr}\n--- server log ---\n${this.log()}`);
    }
    this.running = true;
  }

  /** Fails when the server's own parsers found an error in pg_hba.conf or a config file. */
  private assertConfigAccepted(): void {
    const errors = this.mustAdmin(
      "SELECT string_agg(x, E'\\n') FROM (SELECT 'pg_hba.conf line ' || line_number || ': ' || error AS x FROM pg_hba_file_rules WHERE error IS NOT NULL " +
      "UNION ALL SELECT sourcefile || ' line ' || sourceline || ': ' || error FROM pg_file_settings WHERE error IS NOT NULL) e",
    );
    if (errors !== '') {
      throw new Error(`The server refused part of the configuration:\n${errors}`);
    }
  }
}
