import * as crypto from 'crypto';
import * as net from 'net';
import { Client, ClientConfig } from 'pg';
import { CheckOutcome, compliant, nonCompliant, unverifiable } from './context';

/** Where and how to probe the database endpoint. */
export interface ProbeOptions {
  readonly host: string;
  readonly port: number;
  /** The CA certificate(s), PEM, the clients trust. */
  readonly ca: string;
  /** The name the certificate must carry when `host` is an IP address. @default - `host` */
  readonly serverName?: string;
  /** The role named in the start-up message; the probe never logs in (it sends a random password). */
  readonly user: string;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/** What one connection attempt got to. */
interface Attempt {
  /** The negotiated TLS version, when the handshake completed. */
  readonly tls?: string;
  /** Whether the server accepted the login (it never should: the password is random). */
  readonly connected: boolean;
  /** The server's ErrorResponse, when it sent one. */
  readonly server?: { readonly code: string; readonly message: string };
  /** A client-side or network error. */
  readonly error?: { readonly code?: string; readonly message: string };
}

async function attempt(options: ProbeOptions, ssl: ClientConfig['ssl']): Promise<Attempt> {
  const client = new Client({
    host: options.host,
    port: options.port,
    user: options.user,
    database: 'postgres',
    password: crypto.randomBytes(24).toString('base64url'),
    ssl,
    connectionTimeoutMillis: options.timeoutMs ?? 10_000,
    application_name: 'cdk-timescale-security-verify',
  });
  let tls: string | undefined;
  const connection = (client as any).connection;
  // pg emits `sslconnect` when it starts the TLS upgrade; the handshake has completed only at `secureConnect`.
  connection.once('sslconnect', () => {
    connection.stream.once('secureConnect', () => {
      tls = connection.stream.getProtocol() ?? 'TLS';
    });
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return { tls, connected: true };
  } catch (e: any) {
    if (e?.severity !== undefined && typeof e?.code === 'string') {
      return { tls, connected: false, server: { code: e.code, message: String(e.message) } };
    }
    return { tls, connected: false, error: { code: e?.code, message: String(e?.message ?? e) } };
  } finally {
    await client.end().catch(() => undefined);
  }
}

const describeError = (a: Attempt) => a.server ? `${a.server.code} ${a.server.message}` : `${a.error?.code ?? ''} ${a.error?.message ?? ''}`.trim();
const unreachable = (a: Attempt) => /ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|timeout|Connection terminated unexpectedly/i.test(describeError(a));

/**
 * Probes a PostgreSQL endpoint as a client would, with `pg`: a plaintext start-up must be refused by
 * pg_hba.conf, a TLS 1.1 handshake must be refused by the server, and a verify-full handshake with
 * the given CA must succeed. It never logs in.
 */
export async function probeDatabase(options: ProbeOptions): Promise<CheckOutcome[]> {
  const endpoint = `${options.host}:${options.port}`;
  const out: CheckOutcome[] = [];

  const plain = await attempt(options, false);
  if (plain.connected) {
    out.push(nonCompliant('DatabaseRefusesPlaintext', 'a plaintext connection was admitted and logged in'));
  } else if (plain.server?.code === '28000' && /pg_hba\.conf/.test(plain.server.message)) {
    out.push(compliant('DatabaseRefusesPlaintext', `refused by the server: ${plain.server.message}`));
  } else if (plain.server) {
    // Any other answer means the start-up message passed pg_hba.conf: the server went on to authenticate.
    out.push(nonCompliant('DatabaseRefusesPlaintext', `the server accepted a plaintext start-up and answered ${describeError(plain)}`));
  } else {
    out.push(unverifiable('DatabaseRefusesPlaintext', `no answer from ${endpoint}: ${describeError(plain)}`));
  }

  // SECLEVEL=0: OpenSSL 3 will not offer TLS 1.1 at its default level, and the probe must ask for it
  // to know whether the server would accept it.
  const old = await attempt(options, { rejectUnauthorized: false, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
  if (old.tls) {
    out.push(nonCompliant('DatabaseRefusesTls11', `the server completed a ${old.tls} handshake`));
  } else if (/no protocols available|unsupported protocol.*client/i.test(describeError(old))) {
    out.push(unverifiable('DatabaseRefusesTls11', `this client could not offer TLS 1.1 (${describeError(old)})`));
  } else if (/alert protocol version|alert handshake failure|unsupported protocol|does not support SSL/i.test(describeError(old))) {
    out.push(compliant('DatabaseRefusesTls11', `refused by the server: ${describeError(old)}`));
  } else {
    out.push(unverifiable('DatabaseRefusesTls11', `no TLS answer from ${endpoint}: ${describeError(old)}`));
  }

  const serverName = options.serverName ?? options.host;
  const verified = await attempt(options, {
    ca: options.ca,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    ...(net.isIP(options.host) !== 0 && options.serverName ? { servername: serverName } : {}),
  });
  if (verified.tls) {
    out.push(compliant('DatabaseVerifiedTls', `${verified.tls}, certificate verified for ${serverName}`));
  } else if (unreachable(verified)) {
    out.push(unverifiable('DatabaseVerifiedTls', `no answer from ${endpoint}: ${describeError(verified)}`));
  } else {
    out.push(nonCompliant('DatabaseVerifiedTls', `verify-full failed: ${describeError(verified)}`));
  }
  return out;
}

/** Parses `HOST:PORT` (`[v6]:PORT` for IPv6). */
export function parseEndpoint(text: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) {
    return undefined;
  }
  return { host: m[1] ?? m[2], port: Number(m[3]) };
}
