/**
 * The integration test's connection probe against a real PostgreSQL server with the rendered TLS-only
 * configuration: it must report what the server does, and fail when the server would accept plaintext
 * or present a certificate that verify-full rejects.
 */
import * as fs from 'fs';
import * as net from 'net';
import { plaintextIsRefused, tlsIsVerified } from './probe';
import { PgHba, TlsSettings } from '../../lib/postgres';
import { PostgresTestServer, SERVER_NAME } from '../postgres/support/pg-server';

const TIMEOUT_MS = 5_000;

describe('the connection probe', () => {
  let server: PostgresTestServer;
  let ca: string;

  beforeAll(async () => {
    server = await PostgresTestServer.start((starting) => ({
      hba: PgHba.render({ allowedNetworks: ['127.0.0.1/32'] }),
      fragments: [{ name: '10-tls.conf', content: TlsSettings.render(starting) }],
    }));
    ca = fs.readFileSync(server.caFile, 'utf8');
  });

  afterAll(() => server?.stop());

  const target = () => ({ host: '127.0.0.1', port: server.port, serverName: SERVER_NAME, ca, timeoutMs: TIMEOUT_MS });

  test('finds plaintext refused and TLS verify-full accepted by the rendered configuration', async () => {
    await expect(plaintextIsRefused(target())).resolves.toBe('refused');
    await expect(tlsIsVerified(target())).resolves.toBe('verified');
  });

  test('fails verify-full against another CA', async () => {
    await expect(tlsIsVerified({ ...target(), ca: fs.readFileSync(server.otherCaFile, 'utf8') })).rejects.toThrow(/TLS verify-full failed/);
  });

  test('fails verify-full for a name the certificate does not hold', async () => {
    await expect(tlsIsVerified({ ...target(), serverName: 'other.test.internal' })).rejects.toThrow(/TLS verify-full failed.*other\.test\.internal/);
  });

  test('fails when a server asks a plaintext client for its password, or does not offer TLS', async () => {
    // A stand-in for a server with a `host` line: it answers every message with AuthenticationCleartextPassword, or 'N'.
    const fake = net.createServer((socket) => socket.once('data', (data) => {
      const sslRequest = data.length === 8 && data.readInt32BE(4) === 80877103;
      socket.write(sslRequest ? Buffer.from('N') : Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
    }));
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const port = (fake.address() as net.AddressInfo).port;
    try {
      await expect(plaintextIsRefused({ ...target(), port })).rejects.toThrow(/message type 'R' instead of refusing/);
      await expect(tlsIsVerified({ ...target(), port })).rejects.toThrow(/answered SSLRequest with 'N'/);
    } finally {
      fake.close();
    }
  });
});
