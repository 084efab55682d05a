/**
 * Issues and renews the PostgreSQL server certificate: the source of the Lambda function behind
 * `ServerCertificate`, bundled by esbuild into lib/tls/certificate-handler/index.js (`npx projen
 * bundle:certificate-handler`; test/tls/certificate-handler-bundle.test.ts keeps the two equal).
 *
 * Invoked two ways, with the same configuration:
 * - by CloudFormation as a custom resource (Create/Update issue when needed; Delete keeps the secret);
 * - daily by an EventBridge rule ({ renewal: config }), reissuing when the certificate expires within RenewBeforeDays.
 *
 * The certificate, its private key and the CA certificate are written to Secrets Manager only. CloudFormation
 * receives the CA certificate, serial number and expiry, which are public. Nothing secret is logged.
 * The AWS SDK v3 clients are the Lambda Node.js runtime's own (not bundled).
 */
import * as crypto from 'crypto';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { sendResponse } from './cfn-response';
import * as x509 from './x509';

export { sendResponse };

const DAY_MS = 24 * 60 * 60 * 1000;
// Certificates start slightly in the past so clients with a skewed clock accept them.
const BACKDATE_MS = 5 * 60 * 1000;
const CA_SUBJECT_ORGANIZATION = 'cdk-timescale-security';
const CERTIFICATE_FIELDS = ['ServerName', 'SubjectAlternativeNames', 'KeyAlgorithm', 'CertificateAuthorityArn', 'CaSecretArn', 'CertificateSecretArn'] as const;

export interface Config {
  readonly ServerName: string;
  readonly SubjectAlternativeNames: string[];
  readonly ValidityDays: number;
  readonly RenewBeforeDays: number;
  readonly CaValidityDays: number;
  readonly KeyAlgorithm: string;
  readonly CertificateAuthorityArn?: string;
  readonly CaSecretArn?: string;
  readonly CertificateSecretArn: string;
}

export interface CloudFormationEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResourceProperties: { [key: string]: unknown };
  readonly OldResourceProperties?: { [key: string]: unknown };
  readonly PhysicalResourceId?: string;
  readonly ResponseURL?: string;
  readonly StackId?: string;
  readonly RequestId?: string;
  readonly LogicalResourceId?: string;
}

interface Current {
  readonly issued: boolean;
  readonly certificate: crypto.X509Certificate;
  readonly caCertificatePem?: string;
}

let secretsClient: SecretsManagerClient | undefined;
function secrets(): SecretsManagerClient {
  secretsClient = secretsClient ?? new SecretsManagerClient({});
  return secretsClient;
}

export async function handler(event: any): Promise<{ [key: string]: unknown }> {
  if (event && event.RequestType) {
    return respondToCloudFormation(event as CloudFormationEvent);
  }
  if (event && event.renewal) {
    const result = await ensureCertificate(event.renewal, { force: false });
    log(result.issued ? 'renewed' : 'renewal not due', result);
    return summary(result);
  }
  throw new Error('Unrecognized event: expected a CloudFormation custom resource request or a scheduled { renewal } event.');
}

/** The custom resource logic, without the response upload. */
export async function onEvent(event: CloudFormationEvent): Promise<{ PhysicalResourceId: string; Data: { [key: string]: string } }> {
  const config = parseConfig(event.ResourceProperties);
  const physicalResourceId = config.CertificateSecretArn;
  if (event.RequestType === 'Delete') {
    // The secrets are retained resources: deleting the custom resource must not destroy the key the server uses.
    return { PhysicalResourceId: event.PhysicalResourceId || physicalResourceId, Data: {} };
  }
  let force = false;
  if (event.RequestType === 'Update') {
    const old = parseConfig(event.OldResourceProperties || {});
    force = CERTIFICATE_FIELDS.some((field) => JSON.stringify(old[field]) !== JSON.stringify(config[field]));
  }
  const result = await ensureCertificate(config, { force });
  log(result.issued ? 'issued' : 'current certificate kept', result);
  return { PhysicalResourceId: physicalResourceId, Data: summary(result) };
}

async function respondToCloudFormation(event: CloudFormationEvent): Promise<{ [key: string]: unknown }> {
  let response: { Status: string; PhysicalResourceId: string; Reason?: string; Data?: { [key: string]: string } };
  try {
    response = { Status: 'SUCCESS', ...(await onEvent(event)) };
  } catch (caught) {
    const message = String((caught as Error | undefined)?.message);
    console.error(JSON.stringify({ message: 'request failed', error: message }));
    response = {
      Status: 'FAILED',
      Reason: message.slice(0, 1000),
      PhysicalResourceId: event.PhysicalResourceId || 'certificate-not-issued',
    };
  }
  await sendResponse(event.ResponseURL ?? '', {
    ...response,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
  });
  return response;
}

