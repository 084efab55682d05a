'use strict';
/**
 * A minimal DER encoder for the two documents this handler produces: X.509 v3 certificates
 * (RFC 5280) and PKCS#10 certificate requests (RFC 2986). Keys and signatures come from Node's
 * built-in crypto; only the ASN.1 framing is written here. Parsing is left to crypto.X509Certificate.
 */
const crypto = require('crypto');
const net = require('net');

// ---- DER primitives (X.690) ----

function encodeLength(length) {
  if (length < 0x80) return Buffer.from([length]);
  const bytes = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.from([0x80 + bytes.length, ...bytes]);
}

function tlv(tag, ...contents) {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

const sequence = (...items) => tlv(0x30, ...items);
const set = (...items) => tlv(0x31, ...items);
const octetString = (bytes) => tlv(0x04, bytes);
const utf8String = (text) => tlv(0x0c, Buffer.from(text, 'utf8'));
const nullValue = () => Buffer.from([0x05, 0x00]);
const booleanTrue = () => Buffer.from([0x01, 0x01, 0xff]);
/** BIT STRING with no unused bits (keys, signatures, byte-aligned flags). */
const bitString = (bytes) => tlv(0x03, Buffer.from([0]), bytes);
/** [n] EXPLICIT: constructed context-specific tag wrapping a complete element. */
const explicit = (n, ...items) => tlv(0xa0 + n, ...items);
/** [n] IMPLICIT primitive: context-specific tag replacing the element's own tag. */
const implicitPrimitive = (n, bytes) => tlv(0x80 + n, bytes);

/** INTEGER from unsigned big-endian bytes: minimal, with a 0x00 pad when the high bit is set. */
function integer(value) {
  let bytes = Buffer.isBuffer(value) ? value : Buffer.from([value]);
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  bytes = bytes.subarray(start);
  if (bytes[0] >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(0x02, bytes);
}

function objectIdentifier(dotted) {
  const arcs = dotted.split('.').map(Number);
  const out = [arcs[0] * 40 + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const base128 = [];
    let n = arc;
    do {
      base128.unshift(n % 128);
      n = Math.floor(n / 128);
    } while (n > 0);
    for (let i = 0; i < base128.length - 1; i++) base128[i] += 0x80;
    out.push(...base128);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
function time(date) {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '') + 'Z';
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(digits, 'ascii'));
}

// ---- X.509 building blocks ----

const OID = {
  commonName: '2.5.4.3',
  organizationName: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  extensionRequest: '1.2.840.113549.1.9.14',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
};

// keyUsage bits (RFC 5280 4.2.1.3), as the first byte of the BIT STRING: bit 0 is 0x80.
const KEY_USAGE = { digitalSignature: 0x80, keyEncipherment: 0x20, keyCertSign: 0x04, cRLSign: 0x02 };

function name(fields) {
  const rdns = [];
  if (fields.organization) rdns.push(set(sequence(objectIdentifier(OID.organizationName), utf8String(fields.organization))));
  rdns.push(set(sequence(objectIdentifier(OID.commonName), utf8String(fields.commonName))));
  return sequence(...rdns);
}

function signatureAlgorithm(key) {
  return key.asymmetricKeyType === 'rsa'
    ? sequence(objectIdentifier(OID.sha256WithRsa), nullValue())
    : sequence(objectIdentifier(OID.ecdsaWithSha256));
}

function extension(oid, critical, value) {
  return critical
    ? sequence(objectIdentifier(oid), booleanTrue(), octetString(value))
    : sequence(objectIdentifier(oid), octetString(value));
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value. */
function keyIdentifier(publicKey) {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
}

/** SPKI = SEQUENCE { AlgorithmIdentifier, BIT STRING }: returns the key bytes after the unused-bits byte. */
function subjectPublicKeyBits(spki) {
  const [, outerStart] = readTlv(spki, 0);
  const [, , algorithmEnd] = readTlv(spki, outerStart);
  const [, bitsStart, bitsEnd] = readTlv(spki, algorithmEnd);
  return spki.subarray(bitsStart + 1, bitsEnd);
}

/** Reads a tag and length at `offset`; returns [tag, contentStart, contentEnd]. */
function readTlv(buffer, offset) {
  const tag = buffer[offset];
  let length = buffer[offset + 1];
  let start = offset + 2;
  if (length >= 0x80) {
    const count = length - 0x80;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buffer[start + i];
    start += count;
  }
  return [tag, start, start + length];
}

function sanEntries(names) {
  return names.map((entry) => {
    if (net.isIP(entry) === 4) {
      return implicitPrimitive(7, Buffer.from(entry.split('.').map(Number)));
    }
    return implicitPrimitive(2, Buffer.from(entry, 'ascii')); // dNSName, IA5String
  });
}

function serverExtensions(options, keyType) {
  const usage = KEY_USAGE.digitalSignature | (keyType === 'rsa' ? KEY_USAGE.keyEncipherment : 0); // eslint-disable-line no-bitwise
  return [
    extension(OID.basicConstraints, true, sequence()),
    extension(OID.keyUsage, true, bitString(Buffer.from([usage]))),
    extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.serverAuth))),
    extension(OID.subjectAltName, false, sequence(...sanEntries(options.subjectAlternativeNames))),
  ];
}

