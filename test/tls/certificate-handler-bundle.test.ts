import { execSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { GetSecretValueCommand, PutSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { AwsStub, mockClient } from 'aws-sdk-client-mock';
import { OpenSsl } from './openssl';

/**
 * The Lambda asset is the committed esbuild bundle of lib/tls/private/certificate-issuer (so a fresh clone
 * synthesizes without a build step). It must be exactly what the sources bundle to, and it must run.
 */
const ROOT = path.resolve(__dirname, '../..');
const ASSET_DIR = path.join(ROOT, 'lib/tls/certificate-handler');
const BUNDLE = path.join(ASSET_DIR, 'index.js');

test('the committed bundle is what the sources bundle to (run `npx projen bundle:certificate-handler` after changing them)', () => {
  const tasks = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen/tasks.json'), 'utf8')).tasks;
  const command: string = tasks['bundle:certificate-handler'].steps[0].exec;
  expect(command).toContain('--outfile=lib/tls/certificate-handler/index.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
  try {
    const outfile = path.join(dir, 'index.js');
    execSync(`npx ${command.replace('--outfile=lib/tls/certificate-handler/index.js', `--outfile=${outfile}`)}`, { cwd: ROOT, stdio: 'pipe' });
    expect(fs.readFileSync(outfile, 'utf8') === fs.readFileSync(BUNDLE, 'utf8')).toBe(true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the asset holds the bundle only, and the bundle leaves the AWS SDK to the Lambda runtime', () => {
  expect(fs.readdirSync(ASSET_DIR)).toEqual(['index.js']);
  const text = fs.readFileSync(BUNDLE, 'utf8');
  expect(text).toMatch(/require\("@aws-sdk\/client-secrets-manager"\)/);
  expect(text).not.toMatch(/require\("@peculiar\/x509"\)|require\("reflect-metadata"\)/);
});

describe('the bundle, as Lambda runs it', () => {
  const secrets: AwsStub<any, any, any> = mockClient(SecretsManagerClient as any);
  const openssl = new OpenSsl();
  afterAll(() => {
    secrets.restore();
    openssl.cleanup();
  });

  test('issues a CA and a server certificate that openssl verifies for the server name', async () => {
    const store = new Map<string, string>();
    secrets.on(GetSecretValueCommand as any).callsFake((input: { SecretId: string }) => {
      const value = store.get(input.SecretId);
      if (value === undefined) {
        throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
      }
      return { SecretString: value };
    });
    secrets.on(PutSecretValueCommand as any).callsFake((input: { SecretId: string; SecretString: string }) => {
      store.set(input.SecretId, input.SecretString);
      return {};
    });
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const bundled = require(BUNDLE);
    const result = await bundled.onEvent({
      RequestType: 'Create',
      ResourceProperties: { CertificateSecretArn: 'cert', CaSecretArn: 'ca', ServerName: 'db.example.internal', KeyAlgorithm: 'EC_P256' },
    });
    expect(result.PhysicalResourceId).toBe('cert');
    const stored = JSON.parse(store.get('cert')!);
    const caFile = openssl.write('ca.pem', stored.caCertificate);
    const certFile = openssl.write('server.pem', stored.certificate);
    const verify = openssl.run('verify', '-x509_strict', '-purpose', 'sslserver', '-verify_hostname', 'db.example.internal', '-CAfile', caFile, certFile);
    expect(verify.output).toMatch(/: OK/);
    expect(new crypto.X509Certificate(stored.certificate).checkPrivateKey(crypto.createPrivateKey(stored.privateKey))).toBe(true);
  });
});
