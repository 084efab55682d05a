import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { buildReferenceDeployment, ReferenceDeployment } from '../../bin/reference-app';
import { DataResidency, DataResidencyChecks, ServiceNetwork, TimescaleCloudSecurityChecks } from '../../lib';
import { VmAccessAudit } from '../../lib/operator';

// As `npx cdk synth` does, with aws-cdk-lib's template validation (test/setup/cdk-validation.ts turns it off elsewhere).
delete process.env.CDK_VALIDATION;

/** The reference deployment is synthesized once, with every pack attached, as `npx cdk synth` does. */
let deployment: ReferenceDeployment;
let outdir: string;
let template: any;
let resources: Array<[string, any]>;

beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-'));
  deployment = buildReferenceDeployment(new App({ outdir }));
  // Throws if any pack reports an open finding.
  const assembly = deployment.app.synth();
  template = assembly.getStackByName(deployment.stack.stackName).template;
  resources = Object.entries(template.Resources);
});

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const ofType = (type: string) => resources.filter(([, r]) => r.Type === type).map(([, r]) => r);

test('synthesizes with every pack attached and no open finding, and writes the evidence report', () => {
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'evidence-report.json'), 'utf8'));
  expect(fs.existsSync(path.join(outdir, 'evidence-report.md'))).toBe(true);
  expect(JSON.parse(fs.readFileSync(path.join(outdir, 'evidence-report.sarif'), 'utf8')).version).toBe('2.1.0');
  expect(JSON.stringify(report)).toContain('TimescaleCloudSecurity-PostgresRefusesPlaintext');
  expect(deployment.packs.map((p) => p.readPackName)).toEqual([
    'AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321', 'TimescaleCloudSecurity', 'DataResidency',
  ]);
});

test('every acknowledgment carries a reason, recorded in the template', () => {
  const suppressions = resources.flatMap(([, r]) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);
  expect(suppressions.length).toBeGreaterThan(0);
  for (const s of suppressions) {
    expect(s.reason.length).toBeGreaterThan(40);
  }
});

test('has no unencrypted volume and no volume or block device outside a customer-managed key', () => {
  const volumes = ofType('AWS::EC2::Volume');
  expect(volumes).toHaveLength(2);
  for (const v of volumes) {
    expect(v.Properties.Encrypted).toBe(true);
    expect(v.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^TimescaleKeysDataKey/), 'Arn'] });
    expect(v.DeletionPolicy).toBe('Snapshot');
  }
  for (const instance of ofType('AWS::EC2::Instance')) {
    for (const device of instance.Properties.BlockDeviceMappings) {
      expect(device.Ebs.Encrypted).toBe(true);
      expect(device.Ebs.KmsKeyId).toBeDefined();
    }
  }
});

test('has no key without rotation, and keeps every key once the stack stands', () => {
  const keys = ofType('AWS::KMS::Key');
  expect(keys).toHaveLength(4);
  for (const key of keys) {
    expect(key.Properties.EnableKeyRotation).toBe(true);
    // RetainExceptOnCreate: kept on deletion and replacement; removed only when the create that made it rolls back.
    expect(key.DeletionPolicy).toMatch(/^(Retain|RetainExceptOnCreate)$/);
    expect(key.UpdateReplacePolicy).toBe('Retain');
  }
});

test('has no public IP, no key pair, no internet gateway and no NAT', () => {
  for (const instance of ofType('AWS::EC2::Instance')) {
    expect(instance.Properties.KeyName).toBeUndefined();
    expect(instance.Properties.NetworkInterfaces.every((n: any) => n.AssociatePublicIpAddress === false)).toBe(true);
  }
  for (const subnet of ofType('AWS::EC2::Subnet')) {
    expect(subnet.Properties.MapPublicIpOnLaunch).toBe(false);
  }
  expect(ofType('AWS::EC2::InternetGateway')).toHaveLength(0);
  expect(ofType('AWS::EC2::NatGateway')).toHaveLength(0);
  expect(ofType('AWS::EC2::KeyPair')).toHaveLength(0);
  for (const lb of ofType('AWS::ElasticLoadBalancingV2::LoadBalancer')) {
    expect(lb.Properties.Scheme).toBe('internal');
  }
});

test('retains or snapshots every stateful resource', () => {
  const stateful = ['AWS::EC2::Volume', 'AWS::S3::Bucket', 'AWS::Logs::LogGroup', 'AWS::SecretsManager::Secret', 'AWS::Backup::BackupVault', 'AWS::KMS::Key'];
  const found = resources.filter(([, r]) => stateful.includes(r.Type));
  expect(found.length).toBeGreaterThan(10);
  for (const [id, r] of found) {
    expect([id, r.DeletionPolicy]).toEqual([id, expect.stringMatching(/^(Retain|RetainExceptOnCreate|Snapshot)$/)]);
  }
});

test('peers the sample customer with routes to its CIDR only', () => {
  expect(ofType('AWS::EC2::VPCPeeringConnection')).toHaveLength(1);
  const peeringRoutes = ofType('AWS::EC2::Route').filter((r) => r.Properties.VpcPeeringConnectionId);
  expect(peeringRoutes.length).toBeGreaterThan(0);
  expect(new Set(peeringRoutes.map((r) => r.Properties.DestinationCidrBlock))).toEqual(new Set(['10.20.0.0/16']));
});

test('grants instance access (sessions, commands, Instance Connect, serial console) to the operator role only', () => {
  const operatorRole = deployment.stack.getLogicalId(deployment.service.operatorAccess!.role.node.defaultChild as any);
  expect(VmAccessAudit.findGrantsInTemplate(template, [operatorRole])).toEqual([]);
  // The scan is not vacuous: without the operator role allowed, its grants are found.
  expect(VmAccessAudit.findGrantsInTemplate(template, []).length).toBeGreaterThan(0);
});

test('judged the same when the template is read back with cloudformation-include', () => {
  const file = path.join(outdir, `${deployment.stack.stackName}.template.json`);
  const app = new App();
  const included = new Stack(app, 'Included');
  new CfnInclude(included, 'Template', { templateFile: file });

  const security = new TimescaleCloudSecurityChecks(undefined, {
    allowedDatabaseCidrs: [ServiceNetwork.DEFAULT_CIDR, '10.20.0.0/16'],
  }).validateScope(included);
  // Acknowledgments belong to the app's constructs, not to the template: the one finding the
  // reference app acknowledges for this pack is the only one reported.
  const findings = security.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
  expect(findings).toEqual([expect.stringMatching(/^TimescaleCloudSecurity-BucketCustomerManagedKey .*OperatorsAccessLogsBucket/)]);

  const residency = new DataResidencyChecks(app, { allowedRegions: DataResidency.EU }).validateScope(included);
  expect(residency.violations).toEqual([]);
});
