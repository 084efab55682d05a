/**
 * End to end against moto's server (an AWS API emulator): stacks created through moto's
 * CloudFormation, then the command run as a user runs it, a separate `node` process with the SDK's
 * standard AWS_ENDPOINT_URL pointing at the emulator. Then resources are changed behind
 * CloudFormation's back (a key's rotation disabled, a security group opened) and the drift is reported.
 *
 * The command that runs is the one the package ships as its bin: the esbuild bundle of lib/verify/cli.ts
 * with the SDK clients and pg inside, built here from the sources by the build's own `bundle:verify`
 * command. It runs from a directory whose node_modules holds only the peer dependencies (aws-cdk-lib,
 * constructs, cdk-nag), as in a user's project: a module the bundle left outside would fail it.
 */
import { ChildProcess, execSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { AuthorizeSecurityGroupIngressCommand, EC2Client, ModifyInstanceMetadataOptionsCommand } from '@aws-sdk/client-ec2';
import { DisableKeyRotationCommand, KMSClient } from '@aws-sdk/client-kms';
import { PutBucketPolicyCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';

// The SDK's advice to move to Node 22 would repeat once per client in the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = path.resolve(__dirname, '..', '..');
const MOTO = 'moto_server';
const PEERS = ['aws-cdk-lib', 'constructs', 'cdk-nag'];
let bin: string;
let BUNDLE: string;
let endpoint: string;
let moto: ChildProcess | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForMoto(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last: unknown;
  while (Date.now() < deadline) {
    if (moto?.exitCode !== null) {
      throw new Error(`moto_server exited with ${moto?.exitCode} before it answered on ${url}`);
    }
    // A plain request without keep-alive: no socket outlives the test.
    const status = await new Promise<number | undefined>((resolve) => {
      http.get(`${url}/moto-api/`, { agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode);
      }).on('error', (error) => {
        last = error;
        resolve(undefined);
      });
    });
    if (status === 200) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`moto_server did not answer on ${url} within 30 s: ${String(last)}`);
}

const config = () => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
/** The test's own clients, which build the stacks and change them behind CloudFormation's back. */
let clients: { cloudformation: CloudFormationClient; ec2: EC2Client; kms: KMSClient; s3: S3Client; logs: CloudWatchLogsClient };

beforeAll(async () => {
  if (spawnSync('sh', ['-c', `command -v ${MOTO}`]).status !== 0) {
    throw new Error('moto_server is missing (the verify end-to-end tests need it; test/setup/prerequisites.sh says how to install it). These tests are never skipped.');
  }
  const command: string = JSON.parse(fs.readFileSync(path.join(ROOT, '.projen/tasks.json'), 'utf8')).tasks['bundle:verify'].steps[0].exec;
  expect(command).toContain('--outfile=lib/verify/cli.bundle.js');
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-bin-'));
  BUNDLE = path.join(bin, 'cli.bundle.js');
  for (const peer of PEERS) {
    fs.mkdirSync(path.dirname(path.join(bin, 'node_modules', peer)), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', peer), path.join(bin, 'node_modules', peer));
  }
  execSync(`npx ${command.replace('--outfile=lib/verify/cli.bundle.js', `--outfile=${BUNDLE}`)}`, { cwd: ROOT, stdio: 'pipe' });
  const port = await freePort();
  endpoint = `http://127.0.0.1:${port}`;
  moto = spawn(MOTO, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitForMoto(endpoint);
  clients = {
    cloudformation: new CloudFormationClient(config()),
    ec2: new EC2Client(config()),
    kms: new KMSClient(config()),
    s3: new S3Client({ ...config(), forcePathStyle: true }),
    logs: new CloudWatchLogsClient(config()),
  };
}, 60_000);

afterAll(async () => {
  if (bin) {
    fs.rmSync(bin, { recursive: true, force: true });
  }
  Object.values(clients ?? {}).forEach((c) => c.destroy());
  const server = moto;
  if (server && server.exitCode === null && server.signalCode === null) {
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => server.kill('SIGKILL'), 5_000);
      server.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      server.kill('SIGTERM');
    });
  }
});

/** The command, run as a user runs it: its own node process, the SDK chain from the environment. */
function verify(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return verifyAt(endpoint, ...args);
}

