import * as crypto from 'crypto';
// The issuer's module first: it loads the Reflect polyfill @peculiar/x509 needs.
import { legacyX509, x509 } from './handler-modules';
// eslint-disable-next-line import/order
import * as peculiar from '@peculiar/x509';
import { OpenSsl } from './openssl';

/**
 * The issuer moved from a hand-written DER encoder (now test/tls/fixtures/legacy-x509.js) to @peculiar/x509.
 * From the same keys, names and dates, both must produce certificates that openssl verifies the same way and
 * describes the same way, and a CA an earlier deployment stored must keep issuing with the new code.
 */
const DAY = 24 * 60 * 60 * 1000;
const SERVER = 'db.example.internal';
const NAMES = [SERVER, 'nlb.example.internal', '10.0.0.5'];
const CA_NAME = { commonName: `${SERVER} CA`, organization: 'cdk-timescale-security' };
const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
const CA_NOT_AFTER = new Date('2036-01-01T00:00:00Z');
const NOT_AFTER = new Date('2027-01-01T00:00:00Z');
// Verification at a fixed moment inside every validity period, so the test does not age.
const AT = String(Math.floor(new Date('2026-06-01T00:00:00Z').getTime() / 1000));

/** openssl's description, without what differs by construction: serial numbers and signature values. */
function described(openssl: OpenSsl, file: string): string {
  return openssl.run('x509', '-noout', '-text', '-certopt', 'no_serial,no_sigdump', '-in', file).output
    .replace(/^\s*Serial Number:.*\n(\s+[0-9a-f:]+\n)?/gim, '');
}

describe.each(['EC_P256', 'EC_P384', 'RSA_2048'])('a %s server certificate', (algorithm) => {
  const openssl = new OpenSsl();
  afterAll(() => openssl.cleanup());

  const caKeys = x509.generateKeyPair('EC_P256');
  const serverKeys = x509.generateKeyPair(algorithm);
  const caOptions = {
    subject: CA_NAME, publicKey: caKeys.publicKey, issuer: { name: CA_NAME, ...caKeys }, notBefore: NOT_BEFORE, notAfter: CA_NOT_AFTER, isCa: true,
  };
  const serverOptions = (issuer: typeof caOptions.issuer & { certificatePem?: string }) => ({
    subject: { commonName: SERVER },
    publicKey: serverKeys.publicKey,
    issuer,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    isCa: false,
    subjectAlternativeNames: NAMES,
  });

  let legacy: { ca: string; server: string };
  let current: { ca: string; server: string };
  beforeAll(async () => {
    const legacyCa = legacyX509.createCertificate(caOptions).pem;
    legacy = { ca: openssl.write('legacy-ca.pem', legacyCa), server: openssl.write('legacy-server.pem', legacyX509.createCertificate(serverOptions(caOptions.issuer)).pem) };
    const newCa = (await x509.createCertificate(caOptions)).pem;
    const newServer = (await x509.createCertificate(serverOptions({ ...caOptions.issuer, certificatePem: newCa }))).pem;
    current = { ca: openssl.write('new-ca.pem', newCa), server: openssl.write('new-server.pem', newServer) };
  });

  const verify = (ca: string, server: string) =>
    openssl.run('verify', '-x509_strict', '-attime', AT, '-purpose', 'sslserver', '-verify_hostname', SERVER, '-CAfile', ca, server);

  test('verifies the same way: chain, purpose and host name', () => {
    const before = verify(legacy.ca, legacy.server);
    const after = verify(current.ca, current.server);
    expect(before.ok).toBe(true);
    expect(after.ok).toBe(true);
    expect(after.output.replace(current.server, 'server.pem')).toBe(before.output.replace(legacy.server, 'server.pem'));
    // And fails the same way, for a name the certificate does not list.
    const wrong = (ca: string, server: string) => openssl.run('verify', '-attime', AT, '-verify_hostname', 'other.example.internal', '-CAfile', ca, server);
    expect(wrong(current.ca, current.server).ok).toBe(false);
    expect(wrong(legacy.ca, legacy.server).ok).toBe(false);
  });

  test('openssl describes both alike: names, validity, key, extensions and key identifiers', () => {
    // The old encoder signed with SHA-256 whatever the key; the library uses the hash that matches a P-384 issuer.
    const alike = (text: string) => text.replace(/ecdsa-with-SHA(256|384)/g, 'ecdsa-with-SHA');
    expect(described(openssl, current.server)).toMatch(/X509v3 Subject Alternative Name:\s+DNS:db\.example\.internal, DNS:nlb\.example\.internal, IP Address:10\.0\.0\.5/);
    expect(described(openssl, current.ca)).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(alike(described(openssl, current.server))).toBe(alike(described(openssl, legacy.server)));
    expect(alike(described(openssl, current.ca))).toBe(alike(described(openssl, legacy.ca)));
  });

  test('a CA an earlier version stored keeps issuing: the new certificate names it with the same bytes and verifies strictly', async () => {
    const storedCa = legacyX509.createCertificate(caOptions).pem;
    const renewed = (await x509.createCertificate(serverOptions({ ...caOptions.issuer, certificatePem: storedCa }))).pem;
    const caFile = openssl.write('stored-ca.pem', storedCa);
    expect(verify(caFile, openssl.write('renewed.pem', renewed)).ok).toBe(true);
    const der = (name: peculiar.Name) => Buffer.from(name.toArrayBuffer()).toString('hex');
    expect(der(new peculiar.X509Certificate(renewed).issuerName)).toBe(der(new peculiar.X509Certificate(storedCa).subjectName));
    expect(new crypto.X509Certificate(renewed).checkIssued(new crypto.X509Certificate(storedCa))).toBe(true);
  });
});
