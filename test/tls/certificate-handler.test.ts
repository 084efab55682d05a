import * as crypto from 'crypto';
import { EventEmitter } from 'events';
import * as fs from 'fs';
import * as path from 'path';
import {
  ACMPCAClient, DescribeCertificateAuthorityCommand, GetCertificateCommand, IssueCertificateCommand, RequestInProgressException,
} from '@aws-sdk/client-acm-pca';
import { GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AwsStub, mockClient } from 'aws-sdk-client-mock';
// What earlier versions of the handler stored (a CA and its certificates, made by the hand-written encoder)
// is the state the issuer must keep renewing from; the certificates the issuer itself makes are checked with openssl.
import { certificateHandler, legacyX509 as x509 } from './handler-modules';
import { OpenSsl } from './openssl';

// The CommonJS module object, which the handler calls through (an ES namespace cannot be spied on).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const https: typeof import('https') = require('https');

const DAY = 24 * 60 * 60 * 1000;
const CERT_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cert-AbCdEf';
const CA_SECRET = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ca-AbCdEf';
const CA_ARN = 'arn:aws:acm-pca:eu-west-1:111122223333:certificate-authority/11111111-2222-3333-4444-555555555555';
const SERVER = 'db.example.internal';

const selfManagedConfig = {
  CertificateSecretArn: CERT_SECRET,
  CaSecretArn: CA_SECRET,
  ServerName: SERVER,
  SubjectAlternativeNames: [SERVER, 'nlb.example.internal'],
  ValidityDays: '365',
  RenewBeforeDays: '30',
  CaValidityDays: '3650',
  KeyAlgorithm: 'EC_P256',
};

// aws-sdk-client-mock 4 is typed against @smithy/types 1.x and the installed clients against 4.x:
// the same at run time, different to tsc, hence the loose stub types.
const secrets: AwsStub<any, any, any> = mockClient(SecretsManagerClient as any);
const pca: AwsStub<any, any, any> = mockClient(ACMPCAClient as any);
const GetSecretValue: any = GetSecretValueCommand;
const PutSecretValue: any = PutSecretValueCommand;

/** Secrets Manager backed by a map, so a test can read what the handler wrote. */
function fakeSecrets(initial: { [arn: string]: string } = {}): Map<string, string> {
  const store = new Map(Object.entries(initial));
  secrets.on(GetSecretValue).callsFake((input: { SecretId: string }) => {
    const value = store.get(input.SecretId);
    if (value === undefined) {
      throw new ResourceNotFoundException({ message: 'Secrets Manager can\'t find the specified secret value', $metadata: {} });
    }
    return { SecretString: value };
  });
  secrets.on(PutSecretValue).callsFake((input: { SecretId: string; SecretString: string }) => {
    store.set(input.SecretId, input.SecretString);
    return { VersionId: crypto.randomUUID() };
  });
  return store;
}

/** A stored CA and server certificate, as a previous run of the handler leaves them. */
function issuedState(serverExpiresInDays: number, names = selfManagedConfig.SubjectAlternativeNames) {
  const caKeys = x509.generateKeyPair();
  const caName = { commonName: `${SERVER} CA`, organization: 'cdk-timescale-security' };
  const now = Date.now();
  const caPem = x509.createCertificate({
    subject: caName,
    publicKey: caKeys.publicKey,
    issuer: { name: caName, ...caKeys },
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 3000 * DAY),
    isCa: true,
  }).pem;
  const serverKeys = x509.generateKeyPair();
  const serverPem = x509.createCertificate({
    subject: { commonName: SERVER },
    publicKey: serverKeys.publicKey,
    issuer: { name: caName, ...caKeys },
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + serverExpiresInDays * DAY),
    isCa: false,
    subjectAlternativeNames: names,
  }).pem;
  return {
    [CA_SECRET]: JSON.stringify({ certificate: caPem, privateKey: x509.privateKeyToPem(caKeys.privateKey) }),
    [CERT_SECRET]: JSON.stringify({ certificate: serverPem, privateKey: x509.privateKeyToPem(serverKeys.privateKey), caCertificate: caPem }),
  };
}

function putCallsFor(secretId: string) {
  return secrets.commandCalls(PutSecretValue).filter((call: any) => call.args[0].input.SecretId === secretId);
}

