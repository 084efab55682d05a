/**
 * The command's exit codes, streams and formats, with the AWS SDK clients mocked
 * (aws-sdk-client-mock): throttling is retried, access denied and unknown stacks stop it with exit 2.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { awsError, mockedClients } from './support/mocks';
import { main } from '../../lib/verify/cli';

const cfn = mockClient(CloudFormationClient);
const kms = mockClient(KMSClient);
const sns = mockClient(SNSClient);
const STACK_ID = 'arn:aws:cloudformation:us-east-1:111122223333:stack/Db/0000';
const KEY_ID = '11111111-2222-3333-4444-555555555555';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:alerts';

beforeEach(() => {
  [cfn, kms, sns].forEach((m) => m.reset());
  cfn.on(DescribeStacksCommand, { StackName: 'Db' }).resolves({ Stacks: [{ StackName: 'Db', StackId: STACK_ID, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() }] });
  cfn.on(ListStackResourcesCommand).resolves({
    StackResourceSummaries: [
      { LogicalResourceId: 'DataKey', PhysicalResourceId: KEY_ID, ResourceType: 'AWS::KMS::Key', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      { LogicalResourceId: 'Alerts', PhysicalResourceId: TOPIC_ARN, ResourceType: 'AWS::SNS::Topic', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
      { LogicalResourceId: 'Role', PhysicalResourceId: 'r', ResourceType: 'AWS::IAM::Role', ResourceStatus: 'CREATE_COMPLETE', LastUpdatedTimestamp: new Date() },
    ],
  });
  kms.on(DescribeKeyCommand).resolves({
    KeyMetadata: { KeyId: KEY_ID, KeyManager: 'CUSTOMER', KeyState: 'Enabled', KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' },
  });
  kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: true });
  kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*' }] }) });
  sns.on(GetTopicAttributesCommand).resolves({ Attributes: { KmsMasterKeyId: KEY_ID } });
});

async function verify(...args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(['verify', ...args], {
    stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t), clients: () => mockedClients(), throttleDelayMs: 1,
  });
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

test('exit 0 when every check holds; progress on stderr, the report on stdout', async () => {
  const run = await verify('--stack-name', 'Db');
  expect(run.code).toBe(0);
  expect(run.stderr).toBe([
    'stack Db (UPDATE_COMPLETE): 3 resources',
    '  AWS::KMS::Key: checking 1',
    '  AWS::SNS::Topic: checking 1',
    '4 check(s) hold',
    '',
  ].join('\n'));
  expect(run.stdout).toMatch(/^Live verification report \(us-east-1\), \d{4}-/);
  expect(run.stdout).toContain(`Db (${STACK_ID}, 3 resources)`);
  expect(run.stdout).toContain('ok            TimescaleCloudSecurityLive-KmsKeyRotation: 1 compliant, 0 non-compliant, 0 cannot verify');
  expect(run.stdout).toMatch(/1 stack\(s\), 4 check\(s\): 0 non-compliant, 0 cannot verify\.\n$/);
});

test('exit 1 when a check is non-compliant, naming the resource by logical and physical id in every format', async () => {
  kms.on(GetKeyRotationStatusCommand).resolves({ KeyRotationEnabled: false });
  const text = await verify('--stack-name', 'Db');
  expect(text.code).toBe(1);
  expect(text.stdout).toContain(`non-compliant: DataKey (${KEY_ID}) AWS::KMS::Key: automatic key rotation is off`);
  expect(text.stderr).toMatch(/1 check\(s\) non-compliant\n$/);

  const json = JSON.parse((await verify('--stack-name', 'Db', '--format', 'json')).stdout);
  expect(json).toMatchObject({ generatedBy: 'cdk-timescale-security', phase: 'live', summary: { stacks: 1, evaluations: 4, openFindings: 1 } });
  const g1 = json.stacks[0].guarantees.find((g: any) => g.id === 'G1');
  expect(g1.rules.find((r: any) => r.ruleId === 'TimescaleCloudSecurityLive-KmsKeyRotation').resources).toEqual([expect.objectContaining({
    logicalId: 'DataKey', physicalId: KEY_ID, resourceType: 'AWS::KMS::Key', status: 'NonCompliant', stackPath: 'Db', templateFile: STACK_ID,
  })]);
  expect(json.guarantees.find((g: any) => g.id === 'G1').ruleIds).toContain('TimescaleCloudSecurityLive-KmsKeyRotation');

  const sarif = JSON.parse((await verify('--stack-name', 'Db', '--format', 'sarif')).stdout);
  expect(sarif.runs[0].results).toEqual([expect.objectContaining({
    ruleId: 'TimescaleCloudSecurityLive-KmsKeyRotation',
    level: 'error',
    message: { text: `automatic key rotation is off (TimescaleCloudSecurityLive-KmsKeyRotation on DataKey, ${KEY_ID})` },
    locations: [expect.objectContaining({ physicalLocation: { artifactLocation: { uri: STACK_ID } } })],
    properties: { guarantee: 'G1', resourceType: 'AWS::KMS::Key', physicalId: KEY_ID },
  })]);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-'));
  try {
    const file = path.join(dir, 'report.md');
    const md = await verify('--stack-name', 'Db', '--format', 'markdown', '--output', file);
    expect(md).toMatchObject({ code: 1, stdout: '' });
    expect(md.stderr).toContain(`report written to ${file}`);
    const text2 = fs.readFileSync(file, 'utf8');
    expect(text2).toMatch(/^# Live verification report \(us-east-1\)/);
    expect(text2).toContain(`| \`TimescaleCloudSecurityLive-KmsKeyRotation\` | \`DataKey\` (\`${KEY_ID}\`) | AWS::KMS::Key | **non-compliant**: automatic key rotation is off |`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('throttling is retried until the call succeeds', async () => {
  cfn.on(DescribeStacksCommand, { StackName: 'Db' })
    .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
    .rejectsOnce(awsError('Throttling', 'Rate exceeded'))
    .resolves({ Stacks: [{ StackName: 'Db', StackId: STACK_ID, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
  kms.on(GetKeyRotationStatusCommand).rejectsOnce(awsError('ThrottlingException', 'Rate exceeded')).resolves({ KeyRotationEnabled: true });
  const run = await verify('--stack-name', 'Db');
  expect(run.code).toBe(0);
  expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(3);
  expect(kms.commandCalls(GetKeyRotationStatusCommand)).toHaveLength(2);
});

test('throttling that never ends leaves the check unverified: exit 2', async () => {
  kms.on(GetKeyRotationStatusCommand).rejects(awsError('ThrottlingException', 'Rate exceeded'));
  const run = await verify('--stack-name', 'Db');
  expect(run.code).toBe(2);
  expect(kms.commandCalls(GetKeyRotationStatusCommand)).toHaveLength(5);
  expect(run.stdout).toContain('cannot verify: DataKey');
  expect(run.stderr).toMatch(/cdk-timescale-security verify: 3 check\(s\) could not be made/);
});

test('access denied stops the run with exit 2 and a one-line reason', async () => {
  kms.on(GetKeyPolicyCommand).rejects(awsError('AccessDeniedException', 'User: arn:aws:iam::111122223333:user/auditor is not authorized to perform: kms:GetKeyPolicy'));
  const run = await verify('--stack-name', 'Db');
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  const last = run.stderr.trimEnd().split('\n').pop();
  expect(last).toBe('cdk-timescale-security verify: access denied to GetKeyPolicy: AccessDeniedException: User: ' +
    'arn:aws:iam::111122223333:user/auditor is not authorized to perform: kms:GetKeyPolicy (see the IAM policy in the README)');
});

test('an unknown stack, or no credentials, stop the run with exit 2', async () => {
  cfn.on(DescribeStacksCommand, { StackName: 'Nope' }).rejects(awsError('ValidationError', 'Stack with id Nope does not exist'));
  const unknown = await verify('--stack-name', 'Db', '--stack-name', 'Nope');
  expect(unknown).toMatchObject({ code: 2, stdout: '' });
  expect(unknown.stderr).toMatch(/cdk-timescale-security verify: stack 'Nope' does not exist in us-east-1\n$/);

  // Named by its ARN, a deleted stack is still described (and its deleted resources listed) for 90 days.
  const deletedId = 'arn:aws:cloudformation:us-east-1:123456789012:stack/Orders/0f1e2d3c';
  cfn.on(DescribeStacksCommand, { StackName: deletedId }).resolves({ Stacks: [{ StackName: 'Orders', StackId: deletedId, StackStatus: 'DELETE_COMPLETE', CreationTime: new Date() }] });
  cfn.on(ListStackResourcesCommand, { StackName: deletedId }).resolves({ StackResourceSummaries: [] });
  const deleted = await verify('--stack-name', deletedId);
  expect(deleted).toMatchObject({ code: 2, stdout: '' });
  expect(deleted.stderr).toMatch(new RegExp(`cdk-timescale-security verify: stack '${deletedId}' was deleted`));

  cfn.on(DescribeStacksCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
  const anonymous = await verify('--stack-name', 'Db');
  expect(anonymous.code).toBe(2);
  expect(anonymous.stderr).toMatch(/^cdk-timescale-security verify: no AWS credentials: Could not load credentials from any providers/);
});

test('usage errors exit 2 with the reason and the usage', async () => {
  expect((await verify()).stderr).toMatch(/^cdk-timescale-security verify: name at least one --stack-name/);
  expect(await verify('--stack-name', 'Db', '--format', 'html')).toMatchObject({ code: 2, stderr: expect.stringMatching(/--format must be one of text, json, sarif, markdown; got 'html'/) });
  expect((await verify('--database', 'db:5432')).stderr).toMatch(/--database needs --ca/);
  expect((await verify('--database', 'db', '--ca', 'x')).stderr).toMatch(/--database must be HOST:PORT/);
  expect((await verify('--stack-name', 'Db', '--allowed-network', '10.0.0.0')).stderr).toMatch(/--allowed-network '10\.0\.0\.0' is not a CIDR/);
  expect((await verify('--stack', 'Db')).stderr).toMatch(/Unknown option '--stack'/);
  const help = await main(['--help'], { stdout: () => undefined, stderr: () => undefined });
  expect(help).toBe(0);
});

test('the package ships the command as its bin: the esbuild bundle of cli.ts the build writes, an executable node script', () => {
  const root = path.resolve(__dirname, '..', '..');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  expect(pkg.bin).toEqual({ 'cdk-timescale-security': 'lib/verify/cli.bundle.js' });
  expect(fs.readFileSync(path.join(root, 'lib', 'verify', 'cli.ts'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  const tasks = JSON.parse(fs.readFileSync(path.join(root, '.projen', 'tasks.json'), 'utf8')).tasks;
  expect(tasks['bundle:verify'].steps[0].exec).toMatch(/^esbuild lib\/verify\/cli\.ts --bundle .*--outfile=lib\/verify\/cli\.bundle\.js$/);
  expect(tasks['pre-compile'].steps).toContainEqual({ spawn: 'bundle:verify' });
  // jsii accepts a plain dependency only when it is a jsii module or bundled into the tarball. The SDK
  // clients and pg are inside the command's bundle (test/verify/moto.test.ts runs it beside the peer
  // dependencies only), so none is a dependency; the rules' YAML parser is the one bundled dependency.
  expect(pkg.bundledDependencies).toEqual(['yaml']);
  const nonJsii = Object.keys(pkg.dependencies ?? {}).filter((dep) =>
    !JSON.parse(fs.readFileSync(path.join(root, 'node_modules', dep, 'package.json'), 'utf8')).jsii);
  expect(nonJsii).toEqual(pkg.bundledDependencies);
  expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['@aws-sdk/client-kms', '@aws-sdk/client-cloudformation', 'pg']));
  // The package carries the bundle, not the compiled modules that require the SDK clients.
  const npmignore = fs.readFileSync(path.join(root, '.npmignore'), 'utf8').split('\n');
  expect(npmignore).toEqual(expect.arrayContaining(['/lib/verify/**/*.js', '!/lib/verify/cli.bundle.js']));
});
