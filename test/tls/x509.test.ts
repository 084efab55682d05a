import { execFile } from 'child_process';
import * as crypto from 'crypto';
import * as net from 'net';
import * as tls from 'tls';
import * as fc from 'fast-check';
import { Issuer, x509 } from './handler-modules';
import { OpenSsl } from './openssl';

const DAY = 24 * 60 * 60 * 1000;
const SERVER = 'db.example.internal';

type Ca = Issuer & { pem: string };

async function makeCa(algorithm = 'EC_P256'): Promise<Ca> {
  const keys = x509.generateKeyPair(algorithm);
  const name = { commonName: 'Test CA', organization: 'cdk-timescale-security' };
  const now = Date.now();
  const { pem } = await x509.createCertificate({
    subject: name,
    publicKey: keys.publicKey,
    issuer: { name, ...keys },
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3650 * DAY),
    isCa: true,
  });
  return { name, ...keys, pem, certificatePem: pem };
}

async function makeServer(ca: Issuer, algorithm = 'EC_P256', names = [SERVER, '10.0.0.5'], notAfter = new Date(Date.now() + 365 * DAY)) {
  const keys = x509.generateKeyPair(algorithm);
  const { pem, serialHex } = await x509.createCertificate({
    subject: { commonName: names[0] },
    publicKey: keys.publicKey,
    issuer: ca,
    notBefore: new Date(Date.now() - 60_000),
    notAfter,
    isCa: false,
    subjectAlternativeNames: names,
  });
  return { pem, serialHex, keyPem: x509.privateKeyToPem(keys.privateKey) };
}

describe('key generation', () => {
  test('rejects an unknown key algorithm', () => {
    expect(() => x509.generateKeyPair('DSA_1024')).toThrow(/Unsupported key algorithm 'DSA_1024'/);
  });
});