beforeEach(() => {
  secrets.reset();
  pca.reset();
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => jest.restoreAllMocks());

describe('create with a self-managed CA', () => {
  const openssl = new OpenSsl();
  afterAll(() => openssl.cleanup());

  test('creates the CA, issues the server certificate, and stores both only in Secrets Manager', async () => {
    // Fresh secrets hold CloudFormation's random placeholder, which is not JSON.
    const store = fakeSecrets({ [CERT_SECRET]: 'placeholder-from-GenerateSecretString', [CA_SECRET]: 'placeholder' });
    const result = await certificateHandler.onEvent({ RequestType: 'Create', ResourceProperties: selfManagedConfig });

    expect(result.PhysicalResourceId).toBe(CERT_SECRET);
    const ca = JSON.parse(store.get(CA_SECRET)!);
    const stored = JSON.parse(store.get(CERT_SECRET)!);
    expect(Object.keys(stored).sort()).toEqual(['caCertificate', 'certificate', 'privateKey']);
    expect(stored.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(stored.caCertificate).toBe(ca.certificate);

    // CloudFormation gets public data only.
    expect(Object.keys(result.Data).sort()).toEqual(['CaCertificatePem', 'NotAfter', 'SerialNumber']);
    expect(JSON.stringify(result)).not.toMatch(/PRIVATE KEY/);
    expect(result.Data.CaCertificatePem).toBe(ca.certificate);
    const notAfter = new Date(result.Data.NotAfter).getTime();
    expect(Math.abs(notAfter - (Date.now() + 365 * DAY))).toBeLessThan(60_000);

    // The real openssl agrees: chain, name, SANs.
    const caFile = openssl.write('ca.pem', stored.caCertificate);
    const certFile = openssl.write('server.pem', stored.certificate);
    const verify = openssl.run('verify', '-x509_strict', '-purpose', 'sslserver', '-verify_hostname', SERVER, '-CAfile', caFile, certFile);
    expect(verify.output).toMatch(/OK/);
    expect(openssl.run('x509', '-noout', '-text', '-in', certFile).output).toMatch(/DNS:db\.example\.internal, DNS:nlb\.example\.internal/);
    expect(new crypto.X509Certificate(stored.certificate).checkPrivateKey(crypto.createPrivateKey(stored.privateKey))).toBe(true);
  });

  test('treats a secret with no value yet like an empty one', async () => {
    const store = fakeSecrets();
    await certificateHandler.onEvent({ RequestType: 'Create', ResourceProperties: selfManagedConfig });
    expect(JSON.parse(store.get(CERT_SECRET)!).certificate).toMatch(/BEGIN CERTIFICATE/);
  });

  test('nothing secret is logged', async () => {
    fakeSecrets();
    const logged: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args.join(' ')));
    await certificateHandler.onEvent({ RequestType: 'Create', ResourceProperties: selfManagedConfig });
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  });
});