function parseConfig(raw: { [key: string]: any }): Config {
  // CloudFormation passes every property as a string.
  return {
    ...raw,
    ServerName: raw.ServerName,
    CertificateSecretArn: raw.CertificateSecretArn,
    SubjectAlternativeNames: raw.SubjectAlternativeNames || (raw.ServerName ? [raw.ServerName] : []),
    ValidityDays: Number(raw.ValidityDays || 365),
    RenewBeforeDays: Number(raw.RenewBeforeDays || 30),
    CaValidityDays: Number(raw.CaValidityDays || 3650),
    KeyAlgorithm: raw.KeyAlgorithm || 'EC_P256',
  };
}

/**
 * Issues a new certificate when forced, when there is none, when its names differ from the
 * configuration, or when it expires within RenewBeforeDays. Returns what is current afterwards.
 */
export async function ensureCertificate(rawConfig: { [key: string]: any }, { force }: { force: boolean }, now: Date = new Date()): Promise<Current> {
  const config = parseConfig(rawConfig);
  const current = await readJsonSecret(config.CertificateSecretArn);
  if (!force && current && current.certificate && current.privateKey) {
    const certificate = new crypto.X509Certificate(current.certificate);
    const notAfter = new Date(certificate.validTo);
    const namesMatch = sameNames(certificate, config.SubjectAlternativeNames);
    const renewalDue = notAfter.getTime() - now.getTime() < config.RenewBeforeDays * DAY_MS;
    if (namesMatch && !renewalDue) {
      return { issued: false, certificate, caCertificatePem: current.caCertificate };
    }
  }
  const issued = config.CertificateAuthorityArn
    ? await issueFromPrivateCa(config)
    : await issueFromSelfManagedCa(config, now);
  await secrets().send(new PutSecretValueCommand({
    SecretId: config.CertificateSecretArn,
    SecretString: JSON.stringify({
      certificate: issued.certificatePem,
      privateKey: issued.privateKeyPem,
      caCertificate: issued.caCertificatePem,
    }),
  }));
  return { issued: true, certificate: new crypto.X509Certificate(issued.certificatePem), caCertificatePem: issued.caCertificatePem };
}

function summary(result: Current): { [key: string]: string } {
  return {
    CaCertificatePem: result.caCertificatePem ?? '',
    SerialNumber: result.certificate.serialNumber,
    NotAfter: new Date(result.certificate.validTo).toISOString(),
  };
}

function sameNames(certificate: crypto.X509Certificate, names: string[]): boolean {
  const actual = (certificate.subjectAltName || '').split(', ').map((entry) => entry.replace(/^(DNS|IP Address):/, '')).sort();
  return JSON.stringify(actual) === JSON.stringify([...names].sort());
}

async function readJsonSecret(secretId: string | undefined): Promise<any> {
  try {
    const value = await secrets().send(new GetSecretValueCommand({ SecretId: secretId }));
    return JSON.parse(value.SecretString || '');
  } catch (error) {
    // A fresh secret holds a random placeholder (not JSON) or no value yet: treat both as empty.
    if (error instanceof SyntaxError || (error as Error | undefined)?.name === 'ResourceNotFoundException') {
      return undefined;
    }
    throw error;
  }
}

interface Issued {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly caCertificatePem: string;
}

async function issueFromSelfManagedCa(config: Config, now: Date): Promise<Issued> {
  const ca = await loadOrCreateCa(config, now);
  const keys = x509.generateKeyPair(config.KeyAlgorithm);
  // Never past the CA's own expiry: clients would reject the chain from that moment anyway.
  const wanted = now.getTime() + config.ValidityDays * DAY_MS;
  const notAfter = new Date(Math.min(wanted, ca.notAfter.getTime()));
  if (notAfter.getTime() < wanted) {
    console.warn(JSON.stringify({ message: 'certificate validity capped at the CA expiry; rotate the CA', caNotAfter: ca.notAfter.toISOString() }));
  }
  const { pem } = await x509.createCertificate({
    subject: { commonName: config.ServerName },
    publicKey: keys.publicKey,
    issuer: ca,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    isCa: false,
    subjectAlternativeNames: config.SubjectAlternativeNames,
  });
  return { certificatePem: pem, privateKeyPem: x509.privateKeyToPem(keys.privateKey), caCertificatePem: ca.certificatePem };
}

interface Ca extends x509.Issuer {
  readonly certificatePem: string;
  readonly notAfter: Date;
}