function signed(toBeSigned, privateKey) {
  const signature = crypto.sign('sha256', toBeSigned, privateKey);
  return sequence(toBeSigned, signatureAlgorithm(privateKey), bitString(signature));
}

function toPem(label, der) {
  const lines = der.toString('base64').match(/.{1,64}/g);
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function fromPem(pem) {
  return Buffer.from(pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

// ---- public API ----

/**
 * Generates a key pair. `algorithm` is 'EC_P256' (default), 'EC_P384' or 'RSA_2048'.
 */
function generateKeyPair(algorithm = 'EC_P256') {
  switch (algorithm) {
    case 'EC_P256': return crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case 'EC_P384': return crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    case 'RSA_2048': return crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    default: throw new Error(`Unsupported key algorithm '${algorithm}'; expected EC_P256, EC_P384 or RSA_2048.`);
  }
}

/**
 * Builds and signs an X.509 v3 certificate.
 *
 * options: { subject: {commonName, organization?}, publicKey, issuer: {name: {commonName, organization?}, privateKey, publicKey},
 *   notBefore: Date, notAfter: Date, isCa: boolean, pathLength?: number (CA only, default 0: signs end-entity certificates only),
 *   subjectAlternativeNames?: string[] }
 * Returns { pem, serialHex }.
 */
function createCertificate(options) {
  const serial = crypto.randomBytes(16);
  serial[0] &= 0x7f; // eslint-disable-line no-bitwise
  serial[0] |= 0x01; // eslint-disable-line no-bitwise
  const subjectKeyId = keyIdentifier(options.publicKey);
  const authorityKeyId = keyIdentifier(options.issuer.publicKey);
  const extensions = options.isCa
    ? [
      extension(OID.basicConstraints, true, sequence(booleanTrue(), integer(options.pathLength || 0))),
      extension(OID.keyUsage, true, bitString(Buffer.from([KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign]))), // eslint-disable-line no-bitwise
    ]
    : serverExtensions(options, options.publicKey.asymmetricKeyType);
  extensions.push(extension(OID.subjectKeyIdentifier, false, octetString(subjectKeyId)));
  extensions.push(extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, authorityKeyId))));

  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(serial),
    signatureAlgorithm(options.issuer.privateKey),
    name(options.issuer.name),
    sequence(time(options.notBefore), time(options.notAfter)),
    name(options.subject),
    options.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const der = signed(tbs, options.issuer.privateKey);
  return { pem: toPem('CERTIFICATE', der), serialHex: serial.toString('hex').toUpperCase() };
}

/**
 * Builds a PKCS#10 certificate request for a TLS server, with the SANs as a requested extension.
 * options: { subject: {commonName, organization?}, privateKey, publicKey, subjectAlternativeNames: string[] }
 */
function createCsr(options) {
  const requestedExtensions = sequence(...serverExtensions(options, options.publicKey.asymmetricKeyType));
  const info = sequence(
    integer(0),
    name(options.subject),
    options.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(0, sequence(objectIdentifier(OID.extensionRequest), set(requestedExtensions))),
  );
  return toPem('CERTIFICATE REQUEST', signed(info, options.privateKey));
}

/** Private keys are written as unencrypted PKCS#8 PEM: PostgreSQL reads it, file mode 0600 protects it. */
function privateKeyToPem(privateKey) {
  return privateKey.export({ type: 'pkcs8', format: 'pem' });
}

module.exports = { generateKeyPair, createCertificate, createCsr, privateKeyToPem, toPem, fromPem, _der: { integer, objectIdentifier, encodeLength, time } };