function verifyAt(awsEndpoint: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(BUNDLE, ['verify', ...args], {
    cwd: bin,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_ENDPOINT_URL: awsEndpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      // No shared config or credentials files of the machine running the tests.
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' }],
};

/** The parts of a database stack moto's CloudFormation creates faithfully enough to check. */
function template(stackName: string) {
  return {
    Resources: {
      DataKey: {
        Type: 'AWS::KMS::Key',
        // moto keeps an object KeyPolicy as a Python dict and then fails DescribeKey; given as JSON text it works.
        Properties: { EnableKeyRotation: true, KeyPolicy: JSON.stringify(KEY_POLICY) },
      },
      Vpc: { Type: 'AWS::EC2::VPC', Properties: { CidrBlock: '10.0.0.0/16' } },
      Isolated: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' }, CidrBlock: '10.0.1.0/24', AvailabilityZone: 'us-east-1a' } },
      DatabaseSecurityGroup: {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: {
          GroupDescription: 'database',
          VpcId: { Ref: 'Vpc' },
          SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, CidrIp: '10.20.0.0/16' }],
        },
      },
      DatabaseHost: {
        Type: 'AWS::EC2::Instance',
        Properties: {
          ImageId: 'ami-12c6146b',
          InstanceType: 't3.micro',
          SubnetId: { Ref: 'Isolated' },
          SecurityGroupIds: [{ Ref: 'DatabaseSecurityGroup' }],
          // moto names every instance's root device /dev/sda1.
          BlockDeviceMappings: [
            { DeviceName: '/dev/sda1', Ebs: { VolumeSize: 8, Encrypted: true, KmsKeyId: { 'Fn::GetAtt': ['DataKey', 'Arn'] } } },
            { DeviceName: '/dev/sdf', Ebs: { VolumeSize: 20, Encrypted: true, KmsKeyId: { 'Fn::GetAtt': ['DataKey', 'Arn'] } } },
          ],
          MetadataOptions: { HttpTokens: 'required' },
        },
      },
      Alerts: { Type: 'AWS::SNS::Topic', Properties: { KmsMasterKeyId: { Ref: 'DataKey' } } },
      Backups: {
        Type: 'AWS::S3::Bucket',
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['DataKey', 'Arn'] } } }],
          },
        },
      },
      SessionDocument: {
        Type: 'AWS::SSM::Document',
        Properties: {
          Name: `${stackName}-operator-sessions`,
          DocumentType: 'Session',
          DocumentFormat: 'JSON',
          // moto keeps object content as Python text, which no JSON reader can read; given as JSON text it works.
          Content: JSON.stringify({
            schemaVersion: '1.0',
            sessionType: 'Standard_Stream',
            inputs: { cloudWatchLogGroupName: 'sessions', cloudWatchEncryptionEnabled: true, kmsKeyId: 'alias/sessions' },
          }),
        },
      },
      Endpoint: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Type: 'network', Scheme: 'internal', Subnets: [{ Ref: 'Isolated' }] } },
    },
  };
}

/** Creates the stack, then sets through the API what moto's CloudFormation ignores; returns logical -> physical ids. */
async function createStack(stackName: string): Promise<Record<string, string>> {
  const cfn = clients.cloudformation;
  await cfn.send(new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify(template(stackName)) }));
  const status = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0].StackStatus;
  expect(status).toBe('CREATE_COMPLETE');
  const ids = Object.fromEntries(((await cfn.send(new ListStackResourcesCommand({ StackName: stackName }))).StackResourceSummaries ?? [])
    .map((r) => [r.LogicalResourceId!, r.PhysicalResourceId!]));
  // moto's CloudFormation ignores these properties; the test sets them through the API as the template asks.
  await clients.ec2.send(new ModifyInstanceMetadataOptionsCommand({ InstanceId: ids.DatabaseHost, HttpTokens: 'required' }));
  await clients.s3.send(new PutPublicAccessBlockCommand({
    Bucket: ids.Backups,
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  }));
  // moto's CloudFormation has no AWS::S3::BucketPolicy: the policy the template would attach is put through the API.
  await clients.s3.send(new PutBucketPolicyCommand({
    Bucket: ids.Backups,
    Policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${ids.Backups}`, `arn:aws:s3:::${ids.Backups}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }],
    }),
  }));
  return ids;
}

test('a refused call stops the bundled command with exit 2, naming the API call to allow', async () => {
  // An endpoint that refuses everything, as CloudFormation answers a caller without cloudformation:DescribeStacks.
  // Its own process: the command runs synchronously and would hold this one's event loop.
  const port = await freePort();
  const refusing = spawn(process.execPath, ['-e', `require('http').createServer((req, res) => req.resume().on('end', () => {
    res.writeHead(403, { 'content-type': 'text/xml' });
    res.end('<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized</Message></Error><RequestId>r</RequestId></ErrorResponse>');
  })).listen(${port}, '127.0.0.1', () => console.log('listening'))`], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    await new Promise((resolve) => refusing.stdout!.once('data', resolve));
    const run = verifyAt(`http://127.0.0.1:${port}`, '--stack-name', 'Orders');
    expect(run.status).toBe(2);
    expect(run.stderr.trimEnd().split('\n').pop()).toMatch(/^cdk-timescale-security verify: access denied to DescribeStacks: AccessDenied: not authorized/);
  } finally {
    refusing.kill('SIGKILL');
  }
}, 60_000);

