'use strict';
/**
 * Issues and renews the PostgreSQL server certificate.
 *
 * Invoked two ways, with the same configuration:
 * - by CloudFormation as a custom resource (Create/Update issue when needed; Delete keeps the secret);
 * - daily by an EventBridge rule ({ renewal: config }), reissuing when the certificate expires within RenewBeforeDays.
 *
 * The certificate, its private key and the CA certificate are written to Secrets Manager only. CloudFormation
 * receives the CA certificate, serial number and expiry, which are public. Nothing secret is logged.
 * Dependencies: Node's crypto and the AWS SDK v3 clients that the Lambda Node.js runtime provides.
 */
const crypto = require('crypto');
const https = require('https');
const { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const x509 = require('./x509');

const DAY_MS = 24 * 60 * 60 * 1000;
// Certificates start slightly in the past so clients with a skewed clock accept them.
const BACKDATE_MS = 5 * 60 * 1000;
const CA_SUBJECT_ORGANIZATION = 'cdk-timescale-security';
const CERTIFICATE_FIELDS = ['ServerName', 'SubjectAlternativeNames', 'KeyAlgorithm', 'CertificateAuthorityArn', 'CaSecretArn', 'CertificateSecretArn'];

let secretsClient;
function secrets() {
  secretsClient = secretsClient || new SecretsManagerClient({});
  return secretsClient;
}

exports.handler = async function handler(event) {
  if (event.RequestType) {
    return respondToCloudFormation(event);
  }
  if (event.renewal) {
    const result = await ensureCertificate(parseConfig(event.renewal), { force: false });
    log(result.issued ? 'renewed' : 'renewal not due', result);
    return summary(result);
  }
  throw new Error('Unrecognized event: expected a CloudFormation custom resource request or a scheduled { renewal } event.');
};

/** The custom resource logic, without the response upload (exported for tests). */
async function onEvent(event) {
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
exports.onEvent = onEvent;

async function respondToCloudFormation(event) {
  let response;
  try {
    response = { Status: 'SUCCESS', ...(await onEvent(event)) };
  } catch (error) {
    console.error(JSON.stringify({ message: 'request failed', error: String(error && error.message) }));
    response = {
      Status: 'FAILED',
      Reason: String(error && error.message).slice(0, 1000),
      PhysicalResourceId: event.PhysicalResourceId || 'certificate-not-issued',
    };
  }
  await sendResponse(event.ResponseURL, {
    ...response,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
  });
  return response;
}

/** How long one upload of the reply may take, and the pauses before each retry. */
const RESPONSE_TIMEOUT_MS = 10 * 1000;
const RESPONSE_RETRY_DELAYS_MS = [1000, 3000];

/**
 * Uploads the reply to CloudFormation's presigned S3 URL. Only a 2xx status counts as delivered: a
 * refusal (for example a VPC endpoint policy that does not admit the response bucket) or no answer
 * within the timeout is logged, retried with backoff, and finally thrown, so the invocation fails
 * visibly (the errors alarm) instead of leaving CloudFormation waiting without a trace. The log names
 * the host and status only: never the URL's signature or the reply's data.
 */
async function sendResponse(responseUrl, body, options = {}) {
  const timeoutMs = options.timeoutMs || RESPONSE_TIMEOUT_MS;
  const retryDelaysMs = options.retryDelaysMs || RESPONSE_RETRY_DELAYS_MS;
  const url = new URL(responseUrl);
  if (url.protocol !== 'https:') {
    throw new Error(`Refusing to send the CloudFormation response over ${url.protocol}; the response URL must be https.`);
  }
  const payload = JSON.stringify(body);
  const attempts = retryDelaysMs.length + 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await putOnce(url, payload, timeoutMs, options.ca);
    } catch (error) {
      console.error(JSON.stringify({
        message: 'CloudFormation response not delivered',
        host: url.hostname,
        attempt,
        attempts,
        status: error.statusCode,
        s3Code: error.s3Code,
        error: error.message,
        responseStatus: body.Status,
        logicalResourceId: body.LogicalResourceId,
        requestId: body.RequestId,
      }));
      if (attempt >= attempts) {
        throw new Error(`CloudFormation response for ${body.LogicalResourceId} not delivered after ${attempts} attempts: ${error.message}`);
      }
      await new Promise((resolve) => setTimeout(resolve, retryDelaysMs[attempt - 1]));
    }
  }
}

/** One PUT of the reply; resolves with the status of a 2xx answer, rejects on anything else or after timeoutMs. */
function putOnce(url, payload, timeoutMs, ca) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error); else resolve(value);
    };
    const request = https.request({
      hostname: url.hostname,
      port: url.port || undefined,
      path: url.pathname + url.search,
      method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(payload) },
      ...(ca ? { ca } : {}),
    }, (res) => {
      let answer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { answer = (answer + chunk).slice(0, 2048); });
      res.on('error', (error) => finish(error));
      res.on('end', () => {
        if (res.statusCode >= 200 && res.statusCode < 300) {
          finish(undefined, res.statusCode);
          return;
        }
        const code = /<Code>([^<]{1,100})<\/Code>/.exec(answer);
        finish(Object.assign(new Error(`HTTP ${res.statusCode}${code ? ` ${code[1]}` : ''}`), {
          statusCode: res.statusCode,
          s3Code: code ? code[1] : undefined,
        }));
      });
    });
    // A bound on the whole exchange, not only on idle time: a server that trickles bytes still times out.
    const timer = setTimeout(() => {
      const error = new Error(`no answer within ${timeoutMs} ms`);
      finish(error);
      request.destroy(error);
    }, timeoutMs);
    request.on('error', (error) => finish(error));
    request.end(payload);
  });
}
exports.sendResponse = sendResponse;

