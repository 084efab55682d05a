/**
 * The two documents the issuer produces, X.509 v3 certificates (RFC 5280) and PKCS#10 requests (RFC 2986),
 * built with @peculiar/x509 over Node's WebCrypto. Keys are Node KeyObjects (generated, stored and read as
 * PKCS#8 PEM) and reach WebCrypto only to sign.
 */
// The polyfill tsyringe (inside @peculiar/x509) needs, loaded before it.
import 'reflect-metadata';
import * as crypto from 'crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = crypto.webcrypto.CryptoKey;
const webcrypto = crypto.webcrypto;
x509.cryptoProvider.set(webcrypto as any);

export type KeyAlgorithm = 'EC_P256' | 'EC_P384' | 'RSA_2048';

export interface KeyPair {
  readonly privateKey: crypto.KeyObject;
  readonly publicKey: crypto.KeyObject;
}

export interface DistinguishedName {
  readonly commonName: string;
  readonly organization?: string;
}

export interface Issuer {
  readonly name: DistinguishedName;
  readonly privateKey: crypto.KeyObject;
  readonly publicKey: crypto.KeyObject;
  /**
   * The issuer's certificate (PEM), when it has one: the new certificate then names the issuer with the
   * exact bytes of that certificate's subject, and its authority key identifier is that certificate's
   * subject key identifier, so chains to a CA made by an earlier version still build byte for byte.
   */
  readonly certificatePem?: string;
}

export interface CertificateOptions {
  readonly subject: DistinguishedName;
  readonly publicKey: crypto.KeyObject;
  readonly issuer: Issuer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCa: boolean;
  /** CA only: how many CAs may follow it in a chain (default 0: it signs end-entity certificates only). */
  readonly pathLength?: number;
  readonly subjectAlternativeNames?: string[];
}

export interface CsrOptions {
  readonly subject: DistinguishedName;
  readonly privateKey: crypto.KeyObject;
  readonly publicKey: crypto.KeyObject;
  readonly subjectAlternativeNames: string[];
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** Generates a key pair: 'EC_P256' (default), 'EC_P384' or 'RSA_2048'. */
export function generateKeyPair(algorithm: string = 'EC_P256'): KeyPair {
  switch (algorithm) {
    case 'EC_P256': return crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case 'EC_P384': return crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    case 'RSA_2048': return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    default: throw new Error(`Unsupported key algorithm '${algorithm}'; expected EC_P256, EC_P384 or RSA_2048.`);
  }
}

/** Builds and signs an X.509 v3 certificate: a CA limited to signing certificates and CRLs, or a TLS server certificate. */
export async function createCertificate(options: CertificateOptions): Promise<{ pem: string; serialHex: string }> {
  const serial = crypto.randomBytes(16);
  // Positive and 16 bytes long once DER-encoded (RFC 5280 4.1.2.2).
  serial[0] = (serial[0] & 0x7f) | 0x01; // eslint-disable-line no-bitwise
  const serialHex = serial.toString('hex').toUpperCase();
  const issuerCertificate = options.issuer.certificatePem ? new x509.X509Certificate(options.issuer.certificatePem) : undefined;
  const issuerKeyId = issuerCertificate?.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const extensions: x509.Extension[] = options.isCa
    ? [
      new x509.BasicConstraintsExtension(true, options.pathLength ?? 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true), // eslint-disable-line no-bitwise
    ]
    : serverExtensions(options.publicKey, options.subjectAlternativeNames ?? []);
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(await publicCryptoKey(options.publicKey)));
  extensions.push(issuerKeyId
    ? new x509.AuthorityKeyIdentifierExtension(issuerKeyId)
    : await x509.AuthorityKeyIdentifierExtension.create(await publicCryptoKey(options.issuer.publicKey)));

  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialHex,
    subject: name(options.subject),
    issuer: issuerCertificate ? issuerCertificate.subjectName : name(options.issuer.name),
    notBefore: options.notBefore,
    notAfter: options.notAfter,
    publicKey: await publicCryptoKey(options.publicKey),
    signingKey: await privateCryptoKey(options.issuer.privateKey),
    signingAlgorithm: signingAlgorithm(options.issuer.privateKey),
    extensions,
  });
  return { pem: `${certificate.toString('pem')}\n`, serialHex };
}

/** Builds a PKCS#10 request for a TLS server, with its names and usages as requested extensions. */
export async function createCsr(options: CsrOptions): Promise<string> {
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: name(options.subject),
    keys: { privateKey: await privateCryptoKey(options.privateKey), publicKey: await publicCryptoKey(options.publicKey) },
    signingAlgorithm: signingAlgorithm(options.privateKey),
    extensions: serverExtensions(options.publicKey, options.subjectAlternativeNames),
  });
  return `${request.toString('pem')}\n`;
}

/** Private keys are written as unencrypted PKCS#8 PEM: PostgreSQL reads it, file mode 0640 (root-owned) protects it. */
export function privateKeyToPem(privateKey: crypto.KeyObject): string {
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function serverExtensions(publicKey: crypto.KeyObject, names: string[]): x509.Extension[] {
  const usage = x509.KeyUsageFlags.digitalSignature | (publicKey.asymmetricKeyType === 'rsa' ? x509.KeyUsageFlags.keyEncipherment : 0); // eslint-disable-line no-bitwise
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension([SERVER_AUTH]),
    new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: isIpv4(value) ? 'ip' : 'dns', value }))),
  ];
}

/** Organization then common name, as UTF8String (RFC 5280 4.1.2.6). */
function name(fields: DistinguishedName): x509.Name {
  return new x509.Name([
    ...(fields.organization ? [{ '2.5.4.10': [{ utf8String: fields.organization }] }] : []),
    { '2.5.4.3': [{ utf8String: fields.commonName }] },
  ]);
}

function isIpv4(value: string): boolean {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(value);
}

/** ECDSA with the hash that matches the curve; RSA PKCS#1 v1.5 with SHA-256. */
function signingAlgorithm(key: crypto.KeyObject): crypto.webcrypto.Algorithm | crypto.webcrypto.EcdsaParams {
  return key.asymmetricKeyType === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: curveOf(key) === 'P-384' ? 'SHA-384' : 'SHA-256' };
}

function importParams(key: crypto.KeyObject): crypto.webcrypto.RsaHashedImportParams | crypto.webcrypto.EcKeyImportParams {
  return key.asymmetricKeyType === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: curveOf(key) };
}

function curveOf(key: crypto.KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  switch (curve) {
    case 'prime256v1': return 'P-256';
    case 'secp384r1': return 'P-384';
    default: throw new Error(`Unsupported key: ${key.asymmetricKeyType} ${curve ?? ''}; expected EC P-256, EC P-384 or RSA.`);
  }
}

async function privateCryptoKey(key: crypto.KeyObject): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', key.export({ type: 'pkcs8', format: 'der' }), importParams(key), false, ['sign']);
}

async function publicCryptoKey(key: crypto.KeyObject): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('spki', key.export({ type: 'spki', format: 'der' }), importParams(key), true, ['verify']);
}
