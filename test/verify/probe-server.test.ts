/**
 * The `--database` probe against a real PostgreSQL server from this machine's binaries, configured
 * with exactly the rendered pg_hba.conf and TLS settings: plaintext and TLS 1.1 are refused by the
 * server (its log says so), verify-full with the test CA succeeds; a hand-mutated `host` line that
 * admits plaintext is reported non-compliant, through the command as a user runs it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { RuleStatus } from '../../lib/nag/evidence';
import { PgHba, TlsSettings } from '../../lib/postgres';
import { main } from '../../lib/verify/cli';
import { probeDatabase } from '../../lib/verify/probe';
import { PostgresTestServer, ServerConfig, SERVER_NAME, TestFiles } from '../postgres/support/pg-server';

function rendered(files: TestFiles, networks: string[]): ServerConfig {
  return {
    hba: PgHba.render({ allowedNetworks: networks }),
    fragments: [{ name: '10-tls.conf', content: TlsSettings.render(files) }],
  };
}

const byRule = (outcomes: { rule: string; status: RuleStatus; detail?: string }[]) =>
  Object.fromEntries(outcomes.map((o) => [o.rule, o]));

describe('verify --database against a real PostgreSQL server with the rendered configuration', () => {
  let server: PostgresTestServer;
  let networks: string[];
  let ca: string;

  beforeAll(async () => {
    server = await PostgresTestServer.start((starting) => {
      networks = ['127.0.0.0/8', ...(starting.hasIpv6 ? ['::1/128'] : [])];
      return rendered(starting, networks);
    });
    ca = fs.readFileSync(server.caFile, 'utf8');
  });

  afterAll(() => server?.stop());

  const probe = (extra: { host?: string; serverName?: string; ca?: string } = {}) => probeDatabase({
    host: extra.host ?? '127.0.0.1', port: server.port, ca: extra.ca ?? ca, serverName: extra.serverName, user: 'app', timeoutMs: 5_000,
  });

  test('plaintext and TLS 1.1 are refused by the server, and verify-full with the test CA succeeds', async () => {
    const from = server.log().length;
    const results = byRule(await probe({ serverName: SERVER_NAME }));
    expect(results.DatabaseRefusesPlaintext).toMatchObject({ status: RuleStatus.COMPLIANT });
    expect(results.DatabaseRefusesPlaintext.detail).toMatch(/pg_hba\.conf rejects connection .* no encryption/);
    expect(results.DatabaseRefusesTls11).toMatchObject({ status: RuleStatus.COMPLIANT });
    // The refusal is the server's (a protocol_version alert), not this client's OpenSSL declining to offer TLS 1.1.
    expect(results.DatabaseRefusesTls11.detail).toMatch(/alert protocol version/i);
    expect(server.logSince(from, /unsupported protocol/)).toMatch(/could not accept SSL connection: unsupported protocol/);
    expect(results.DatabaseVerifiedTls).toMatchObject({ status: RuleStatus.COMPLIANT });
    expect(results.DatabaseVerifiedTls.detail).toMatch(/^TLSv1\.[23], certificate verified for db\.test\.internal$/);
  });

  test('verify-full fails with a CA that did not sign the server certificate, or a name the certificate does not carry', async () => {
    const other = byRule(await probe({ ca: fs.readFileSync(server.otherCaFile, 'utf8') }));
    expect(other.DatabaseVerifiedTls).toMatchObject({ status: RuleStatus.NON_COMPLIANT });
    expect(other.DatabaseVerifiedTls.detail).toMatch(/verify-full failed: .*(certificate|signature)/i);
    const wrongName = byRule(await probe({ serverName: 'elsewhere.test.internal' }));
    expect(wrongName.DatabaseVerifiedTls).toMatchObject({ status: RuleStatus.NON_COMPLIANT });
    expect(wrongName.DatabaseVerifiedTls.detail).toMatch(/elsewhere\.test\.internal/);
  });

  test('the command exits 0 with the rendered configuration', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const caFile = path.join(server.dir, 'tls', 'ca.crt');
    const code = await main(['verify', '--database', `127.0.0.1:${server.port}`, '--ca', caFile, '--server-name', SERVER_NAME, '--format', 'json'],
      { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
    expect({ code, err: err.join('') }).toMatchObject({ code: 0 });
    const report = JSON.parse(out.join(''));
    const rules = report.stacks[0].guarantees.find((g: any) => g.id === 'G3').rules;
    expect(rules.map((r: any) => [r.ruleId, r.compliant])).toEqual([
      ['TimescaleCloudSecurityLive-BucketDeniesInsecureTransport', 0],
      ['TimescaleCloudSecurityLive-DatabaseRefusesPlaintext', 1],
      ['TimescaleCloudSecurityLive-DatabaseRefusesTls11', 1],
      ['TimescaleCloudSecurityLive-DatabaseVerifiedTls', 1],
    ]);
    expect(rules[1].resources[0]).toMatchObject({ logicalId: 'DatabaseEndpoint', physicalId: `127.0.0.1:${server.port}` });
  });

  test('a hand-mutated host line that admits plaintext is reported non-compliant, and the command exits 1', async () => {
    const hba = PgHba.render({ allowedNetworks: networks });
    // What a hand edit on the host might do: admit plaintext from loopback ahead of the rendered lines.
    server.reconfigure({ ...rendered(server, networks), hba: `host all all 127.0.0.1/32 scram-sha-256\n${hba}` });
    try {
      const results = byRule(await probe({ serverName: SERVER_NAME }));
      expect(results.DatabaseRefusesPlaintext).toMatchObject({ status: RuleStatus.NON_COMPLIANT });
      expect(results.DatabaseRefusesPlaintext.detail).toMatch(/accepted a plaintext start-up and answered 28P01 password authentication failed/);
      expect(results.DatabaseVerifiedTls.status).toBe(RuleStatus.COMPLIANT);

      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['verify', '--database', `127.0.0.1:${server.port}`, '--ca', server.caFile, '--server-name', SERVER_NAME],
        { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
      expect(code).toBe(1);
      expect(out.join('')).toMatch(/non-compliant: DatabaseEndpoint \(127\.0\.0\.1:\d+\) PostgreSQL::Endpoint: the server accepted a plaintext start-up/);
      expect(err.join('')).toMatch(/1 check\(s\) non-compliant/);
    } finally {
      server.reconfigure(rendered(server, networks));
    }
  });

  test('an endpoint that does not answer cannot be verified: exit 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    // The server's port with nothing on another loopback address: refused at TCP.
    const code = await main(['verify', '--database', '127.0.0.2:1', '--ca', server.caFile], { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/3 check\(s\) could not be made/);
    expect(out.join('')).toMatch(/cannot verify: DatabaseEndpoint \(127\.0\.0\.2:1\) PostgreSQL::Endpoint: no answer from 127\.0\.0\.2:1: ECONNREFUSED/);
  });
});
