/**
 * S3 and KMS for tests, on this machine only: moto's server (an AWS API emulator) on a free loopback
 * port, behind stunnel (pgBackRest speaks only TLS to S3) with a certificate made for the test. Both
 * run as children of the test process and are stopped by `stop`, or when the process exits.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/** A free TCP port on 127.0.0.1. */
export async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, what: string, log: () => string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${what} exited (${child.exitCode}) before listening on 127.0.0.1:${port}.\n${log()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${ms / 1000} s.\n${log()}`);
}

function findCommand(names: string[], hint: string): string {
  for (const name of names) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) {
      return found.stdout.trim();
    }
  }
  throw new Error(`None of ${names.join(', ')} is installed. ${hint} These tests are never skipped.`);
}

const live = new Set<S3StandIn>();
process.once('exit', () => live.forEach((standIn) => standIn.stop()));

/** moto's server behind stunnel. */
export class S3StandIn {
  /** Starts moto and stunnel on free loopback ports. */
  static async start(): Promise<S3StandIn> {
    const moto = findCommand(['moto_server'], 'Install it with: python3 -m pip install \'moto[server]\' (.ci/run checks it is there).');
    const stunnel = findCommand(['stunnel4', 'stunnel'], 'Install it with: apt-get install stunnel4 (test/setup/prerequisites.sh does this).');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-timescale-s3-'));
    const standIn = new S3StandIn(dir, await freeLoopbackPort(), await freeLoopbackPort());
    live.add(standIn);
    try {
      await standIn.startMoto(moto);
      await standIn.startStunnel(stunnel);
      return standIn;
    } catch (error) {
      standIn.stop();
      throw error;
    }
  }

  /** moto's plain HTTP endpoint, for the test's own SDK calls. */
  readonly httpEndpoint: string;
  private readonly children: ChildProcess[] = [];

  private constructor(readonly dir: string, readonly motoPort: number, readonly tlsPort: number) {
    this.httpEndpoint = `http://127.0.0.1:${motoPort}`;
  }

  /** Stops stunnel and moto and removes the folder. Safe to call twice. */
  stop(): void {
    for (const child of this.children.reverse()) {
      if (child.exitCode === null && child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    }
    this.children.length = 0;
    live.delete(this);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private log(name: string): string {
    const file = path.join(this.dir, `${name}.log`);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-3000) : '';
  }

  private launch(command: string, args: string[], name: string): ChildProcess {
    const out = fs.openSync(path.join(this.dir, `${name}.log`), 'a');
    // Its own process group, so stop() ends it with everything it started.
    const child = spawn(command, args, { stdio: ['ignore', out, out], detached: true, cwd: this.dir });
    fs.closeSync(out);
    this.children.push(child);
    return child;
  }

  private async startMoto(moto: string): Promise<void> {
    const child = this.launch(moto, ['-H', '127.0.0.1', '-p', String(this.motoPort)], 'moto');
    await waitForPort(this.motoPort, child, 'moto_server', () => this.log('moto'));
  }

  private async startStunnel(stunnel: string): Promise<void> {
    const key = path.join(this.dir, 'tls.key');
    const cert = path.join(this.dir, 'tls.crt');
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
    if (made.status !== 0) {
      throw new Error(`openssl could not make the stunnel certificate: ${made.stderr}`);
    }
    const conf = path.join(this.dir, 'stunnel.conf');
    fs.writeFileSync(conf, [
      'foreground = yes',
      'pid =',
      `output = ${path.join(this.dir, 'stunnel-internal.log')}`,
      '[s3]',
      `accept = 127.0.0.1:${this.tlsPort}`,
      `connect = 127.0.0.1:${this.motoPort}`,
      `cert = ${cert}`,
      `key = ${key}`,
      '',
    ].join('\n'));
    const child = this.launch(stunnel, [conf], 'stunnel');
    await waitForPort(this.tlsPort, child, 'stunnel', () => this.log('stunnel'));
  }
}