describe('renewal', () => {
  test('does nothing when the certificate expires after the renewal window', async () => {
    const store = fakeSecrets(issuedState(200));
    const before = store.get(CERT_SECRET);
    const data = await certificateHandler.handler({ renewal: selfManagedConfig });
    expect(secrets.commandCalls(PutSecretValue)).toHaveLength(0);
    expect(store.get(CERT_SECRET)).toBe(before);
    expect(data.SerialNumber).toBe(new crypto.X509Certificate(JSON.parse(before!).certificate).serialNumber);
  });

  test('reissues with the same CA when the certificate expires within the renewal window', async () => {
    const store = fakeSecrets(issuedState(10));
    const old = JSON.parse(store.get(CERT_SECRET)!);
    const data = await certificateHandler.handler({ renewal: selfManagedConfig });

    expect(putCallsFor(CA_SECRET)).toHaveLength(0);
    expect(putCallsFor(CERT_SECRET)).toHaveLength(1);
    const renewed = JSON.parse(store.get(CERT_SECRET)!);
    expect(renewed.certificate).not.toBe(old.certificate);
    expect(renewed.privateKey).not.toBe(old.privateKey);
    const certificate = new crypto.X509Certificate(renewed.certificate);
    expect(certificate.verify(new crypto.X509Certificate(old.caCertificate).publicKey)).toBe(true);
    expect(new Date(certificate.validTo).getTime()).toBeGreaterThan(Date.now() + 300 * DAY);
    expect(data.NotAfter).toBe(new Date(certificate.validTo).toISOString());
  });

  test('the window boundary: 31 days left is kept, 29 days left is renewed', async () => {
    fakeSecrets(issuedState(31));
    expect((await certificateHandler.ensureCertificate(selfManagedConfig, { force: false })).issued).toBe(false);
    secrets.reset();
    fakeSecrets(issuedState(29));
    expect((await certificateHandler.ensureCertificate(selfManagedConfig, { force: false })).issued).toBe(true);
  });

  test('reissues when the configured names changed', async () => {
    fakeSecrets(issuedState(200, [SERVER]));
    const result = await certificateHandler.ensureCertificate(selfManagedConfig, { force: false });
    expect(result.issued).toBe(true);
    expect(result.certificate.subjectAltName).toBe('DNS:db.example.internal, DNS:nlb.example.internal');
  });

  test('never issues a certificate past the CA expiry', async () => {
    const state = issuedState(10);
    const caKeys = x509.generateKeyPair();
    const caName = { commonName: 'Short CA' };
    const caNotAfter = new Date(Date.now() + 100 * DAY);
    const caPem = x509.createCertificate({
      subject: caName,
      publicKey: caKeys.publicKey,
      issuer: { name: caName, ...caKeys },
      notBefore: new Date(Date.now() - DAY),
      notAfter: caNotAfter,
      isCa: true,
    }).pem;
    state[CA_SECRET] = JSON.stringify({ certificate: caPem, privateKey: x509.privateKeyToPem(caKeys.privateKey) });
    fakeSecrets(state);
    const result = await certificateHandler.ensureCertificate(selfManagedConfig, { force: false });
    expect(new Date(result.certificate.validTo).getTime()).toBeLessThanOrEqual(caNotAfter.getTime());
    expect(console.warn).toHaveBeenCalledWith(expect.stringMatching(/capped at the CA expiry/));
  });

  test('rejects an event that is neither CloudFormation nor the schedule', async () => {
    await expect(certificateHandler.handler({ hello: 'world' })).rejects.toThrow(/Unrecognized event/);
  });
});

describe('update and delete', () => {
  test('an update that keeps the names and a valid certificate keeps the certificate', async () => {
    fakeSecrets(issuedState(200));
    await certificateHandler.onEvent({
      RequestType: 'Update',
      PhysicalResourceId: CERT_SECRET,
      ResourceProperties: selfManagedConfig,
      OldResourceProperties: { ...selfManagedConfig, ValidityDays: '300' },
    });
    expect(secrets.commandCalls(PutSecretValue)).toHaveLength(0);
  });

  test('an update of the key algorithm reissues', async () => {
    const store = fakeSecrets(issuedState(200));
    await certificateHandler.onEvent({
      RequestType: 'Update',
      PhysicalResourceId: CERT_SECRET,
      ResourceProperties: { ...selfManagedConfig, KeyAlgorithm: 'RSA_2048' },
      OldResourceProperties: selfManagedConfig,
    });
    expect(putCallsFor(CERT_SECRET)).toHaveLength(1);
    expect(new crypto.X509Certificate(JSON.parse(store.get(CERT_SECRET)!).certificate).publicKey.asymmetricKeyType).toBe('rsa');
  });

  test('delete touches no secret: the server keeps its key', async () => {
    fakeSecrets(issuedState(200));
    const result = await certificateHandler.onEvent({ RequestType: 'Delete', PhysicalResourceId: CERT_SECRET, ResourceProperties: selfManagedConfig });
    expect(result.PhysicalResourceId).toBe(CERT_SECRET);
    expect(secrets.calls()).toHaveLength(0);
  });
});