describe('certificates verified by the openssl binary', () => {
  const openssl = new OpenSsl();
  let ca: Ca;
  let caFile: string;

  beforeAll(async () => {
    ca = await makeCa();
    caFile = openssl.write('ca.pem', ca.pem);
  });
  afterAll(() => openssl.cleanup());

  test('the CA certificate is a v3 CA limited to signing certificates and CRLs', () => {
    const { ok, output } = openssl.run('x509', '-noout', '-text', '-in', caFile);
    expect(ok).toBe(true);
    expect(output).toMatch(/Version: 3 \(0x2\)/);
    expect(output).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(output).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(output).toMatch(/Subject: O = cdk-timescale-security, CN = Test CA/);
    expect(output).toMatch(/Subject Key Identifier/);
    expect(openssl.run('verify', '-x509_strict', '-CAfile', caFile, caFile).ok).toBe(true);
  });

  test.each(['EC_P256', 'EC_P384', 'RSA_2048'])('a %s server certificate verifies against the CA for its name and serverAuth', async (algorithm) => {
    const server = await makeServer(ca, algorithm);
    const file = openssl.write(`server-${algorithm}.pem`, server.pem);
    const verified = openssl.run('verify', '-x509_strict', '-purpose', 'sslserver', '-verify_hostname', SERVER, '-CAfile', caFile, file);
    expect(verified.output).toMatch(/: OK/);
    expect(verified.ok).toBe(true);

    const text = openssl.run('x509', '-noout', '-text', '-in', file).output;
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(algorithm === 'RSA_2048'
      ? /Key Usage: critical\s+Digital Signature, Key Encipherment/
      : /Key Usage: critical\s+Digital Signature\n/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(text).toMatch(/Subject Alternative Name:\s+DNS:db\.example\.internal, IP Address:10\.0\.0\.5/);
    expect(text).toMatch(new RegExp(`Subject: CN = ${SERVER.replace(/\./g, '\\.')}`));
    expect(text).toMatch(/Authority Key Identifier/);
  });

  test('verification fails for a host name the certificate does not list', async () => {
    const file = openssl.write('server-name.pem', (await makeServer(ca)).pem);
    const result = openssl.run('verify', '-verify_hostname', 'other.example.internal', '-CAfile', caFile, file);
    expect(result.ok).toBe(false);
    expect(result.output).toMatch(/hostname mismatch/);
  });

  test('verification fails against a different CA', async () => {
    const otherCa = openssl.write('other-ca.pem', (await makeCa()).pem);
    const file = openssl.write('server-other.pem', (await makeServer(ca)).pem);
    const result = openssl.run('verify', '-CAfile', otherCa, file);
    expect(result.ok).toBe(false);
  });

  test('the validity period is the one requested, including dates from 2050 on', async () => {
    const notAfter = new Date('2051-06-01T12:00:00Z');
    const server = await makeServer(ca, 'EC_P256', [SERVER], notAfter);
    const dates = openssl.run('x509', '-noout', '-enddate', '-serial', '-in', openssl.write('server-2051.pem', server.pem)).output;
    expect(dates).toMatch(/notAfter=Jun {2}1 12:00:00 2051 GMT/);
    expect(dates).toMatch(new RegExp(`serial=${server.serialHex}`));
    // Renewal decisions read the expiry back with Node's parser: it must agree.
    expect(new Date(new crypto.X509Certificate(server.pem).validTo).toISOString()).toBe(notAfter.toISOString());
  });

  test('the private key is PKCS#8 PEM that openssl reads and that matches the certificate', async () => {
    const server = await makeServer(ca);
    const keyFile = openssl.write('server.key', server.keyPem);
    const certFile = openssl.write('server-match.pem', server.pem);
    expect(server.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const fromKey = openssl.run('pkey', '-in', keyFile, '-pubout');
    const fromCert = openssl.run('x509', '-in', certFile, '-noout', '-pubkey');
    expect(fromKey.ok && fromCert.ok).toBe(true);
    expect(fromKey.output).toBe(fromCert.output);
  });

  test('a TLS server with the certificate passes openssl s_client verify-full checks, and fails for another name', async () => {
    const server = await makeServer(ca);
    const tlsServer = tls.createServer({ cert: server.pem, key: server.keyPem, minVersion: 'TLSv1.2' }, (socket) => socket.end());
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const port = (tlsServer.address() as net.AddressInfo).port;
    const connect = (hostname: string) => new Promise<{ ok: boolean; output: string }>((resolve) => {
      execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', hostname, '-verify_hostname', hostname,
        '-CAfile', caFile, '-verify_return_error', '-brief'], { timeout: 10_000 }, (error, stdout, stderr) => {
        resolve({ ok: !error, output: `${stdout}${stderr}` });
      }).stdin?.end();
    });
    try {
      const good = await connect(SERVER);
      expect(good.output).toMatch(/Verification: OK/);
      expect(good.ok).toBe(true);
      const bad = await connect('wrong.example.internal');
      expect(bad.ok).toBe(false);
      expect(bad.output).toMatch(/hostname mismatch|verify error/i);
    } finally {
      tlsServer.close();
    }
  });

  test('CSRs carry the SANs as requested extensions and a valid self-signature', async () => {
    for (const algorithm of ['EC_P256', 'RSA_2048']) {
      const keys = x509.generateKeyPair(algorithm);
      const csr = await x509.createCsr({ subject: { commonName: SERVER }, ...keys, subjectAlternativeNames: [SERVER, 'db2.example.internal'] });
      const file = openssl.write(`request-${algorithm}.csr`, csr);
      const result = openssl.run('req', '-verify', '-noout', '-text', '-in', file);
      expect(result.ok).toBe(true);
      expect(result.output).toMatch(/verify OK/);
      expect(result.output).toMatch(/Requested Extensions:/);
      expect(result.output).toMatch(/DNS:db\.example\.internal, DNS:db2\.example\.internal/);
      expect(result.output).toMatch(/TLS Web Server Authentication/);
    }
  });

  test('a CA signing the CSR with openssl yields a certificate that verifies for the server name', async () => {
    const caKeys = x509.generateKeyPair('EC_P256');
    const name = { commonName: 'Signing CA' };
    const caPem = (await x509.createCertificate({
      subject: name,
      publicKey: caKeys.publicKey,
      issuer: { name, ...caKeys },
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 100 * DAY),
      isCa: true,
    })).pem;
    const keys = x509.generateKeyPair('EC_P256');
    const csrFile = openssl.write('signed.csr', await x509.createCsr({ subject: { commonName: SERVER }, ...keys, subjectAlternativeNames: [SERVER] }));
    const signingCa = openssl.write('signing-ca.pem', caPem);
    const signingKey = openssl.write('signing-ca.key', x509.privateKeyToPem(caKeys.privateKey));
    const signed = openssl.run('x509', '-req', '-in', csrFile, '-CA', signingCa, '-CAkey', signingKey, '-CAcreateserial',
      '-days', '30', '-copy_extensions', 'copy', '-out', 'signed.pem');
    expect(signed.ok).toBe(true);
    expect(openssl.run('verify', '-purpose', 'sslserver', '-verify_hostname', SERVER, '-CAfile', signingCa, 'signed.pem').ok).toBe(true);
  });
});

describe('certificate encoding properties', () => {
  let ca: Ca;
  beforeAll(async () => {
    ca = await makeCa();
  });
  // Letter-first labels: all-digit names such as 1.2.3.4 are IP addresses, encoded as iPAddress entries.
  const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$/);
  const dnsName = fc.array(label, { minLength: 2, maxLength: 4 }).map((labels) => labels.join('.'));

  test('any list of DNS names is encoded exactly, and the signature verifies', async () => {
    await fc.assert(fc.asyncProperty(fc.uniqueArray(dnsName, { minLength: 1, maxLength: 40 }), async (names) => {
      const { pem } = await makeServer(ca, 'EC_P256', names);
      const parsed = new crypto.X509Certificate(pem);
      expect(parsed.subjectAltName).toBe(names.map((n) => `DNS:${n}`).join(', '));
      expect(parsed.verify(ca.publicKey)).toBe(true);
      expect(parsed.checkIssued(new crypto.X509Certificate(ca.pem))).toBe(true);
      expect(parsed.checkHost(names[names.length - 1])).toBe(names[names.length - 1]);
    }), { numRuns: 40 });
  });
});