test('the bin is one executable node script, beside nothing but the peer dependencies', () => {
  expect(fs.readFileSync(BUNDLE, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  expect(() => fs.accessSync(BUNDLE, fs.constants.X_OK)).not.toThrow();
  expect(fs.readdirSync(bin).sort()).toEqual(['cli.bundle.js', 'node_modules']);
  expect(fs.readdirSync(path.join(bin, 'node_modules')).sort()).toEqual([...PEERS].sort());
});

describe('verify against moto', () => {
  let ids: Record<string, string>;

  beforeAll(async () => {
    ids = await createStack('Database');
  }, 60_000);

  test('a stack that keeps the guarantees: exit 0, every resource named by logical and physical id', () => {
    const run = verify('--stack-name', 'Database', '--format', 'json');
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 });
    expect(run.stderr).toMatch(/^stack Database \(CREATE_COMPLETE\): 9 resources\n/);
    expect(run.stderr).toContain('  AWS::KMS::Key: checking 1\n');
    const report = JSON.parse(run.stdout);
    expect(report.summary).toMatchObject({ stacks: 1, openFindings: 0 });
    const checked = report.stacks[0].guarantees.flatMap((g: any) => g.rules.flatMap((r: any) => r.resources));
    const named = new Set(checked.map((e: any) => `${e.logicalId} ${e.physicalId} ${e.status}`));
    for (const logicalId of ['DataKey', 'DatabaseSecurityGroup', 'DatabaseHost', 'Alerts', 'Backups', 'SessionDocument', 'Endpoint']) {
      expect(named).toContain(`${logicalId} ${ids[logicalId]} Compliant`);
    }
    expect(checked.map((e: any) => e.ruleId)).toEqual(expect.arrayContaining([
      'TimescaleCloudSecurityLive-KmsKeyRotation',
      'TimescaleCloudSecurityLive-BlockDeviceCustomerManagedKey',
      'TimescaleCloudSecurityLive-DatabaseIngressFromAllowedNetworks',
      'TimescaleCloudSecurityLive-BucketDeniesInsecureTransport',
      'TimescaleCloudSecurityLive-SessionDocumentEncryptedLogging',
      'TimescaleCloudSecurityLive-LoadBalancerInternal',
    ]));
  }, 120_000);

  test('drift behind CloudFormation\'s back is reported: key rotation off and the database port open to the internet, exit 1', async () => {
    await clients.kms.send(new DisableKeyRotationCommand({ KeyId: ids.DataKey }));
    await clients.ec2.send(new AuthorizeSecurityGroupIngressCommand({
      GroupId: ids.DatabaseSecurityGroup,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    }));
    const run = verify('--stack-name', 'Database');
    expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 1 });
    expect(run.stdout).toContain(`non-compliant: DataKey (${ids.DataKey}) AWS::KMS::Key: automatic key rotation is off`);
    expect(run.stdout).toContain(`non-compliant: DatabaseSecurityGroup (${ids.DatabaseSecurityGroup}) AWS::EC2::SecurityGroup: ingress tcp 5432 from 0.0.0.0/0`);
    expect(run.stdout).toContain(`non-compliant: DatabaseSecurityGroup (${ids.DatabaseSecurityGroup}) AWS::EC2::SecurityGroup: port 5432 is open to 0.0.0.0/0; allowed: private address ranges`);
    expect(run.stdout).toMatch(/: 3 non-compliant, 0 cannot verify\.\n$/);
    expect(run.stderr).toMatch(/3 check\(s\) non-compliant\n$/);
  }, 120_000);

  test('a log group that lost its key is reported', async () => {
    // moto can neither create an encrypted log group through CloudFormation (it ignores KmsKeyId) nor
    // associate a key afterwards (no AssociateKmsKey), so the compliant answer is covered by the mocked
    // tests only; here, what a log group recreated by hand without its key looks like.
    const logsOnly = { Resources: { HostLogs: { Type: 'AWS::Logs::LogGroup', Properties: { KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/x' } } } };
    await clients.cloudformation.send(new CreateStackCommand({ StackName: 'Logs', TemplateBody: JSON.stringify(logsOnly) }));
    const logGroup = (await clients.cloudformation.send(new ListStackResourcesCommand({ StackName: 'Logs' }))).StackResourceSummaries![0].PhysicalResourceId!;
    expect((await clients.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroup }))).logGroups?.[0].kmsKeyId).toBeUndefined();
    const run = verify('--stack-name', 'Logs', '--format', 'markdown');
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`| \`TimescaleCloudSecurityLive-LogGroupCustomerManagedKey\` | \`HostLogs\` (\`${logGroup}\`) | AWS::Logs::LogGroup | ` +
      '**non-compliant**: not encrypted with a KMS key (CloudWatch Logs\' own encryption) |');
  }, 120_000);

  test('an unknown stack: exit 2 with a one-line reason', () => {
    const run = verify('--stack-name', 'Database', '--stack-name', 'NoSuchStack');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n').pop()).toBe("cdk-timescale-security verify: stack 'NoSuchStack' does not exist in us-east-1");
  }, 120_000);
});