describe('CloudFormation responses', () => {
  function captureResponses(statusCode = 200): Array<{ url: string; body: { [key: string]: unknown } }> {
    const sent: Array<{ url: string; body: { [key: string]: unknown } }> = [];
    jest.spyOn(https, 'request').mockImplementation(((options: { hostname: string; path: string }, callback: (res: EventEmitter) => void) => {
      const request = Object.assign(new EventEmitter(), {
        destroy: () => undefined,
        end: (payload: string) => {
          sent.push({ url: `https://${options.hostname}${options.path}`, body: JSON.parse(payload) });
          const response = Object.assign(new EventEmitter(), { statusCode, setEncoding: () => undefined });
          callback(response);
          response.emit('end');
        },
      });
      return request;
    }) as unknown as typeof https.request);
    return sent;
  }

  // The shape of CloudFormation's presigned URL: the response bucket is named with the Region without dashes.
  const base = {
    ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/' +
      'arn%3Aaws%3Acloudformation%3Aeu-west-1%3A111122223333%3Astack/Service/1c2fa620-982a-11e3-aff7-50e2416294e0%7CCertificate%7Crequest-1' +
      '?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=7200&X-Amz-Signature=0123456789abcdef',
    StackId: 'stack',
    RequestId: 'request-1',
    LogicalResourceId: 'Certificate',
  };

  test('reports SUCCESS with public data only to the pre-signed URL', async () => {
    fakeSecrets();
    const sent = captureResponses();
    await certificateHandler.handler({ ...base, RequestType: 'Create', ResourceProperties: selfManagedConfig });
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe(base.ResponseURL);
    expect(sent[0].body).toMatchObject({
      Status: 'SUCCESS', PhysicalResourceId: CERT_SECRET, RequestId: 'request-1', LogicalResourceId: 'Certificate', StackId: 'stack', NoEcho: false,
    });
    expect(JSON.stringify(sent[0].body)).not.toMatch(/PRIVATE KEY/);
  });

  test('reports FAILED with the reason instead of leaving CloudFormation waiting', async () => {
    secrets.on(GetSecretValue).rejects(Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }));
    const sent = captureResponses();
    await certificateHandler.handler({ ...base, RequestType: 'Create', ResourceProperties: selfManagedConfig });
    expect(sent[0].body).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/not authorized/) });
  });

  test('fails the invocation when the reply is refused, so Lambda retries it and the errors alarm counts it', async () => {
    fakeSecrets();
    const sent = captureResponses(403);
    await expect(certificateHandler.handler({ ...base, RequestType: 'Create', ResourceProperties: selfManagedConfig }))
      .rejects.toThrow(/not delivered after 3 attempts: HTTP 403/);
    expect(sent).toHaveLength(3);
  }, 20_000);
});