async function loadOrCreateCa(config: Config, now: Date): Promise<Ca> {
  const stored = await readJsonSecret(config.CaSecretArn);
  const name = { commonName: caCommonName(config), organization: CA_SUBJECT_ORGANIZATION };
  if (stored && stored.certificate && stored.privateKey) {
    const certificate = new crypto.X509Certificate(stored.certificate);
    const privateKey = crypto.createPrivateKey(stored.privateKey);
    const publicKey = crypto.createPublicKey(privateKey);
    return { name, privateKey, publicKey, certificatePem: stored.certificate, notAfter: new Date(certificate.validTo) };
  }
  const keys = x509.generateKeyPair('EC_P256');
  const notAfter = new Date(now.getTime() + config.CaValidityDays * DAY_MS);
  const { pem } = await x509.createCertificate({
    subject: name,
    publicKey: keys.publicKey,
    issuer: { name, privateKey: keys.privateKey, publicKey: keys.publicKey },
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    isCa: true,
  });
  await secrets().send(new PutSecretValueCommand({
    SecretId: config.CaSecretArn,
    SecretString: JSON.stringify({ certificate: pem, privateKey: x509.privateKeyToPem(keys.privateKey) }),
  }));
  log('created CA', { caNotAfter: notAfter.toISOString() });
  return { name, privateKey: keys.privateKey, publicKey: keys.publicKey, certificatePem: pem, notAfter };
}

function caCommonName(config: Config): string {
  return `${config.ServerName} CA`.slice(0, 64); // X.520 ub-common-name
}

const SIGNING_ALGORITHMS: { [caKeyAlgorithm: string]: string } = {
  RSA_2048: 'SHA256WITHRSA',
  RSA_3072: 'SHA256WITHRSA',
  RSA_4096: 'SHA256WITHRSA',
  EC_prime256v1: 'SHA256WITHECDSA',
  EC_secp384r1: 'SHA384WITHECDSA',
  EC_secp521r1: 'SHA512WITHECDSA',
};

/**
 * AWS Private CA path: the key pair is generated here and never leaves this function except into
 * the secret; the CA signs a CSR through IssueCertificate with the end-entity server template, which
 * copies the SANs from the CSR.
 */
async function issueFromPrivateCa(config: Config): Promise<Issued> {
  // Loaded only on this path: the self-managed CA never needs the client.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pca: typeof import('@aws-sdk/client-acm-pca') = require('@aws-sdk/client-acm-pca');
  const client = new pca.ACMPCAClient({});
  const caArn = config.CertificateAuthorityArn!;
  const keys = x509.generateKeyPair(config.KeyAlgorithm);
  const csr = await x509.createCsr({
    subject: { commonName: config.ServerName },
    privateKey: keys.privateKey,
    publicKey: keys.publicKey,
    subjectAlternativeNames: config.SubjectAlternativeNames,
  });
  const description = await client.send(new pca.DescribeCertificateAuthorityCommand({ CertificateAuthorityArn: caArn }));
  const caKeyAlgorithm = String(description.CertificateAuthority?.CertificateAuthorityConfiguration?.KeyAlgorithm);
  const signingAlgorithm = SIGNING_ALGORITHMS[caKeyAlgorithm];
  if (!signingAlgorithm) {
    throw new Error(`Private CA ${caArn} uses key algorithm ${caKeyAlgorithm}, which this handler cannot request certificates from.`);
  }
  const partition = caArn.split(':')[1];
  const { CertificateArn } = await client.send(new pca.IssueCertificateCommand({
    CertificateAuthorityArn: caArn,
    Csr: Buffer.from(csr),
    SigningAlgorithm: signingAlgorithm as any,
    TemplateArn: `arn:${partition}:acm-pca:::template/EndEntityServerAuthCertificate/V1`,
    Validity: { Type: 'DAYS', Value: config.ValidityDays },
    IdempotencyToken: crypto.randomBytes(16).toString('hex'),
  }));
  const issued = await getIssuedCertificate(client, pca, caArn, CertificateArn!);
  // The chain lists the issuing CA first and the root last: clients trust the root, the server sends the rest.
  const chain = splitPem(issued.CertificateChain || '');
  const root = chain.length > 0 ? chain[chain.length - 1] : '';
  const intermediates = chain.slice(0, -1);
  return {
    certificatePem: [issued.Certificate!.trim() + '\n', ...intermediates].join(''),
    privateKeyPem: x509.privateKeyToPem(keys.privateKey),
    caCertificatePem: root,
  };
}

async function getIssuedCertificate(client: any, pca: typeof import('@aws-sdk/client-acm-pca'), caArn: string, certificateArn: string,
  attempts = 30, delayMs = 2000): Promise<{ Certificate?: string; CertificateChain?: string }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.send(new pca.GetCertificateCommand({ CertificateAuthorityArn: caArn, CertificateArn: certificateArn }));
    } catch (error) {
      if ((error as Error | undefined)?.name !== 'RequestInProgressException' || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function splitPem(text: string): string[] {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) || []).map((pem) => pem + '\n');
}

function log(message: string, result: Current | { [key: string]: unknown }): void {
  const fields = 'certificate' in result && result.certificate instanceof crypto.X509Certificate
    ? { serialNumber: result.certificate.serialNumber, notAfter: new Date(result.certificate.validTo).toISOString() }
    : result;
  console.log(JSON.stringify({ message, ...fields }));
}