function parseConfig(raw) {
  // CloudFormation passes every property as a string.
  return {
    ...raw,
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
async function ensureCertificate(config, { force }, now = new Date()) {
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
exports.ensureCertificate = ensureCertificate;

function summary(result) {
  return {
    CaCertificatePem: result.caCertificatePem,
    SerialNumber: result.certificate.serialNumber,
    NotAfter: new Date(result.certificate.validTo).toISOString(),
  };
}

function sameNames(certificate, names) {
  const actual = (certificate.subjectAltName || '').split(', ').map((entry) => entry.replace(/^(DNS|IP Address):/, '')).sort();
  return JSON.stringify(actual) === JSON.stringify([...names].sort());
}

async function readJsonSecret(secretId) {
  try {
    const value = await secrets().send(new GetSecretValueCommand({ SecretId: secretId }));
    return JSON.parse(value.SecretString || '');
  } catch (error) {
    // A fresh secret holds a random placeholder (not JSON) or no value yet: treat both as empty.
    if (error instanceof SyntaxError || (error && error.name === 'ResourceNotFoundException')) {
      return undefined;
    }
    throw error;
  }
}

async function issueFromSelfManagedCa(config, now) {
  const ca = await loadOrCreateCa(config, now);
  const keys = x509.generateKeyPair(config.KeyAlgorithm);
  // Never past the CA's own expiry: clients would reject the chain from that moment anyway.
  const wanted = now.getTime() + config.ValidityDays * DAY_MS;
  const notAfter = new Date(Math.min(wanted, ca.notAfter.getTime()));
  if (notAfter.getTime() < wanted) {
    console.warn(JSON.stringify({ message: 'certificate validity capped at the CA expiry; rotate the CA', caNotAfter: ca.notAfter.toISOString() }));
  }
  const { pem } = x509.createCertificate({
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

async function loadOrCreateCa(config, now) {
  const stored = await readJsonSecret(config.CaSecretArn);
  if (stored && stored.certificate && stored.privateKey) {
    const certificate = new crypto.X509Certificate(stored.certificate);
    const privateKey = crypto.createPrivateKey(stored.privateKey);
    return {
      name: { commonName: caCommonName(config), organization: CA_SUBJECT_ORGANIZATION },
      privateKey,
      publicKey: crypto.createPublicKey(privateKey),
      certificatePem: stored.certificate,
      notAfter: new Date(certificate.validTo),
    };
  }
  const keys = x509.generateKeyPair('EC_P256');
  const name = { commonName: caCommonName(config), organization: CA_SUBJECT_ORGANIZATION };
  const notAfter = new Date(now.getTime() + config.CaValidityDays * DAY_MS);
  const { pem } = x509.createCertificate({
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

function caCommonName(config) {
  return `${config.ServerName} CA`.slice(0, 64); // X.520 ub-common-name
}

const SIGNING_ALGORITHMS = {
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
async function issueFromPrivateCa(config) {
  const pca = require('@aws-sdk/client-acm-pca');
  const client = new pca.ACMPCAClient({});
  const caArn = config.CertificateAuthorityArn;
  const keys = x509.generateKeyPair(config.KeyAlgorithm);
  const csr = x509.createCsr({
    subject: { commonName: config.ServerName },
    privateKey: keys.privateKey,
    publicKey: keys.publicKey,
    subjectAlternativeNames: config.SubjectAlternativeNames,
  });
  const description = await client.send(new pca.DescribeCertificateAuthorityCommand({ CertificateAuthorityArn: caArn }));
  const caKeyAlgorithm = description.CertificateAuthority.CertificateAuthorityConfiguration.KeyAlgorithm;
  const signingAlgorithm = SIGNING_ALGORITHMS[caKeyAlgorithm];
  if (!signingAlgorithm) {
    throw new Error(`Private CA ${caArn} uses key algorithm ${caKeyAlgorithm}, which this handler cannot request certificates from.`);
  }
  const partition = caArn.split(':')[1];
  const { CertificateArn } = await client.send(new pca.IssueCertificateCommand({
    CertificateAuthorityArn: caArn,
    Csr: Buffer.from(csr),
    SigningAlgorithm: signingAlgorithm,
    TemplateArn: `arn:${partition}:acm-pca:::template/EndEntityServerAuthCertificate/V1`,
    Validity: { Type: 'DAYS', Value: config.ValidityDays },
    IdempotencyToken: crypto.randomBytes(16).toString('hex'),
  }));
  const issued = await getIssuedCertificate(client, pca, caArn, CertificateArn);
  // The chain lists the issuing CA first and the root last: clients trust the root, the server sends the rest.
  const chain = splitPem(issued.CertificateChain || '');
  const root = chain.length > 0 ? chain[chain.length - 1] : '';
  const intermediates = chain.slice(0, -1);
  return {
    certificatePem: [issued.Certificate.trim() + '\n', ...intermediates].join(''),
    privateKeyPem: x509.privateKeyToPem(keys.privateKey),
    caCertificatePem: root,
  };
}

async function getIssuedCertificate(client, pca, caArn, certificateArn, attempts = 30, delayMs = 2000) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.send(new pca.GetCertificateCommand({ CertificateAuthorityArn: caArn, CertificateArn: certificateArn }));
    } catch (error) {
      if (!(error && error.name === 'RequestInProgressException') || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

function splitPem(text) {
  return (text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) || []).map((pem) => pem + '\n');
}

function log(message, result) {
  const fields = result && result.certificate
    ? { serialNumber: result.certificate.serialNumber, notAfter: new Date(result.certificate.validTo).toISOString() }
    : result;
  console.log(JSON.stringify({ message, ...fields }));
}