describe('the reply sender against a local HTTPS server', () => {
  const caKeys = x509.generateKeyPair();
  const caName = { commonName: 'Local test CA' };
  const caPem = x509.createCertificate({
    subject: caName,
    publicKey: caKeys.publicKey,
    issuer: { name: caName, ...caKeys },
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + DAY),
    isCa: true,
  }).pem;
  const serverKeys = x509.generateKeyPair();
  const serverPem = x509.createCertificate({
    subject: { commonName: '127.0.0.1' },
    publicKey: serverKeys.publicKey,
    issuer: { name: caName, ...caKeys },
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + DAY),
    isCa: false,
    subjectAlternativeNames: ['127.0.0.1'],
  }).pem;

  type Answer = { status: number; delayMs?: number; body?: string };
  let answers: Answer[];
  let received: Array<{ method: string; url: string; contentType: string | undefined; body: string }>;
  let server: import('https').Server;
  let port: number;
  const sockets = new Set<import('net').Socket>();
  // Answers the server still holds back, dropped after each test so nothing outlives the suite.
  const pending = new Set<NodeJS.Timeout>();

  beforeAll(async () => {
    server = https.createServer({ key: x509.privateKeyToPem(serverKeys.privateKey), cert: serverPem }, (req, res) => {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], body });
        const answer = answers.length > 1 ? answers.shift()! : answers[0];
        const timer = setTimeout(() => {
          pending.delete(timer);
          if (!res.destroyed) {
            res.writeHead(answer.status, { 'content-type': 'application/xml' });
            res.end(answer.body ?? '');
          }
        }, answer.delayMs ?? 0);
        pending.add(timer);
      });
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as import('net').AddressInfo).port;
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.destroy());
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    received = [];
  });

  afterEach(() => {
    pending.forEach((timer) => clearTimeout(timer));
    pending.clear();
  });

  const SIGNATURE = 'feedfacecafebeef0123456789';
  const url = () => `https://127.0.0.1:${port}/arn%3Aaws%3Acloudformation%3Aeu-west-1%3A111122223333%3Astack/S/id%7CCertificate%7Crequest-1` +
    `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${SIGNATURE}`;
  const body = { Status: 'SUCCESS', LogicalResourceId: 'Certificate', RequestId: 'request-1', Data: { CaCertificatePem: 'public' } };
  const fast = { retryDelaysMs: [20, 40] };

  function errorLines(): string[] {
    return (console.error as jest.Mock).mock.calls.map((args) => String(args[0]));
  }

  test('a 200 is delivered once, as a PUT of the JSON body with an empty content type', async () => {
    answers = [{ status: 200 }];
    await expect(certificateHandler.sendResponse(url(), body, { ca: caPem, ...fast })).resolves.toBe(200);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'PUT', contentType: '' });
    expect(received[0].url).toContain('X-Amz-Signature=');
    expect(JSON.parse(received[0].body)).toEqual(body);
    expect(errorLines()).toEqual([]);
  });

  test('a 403 is retried, then fails with the status and S3 error code, and each refusal is logged without the signature or data', async () => {
    answers = [{ status: 403, body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>' }];
    await expect(certificateHandler.sendResponse(url(), body, { ca: caPem, ...fast }))
      .rejects.toThrow('CloudFormation response for Certificate not delivered after 3 attempts: HTTP 403 AccessDenied');
    expect(received).toHaveLength(3);
    const lines = errorLines();
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2])).toMatchObject({
      message: 'CloudFormation response not delivered',
      host: '127.0.0.1',
      attempt: 3,
      attempts: 3,
      status: 403,
      s3Code: 'AccessDenied',
      responseStatus: 'SUCCESS',
      logicalResourceId: 'Certificate',
      requestId: 'request-1',
    });
    for (const line of lines) {
      expect(line).not.toContain(SIGNATURE);
      expect(line).not.toContain('CaCertificatePem');
    }
  });

  test('a refusal followed by a 200 is delivered on the retry', async () => {
    answers = [{ status: 503 }, { status: 200 }];
    await expect(certificateHandler.sendResponse(url(), body, { ca: caPem, ...fast })).resolves.toBe(200);
    expect(received).toHaveLength(2);
    expect(errorLines()).toHaveLength(1);
  });

  test('a server that does not answer in time fails within the bounded time, after the retries', async () => {
    answers = [{ status: 200, delayMs: 5_000 }];
    const started = Date.now();
    await expect(certificateHandler.sendResponse(url(), body, { ca: caPem, timeoutMs: 300, retryDelaysMs: [20, 40] }))
      .rejects.toThrow(/not delivered after 3 attempts: no answer within 300 ms/);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(3 * 300);
    expect(elapsed).toBeLessThan(3_000);
    expect(received).toHaveLength(3);
  });

  test('by default, each attempt gets 10 seconds and the retries wait 1 and 3 seconds: 34 seconds in all, well inside the function timeout', async () => {
    answers = [{ status: 200, delayMs: 600_000 }];
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      let outcome: string | undefined;
      void certificateHandler.sendResponse(url(), body, { ca: caPem }).then(() => { outcome = 'delivered'; }, (error: Error) => { outcome = error.message; });
      const untilReceived = async (count: number) => {
        while (received.length < count) await new Promise((resolve) => setImmediate(resolve));
      };
      await untilReceived(1);
      await jest.advanceTimersByTimeAsync(9_999);
      expect(errorLines()).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(errorLines()).toHaveLength(1);
      expect(errorLines()[0]).toContain('no answer within 10000 ms');
      await jest.advanceTimersByTimeAsync(1_000);
      await untilReceived(2);
      await jest.advanceTimersByTimeAsync(10_000 + 3_000);
      await untilReceived(3);
      await jest.advanceTimersByTimeAsync(9_999);
      expect(outcome).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(outcome).toBe('CloudFormation response for Certificate not delivered after 3 attempts: no answer within 10000 ms');
    } finally {
      jest.useRealTimers();
    }
  });

  test('refuses a response URL that is not https', async () => {
    await expect(certificateHandler.sendResponse(`http://127.0.0.1:${port}/x`, body)).rejects.toThrow(/must be https/);
    expect(received).toHaveLength(0);
  });
});

describe('AWS Private CA', () => {
  const openssl = new OpenSsl();
  afterAll(() => openssl.cleanup());
  const privateCaConfig = {
    CertificateSecretArn: CERT_SECRET,
    CertificateAuthorityArn: CA_ARN,
    ServerName: SERVER,
    SubjectAlternativeNames: [SERVER],
    ValidityDays: '90',
    RenewBeforeDays: '14',
    KeyAlgorithm: 'EC_P256',
  };

  test('sends a CSR for the server name with the end-entity server template and stores the key with the issued chain', async () => {
    const store = fakeSecrets({ [CERT_SECRET]: 'placeholder' });
    // A stand-in private CA: a root and an intermediate; openssl signs the handler's CSR as ACM PCA would.
    const rootKeys = x509.generateKeyPair();
    const rootName = { commonName: 'Root' };
    const now = Date.now();
    const rootPem = x509.createCertificate({
      subject: rootName,
      publicKey: rootKeys.publicKey,
      issuer: { name: rootName, ...rootKeys },
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 1000 * DAY),
      isCa: true,
      pathLength: 1,
    }).pem;
    const issuingKeys = x509.generateKeyPair();
    const issuingName = { commonName: 'Issuing' };
    const issuingPem = x509.createCertificate({
      subject: issuingName,
      publicKey: issuingKeys.publicKey,
      issuer: { name: rootName, ...rootKeys },
      notBefore: new Date(now - DAY),
      notAfter: new Date(now + 500 * DAY),
      isCa: true,
    }).pem;
    openssl.write('issuing.pem', issuingPem);
    openssl.write('issuing.key', x509.privateKeyToPem(issuingKeys.privateKey));

    pca.on(DescribeCertificateAuthorityCommand).resolves({
      CertificateAuthority: { CertificateAuthorityConfiguration: { KeyAlgorithm: 'EC_prime256v1', SigningAlgorithm: 'SHA256WITHECDSA', Subject: {} } },
    });
    pca.on(IssueCertificateCommand).callsFake((input: { Csr: Uint8Array }) => {
      openssl.write('request.csr', Buffer.from(input.Csr).toString('utf8'));
      const signed = openssl.run('x509', '-req', '-in', 'request.csr', '-CA', 'issuing.pem', '-CAkey', 'issuing.key', '-set_serial', '4242',
        '-days', '90', '-copy_extensions', 'copy', '-out', 'issued.pem');
      expect(signed.ok).toBe(true);
      return { CertificateArn: `${CA_ARN}/certificate/abc` };
    });
    pca.on(GetCertificateCommand)
      .rejectsOnce(new RequestInProgressException({ message: 'The request is in progress', $metadata: {} }))
      .callsFake(() => ({
        Certificate: fs.readFileSync(path.join(openssl.dir, 'issued.pem'), 'utf8'),
        CertificateChain: `${issuingPem}${rootPem}`,
      }));

    const result = await certificateHandler.onEvent({ RequestType: 'Create', ResourceProperties: privateCaConfig });

    const issue = pca.commandCalls(IssueCertificateCommand)[0].args[0].input;
    expect(issue).toMatchObject({
      CertificateAuthorityArn: CA_ARN,
      SigningAlgorithm: 'SHA256WITHECDSA',
      TemplateArn: 'arn:aws:acm-pca:::template/EndEntityServerAuthCertificate/V1',
      Validity: { Type: 'DAYS', Value: 90 },
    });
    const stored = JSON.parse(store.get(CERT_SECRET)!);
    expect(stored.caCertificate).toBe(rootPem);
    expect(result.Data.CaCertificatePem).toBe(rootPem);
    // The stored chain (leaf + intermediate) verifies to the root for the server name.
    openssl.write('root.pem', rootPem);
    openssl.write('stored-chain.pem', stored.certificate);
    openssl.write('untrusted.pem', issuingPem);
    const verify = openssl.run('verify', '-purpose', 'sslserver', '-verify_hostname', SERVER, '-CAfile', 'root.pem', '-untrusted', 'untrusted.pem', 'stored-chain.pem');
    expect(verify.output).toMatch(/OK/);
    expect(stored.certificate.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(new crypto.X509Certificate(stored.certificate).checkPrivateKey(crypto.createPrivateKey(stored.privateKey))).toBe(true);
    expect(JSON.stringify(result)).not.toMatch(/PRIVATE KEY/);
    expect(secrets.commandCalls(GetSecretValue).map((c: any) => c.args[0].input.SecretId)).not.toContain(CA_SECRET);
  });

  test('fails clearly for a CA key algorithm it cannot request from', async () => {
    fakeSecrets();
    pca.on(DescribeCertificateAuthorityCommand).resolves({
      CertificateAuthority: { CertificateAuthorityConfiguration: { KeyAlgorithm: 'SM2' as never, SigningAlgorithm: 'SM3WITHSM2' as never, Subject: {} } },
    });
    await expect(certificateHandler.onEvent({ RequestType: 'Create', ResourceProperties: privateCaConfig }))
      .rejects.toThrow(/uses key algorithm SM2/);
    expect(secrets.commandCalls(PutSecretValue)).toHaveLength(0);
  });
});
