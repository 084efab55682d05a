import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnResource, CfnRule, Fn, IPolicyValidationContext, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Template as AssertTemplate } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { CfnInclude } from 'aws-cdk-lib/cloudformation-include';
import { AwsSolutionsChecks } from 'cdk-nag';
import { param, plain } from './helpers';
import {
  DataResidencyChecks, GuaranteeCatalogue, NagPackPlugin, RuleStatus, TimescaleCloudSecurityChecks,
} from '../../lib/nag';
import { StackIndex } from '../../lib/nag/private/rendered';

const RULES = [
  'VolumeCustomerManagedKey', 'BlockDeviceCustomerManagedKey', 'KmsKeyRotation', 'KmsKeyPolicyNoUnconditionedWildcard',
  'KmsKeyUsedOnlyByNamedPrincipals', 'KmsKeyRetained', 'BackupVaultCustomerManagedKey', 'BucketCustomerManagedKey',
  'LogGroupCustomerManagedKey', 'SecretCustomerManagedKey', 'TopicCustomerManagedKey', 'DataStoreCustomerManagedKey', 'AutoScalingVolumesCustomerManagedKey',
  'DatabaseHostArchivesWal', 'PgBackRestRepositoryEncrypted', 'PgBackRestRepositoryCustomerManagedKey', 'NoPrivateKeyMaterial', 'NoPasswordLiteral',
  'SecretValueGenerated', 'SecretReadDeniedToOthers', 'PostgresRefusesPlaintext', 'PostgresTlsMinimumVersion',
  'PostgresPlaintextRejectedFirst', 'PostgresConfigIncludesInTemplate', 'PostgresTlsCiphers', 'PostgresBootSqlKeepsTlsSettings', 'ListenerTlsPolicy',
  'BucketDeniesInsecureTransport', 'DataStoreTransitEncryption', 'RdsForcesSsl', 'BucketBlocksPublicAccess', 'LoadBalancerInternal', 'IngressNotFromAnywhere',
  'DatabaseIngressFromAllowedNetworks', 'InstanceNoPublicIp', 'SubnetNoPublicIp', 'DatabaseSubnetNoInternetRoute',
  'NoInternetGatewayWithDatabase', 'PeeringRouteNotDefault', 'DatabaseHostEgressRestricted', 'S3EndpointNamesBuckets', 'RdsNotPubliclyAccessible',
  'DatabaseHostNoElasticIp', 'GlobalAcceleratorNotToDatabaseHost',
  'StatefulResourceRetained', 'RdsBackupsEnabled', 'CloudTrailValidatedAndEncrypted', 'SessionDocumentEncryptedLogging',
  'StartSessionRequiresLoggingDocument', 'AuditBucketObjectLock', 'AuditAlertRulesPresent', 'NoSshKeyPair', 'NoRemoteShellIngress', 'InteractiveAccessRequiresMfa',
  'PortForwardingNotToDatabaseHosts', 'InstanceAccessOnlyForOperators', 'NoInstanceConnectEndpointWithDatabase', 'PostgresSuperuserRejectedFromNetwork', 'PostgresConfigNotWritableByServer',
  'PostgresNetworkAccessPerCustomer', 'PostgresBootSqlGrantsNoSuperuser', 'DatabaseSuperuserSecretReadOnlyByHost',
  'KmsCreateGrantForAwsResourceOnly', 'SnapshotSharingNotGranted', 'OperatorPassRoleScoped', 'DatabaseCredentialsReadOnlyByHost',
];

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'nag-'));
}

/**
 * Synthesizes and returns the CDK's policy validation output as text: the report file (older
 * aws-cdk-lib sets process.exitCode and writes it) or the synth error (newer versions throw).
 * Neither may leak into the test run.
 */
function synthReport(app: App): string {
  const exitCode = process.exitCode;
  const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  let failure = '';
  try {
    try {
      app.synth();
    } catch (e) {
      if (!String((e as Error).stack).includes('ValidationFailed')) {
        throw e;
      }
      failure = String((e as Error).message);
    }
    const file = path.join(app.outdir, 'policy-validation-report.json');
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : failure;
  } finally {
    errors.mockRestore();
    process.exitCode = exitCode;
  }
}

describe('rule ids', () => {
  test('TimescaleCloudSecurityChecks reports exactly these rule ids', () => {
    const pack = new TimescaleCloudSecurityChecks();
    expect(pack.name).toBe('TimescaleCloudSecurity');
    expect(pack.ruleIds).toEqual(RULES.flatMap((r) => [`TimescaleCloudSecurity-${r}`, `TimescaleCloudSecurity-${r}-Unverifiable`]));
  });

  test('DataResidencyChecks reports exactly these rule ids', () => {
    const pack = new DataResidencyChecks(new App(), { allowedRegions: ['eu-central-1'] });
    expect(pack.ruleIds).toEqual([
      'StackRegionAllowed', 'BackupCopyRegionAllowed', 'SecretReplicaRegionAllowed', 'BucketReplicationRegionAllowed',
      'GlobalTableReplicaRegionAllowed', 'KmsKeyReplicaRegionAllowed',
    ].flatMap((r) => [`DataResidency-${r}`, `DataResidency-${r}-Unverifiable`]));
  });
});

describe('guarantee catalogue', () => {
  const rules = GuaranteeCatalogue.rules;
  test('G1 to G8, each with source sentences and at least one rule', () => {
    const guarantees = GuaranteeCatalogue.guarantees;
    expect(guarantees.map((g) => g.id)).toEqual(['G1', 'G2', 'G3', 'G4', 'G5', 'G6', 'G7', 'G8']);
    for (const g of guarantees) {
      expect(g.sourceSentences.length).toBeGreaterThan(0);
      expect(g.ruleIds.length).toBeGreaterThan(0);
    }
  });

  test('every rule of every pack belongs to a catalogue guarantee', () => {
    const ids = GuaranteeCatalogue.guarantees.map((g) => g.id);
    const packRules = [
      ...new TimescaleCloudSecurityChecks().ruleInfos,
      ...new DataResidencyChecks(new App(), { allowedRegions: ['eu-west-1'] }).ruleInfos,
    ];
    expect(packRules.map((r) => r.ruleId)).toEqual(rules.map((r) => r.ruleId));
    expect(packRules.filter((r) => !ids.includes(r.guarantee))).toEqual([]);
    expect(GuaranteeCatalogue.guarantees.flatMap((g) => g.ruleIds).sort()).toEqual(rules.map((r) => r.ruleId).sort());
  });

  test('the rule table lists every rule once, grouped by guarantee', () => {
    const table = GuaranteeCatalogue.renderRuleTable();
    for (const r of rules) {
      expect(table.split(`\`${r.ruleId}\``).length - 1).toBe(1);
    }
    expect(table).toContain('**G2 keys-never-plaintext**: "Keys are never stored in plaintext."');
    expect(table.trim().split('\n')).toHaveLength(rules.length + 2);
  });

  test('unknown guarantee ids fail with the accepted ids', () => {
    expect(() => GuaranteeCatalogue.guarantee('G9')).toThrow(/Unknown guarantee id 'G9'; expected one of G1, G2/);
    expect(GuaranteeCatalogue.guarantee('G3').name).toBe('in-transit');
  });
});

describe('pack props', () => {
  test('rejects a database port outside 1-65535', () => {
    expect(() => new TimescaleCloudSecurityChecks(undefined, { databasePort: 70000 })).toThrow(/databasePort must be a port from 1 to 65535; got 70000/);
  });
  test('rejects allowed networks that are not CIDRs', () => {
    expect(() => new TimescaleCloudSecurityChecks(undefined, { allowedDatabaseCidrs: ['10.0.0.0/33'] })).toThrow(/allowedDatabaseCidrs must hold literal CIDRs; got '10.0.0.0\/33'/);
  });
  test('rejects an empty or malformed region list', () => {
    expect(() => new DataResidencyChecks(new App(), { allowedRegions: [] })).toThrow(/allowedRegions must be a non-empty list of region names; got \[\]/);
    expect(() => new DataResidencyChecks(new App(), { allowedRegions: ['Frankfurt'] })).toThrow(/got \["Frankfurt"\]/);
  });
});

describe('DataResidencyChecks', () => {
  const allowedRegions = ['eu-central-1', 'eu-west-1'];
  function residency(region: string | undefined, extra?: (s: Stack) => void) {
    const app = new App();
    const stack = new Stack(app, 'Stack', region ? { env: { region, account: '111122223333' } } : {});
    plain(stack, 'AWS::SNS::Topic', {}, 'First');
    plain(stack, 'AWS::SNS::Topic', {}, 'Second');
    extra?.(stack);
    const pack = new DataResidencyChecks(app, { allowedRegions });
    const report = pack.validateScope(app);
    return { pack, report, evaluations: pack.evaluations };
  }

  test('an allowed region complies, judged once per stack', () => {
    const { evaluations, report } = residency('eu-central-1');
    expect(report.success).toBe(true);
    expect(evaluations).toEqual([expect.objectContaining({ status: RuleStatus.COMPLIANT, constructPath: 'Stack/First', guarantee: 'G8' })]);
  });

  test('another region is a finding', () => {
    const { report } = residency('us-east-1');
    expect(report.violations).toEqual([expect.objectContaining({ ruleName: 'DataResidency-StackRegionAllowed', severity: 'error' })]);
  });

  test('an environment-agnostic stack cannot be verified', () => {
    const { report } = residency(undefined);
    expect(report.violations).toEqual([expect.objectContaining({ ruleName: 'DataResidency-StackRegionAllowed-Unverifiable', severity: 'warning' })]);
  });

  test('an unconditioned CfnRule confining AWS::Region makes it verifiable', () => {
    const { report, evaluations } = residency(undefined, (s) => new CfnRule(s, 'Residency', {
      assertions: [{ assert: Fn.conditionContains(['eu-central-1'], s.region), assertDescription: 'EU only' }],
    }));
    expect(report.success).toBe(true);
    expect(evaluations[0].status).toBe(RuleStatus.COMPLIANT);
  });

  test('a CfnRule admitting another region is a finding', () => {
    const { evaluations } = residency(undefined, (s) => new CfnRule(s, 'Residency', {
      assertions: [{ assert: Fn.conditionOr(Fn.conditionEquals(s.region, 'eu-west-1'), Fn.conditionEquals('us-east-1', s.region)), assertDescription: 'x' }],
    }));
    expect(evaluations[0]).toEqual(expect.objectContaining({ status: RuleStatus.NON_COMPLIANT, detail: expect.stringMatching(/admits us-east-1/) }));
  });

  test('a conditioned CfnRule does not count', () => {
    const { evaluations } = residency(undefined, (s) => new CfnRule(s, 'Residency', {
      ruleCondition: Fn.conditionEquals(param(s), 'prod'),
      assertions: [{ assert: Fn.conditionContains(['eu-central-1'], s.region), assertDescription: 'x' }],
    }));
    expect(evaluations[0].status).toBe(RuleStatus.UNVERIFIABLE);
  });
});

describe('running at synth', () => {
  test('works as a validation plugin at synth', () => {
    const app = new App({ outdir: tmpdir() });
    const stack = new Stack(app, 'Stack');
    new ec2.CfnVolume(stack, 'Volume', { availabilityZone: 'a', size: 1, encrypted: true, kmsKeyId: 'alias/aws/ebs' });
    Validations.of(app).addPlugins(new TimescaleCloudSecurityChecks(app));
    expect(synthReport(app)).toContain('TimescaleCloudSecurity-VolumeCustomerManagedKey');
  });

  test('acknowledged findings are suppressed and written into the template with their reason', () => {
    const app = new App({ outdir: tmpdir() });
    const stack = new Stack(app, 'Stack');
    const volume = new ec2.CfnVolume(stack, 'Volume', { availabilityZone: 'a', size: 1, encrypted: true, kmsKeyId: param(stack) });
    volume.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
    Validations.of(volume).acknowledge({ id: 'TimescaleCloudSecurity-VolumeCustomerManagedKey-Unverifiable', reason: 'The parameter is validated by a CfnRule against the data key.' });
    const pack = new TimescaleCloudSecurityChecks(app, { writeSuppressionsToCloudFormation: true });
    Validations.of(app).addPlugins(pack);
    expect(synthReport(app)).not.toContain('TimescaleCloudSecurity');
    expect(pack.evaluations.find((e) => e.ruleId === 'TimescaleCloudSecurity-VolumeCustomerManagedKey')).toEqual(expect.objectContaining({
      status: RuleStatus.UNVERIFIABLE,
      acknowledgedId: 'TimescaleCloudSecurity-VolumeCustomerManagedKey-Unverifiable',
      acknowledgedReason: 'The parameter is validated by a CfnRule against the data key.',
    }));
    const template = JSON.parse(fs.readFileSync(path.join(app.outdir, 'Stack.template.json'), 'utf8'));
    expect(template.Resources.Volume.Metadata.cdk_nag.rules_to_suppress).toEqual([
      { id: 'TimescaleCloudSecurity-VolumeCustomerManagedKey-Unverifiable', reason: 'The parameter is validated by a CfnRule against the data key.' },
    ]);
  });

  test('NagPackPlugin runs cdk-nag packs whether or not the CDK passes the construct tree', () => {
    const app = new App({ outdir: tmpdir() });
    new s3.Bucket(new Stack(app, 'Stack'), 'Bucket');
    const plugin = new NagPackPlugin(app, new AwsSolutionsChecks(app));
    // aws-cdk-lib 2.257 passes template paths only; cdk-nag 3.0.2's own validate() then fails
    const report = plugin.validate({ templatePaths: [] } as unknown as IPolicyValidationContext);
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-S1');
    expect(() => new AwsSolutionsChecks(app).validate({ templatePaths: [] } as unknown as IPolicyValidationContext)).toThrow(/NagPack requires a construct tree/);
    Validations.of(app).addPlugins(plugin);
    expect(synthReport(app)).toContain('AwsSolutions-S1');
  });
});

describe('evaluation core', () => {
  test('renders every resource exactly once per validation run, however many rules need it', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
    const resources = stack.node.findAll().filter(CfnResource.isCfnResource).length;
    const render = jest.spyOn(CfnResource.prototype as any, '_toCloudFormation');
    const pack = new TimescaleCloudSecurityChecks(app);
    pack.validateScope(app);
    expect(render).toHaveBeenCalledTimes(resources);
    pack.validateScope(app);
    expect(render).toHaveBeenCalledTimes(2 * resources);
    render.mockRestore();
  });

  test('at synth, reads the templates the CDK wrote instead of rendering again, with the same verdicts', () => {
    const app = new App({ outdir: tmpdir() });
    const stack = new Stack(app, 'Stack');
    new ec2.CfnVolume(stack, 'Volume', { availabilityZone: 'a', size: 1, encrypted: true, kmsKeyId: 'alias/aws/ebs' });
    new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
    const assembly = app.synth();
    const pack = new TimescaleCloudSecurityChecks(app);
    const rendered = pack.validateScope(app);
    const render = jest.spyOn(CfnResource.prototype as any, '_toCloudFormation');
    const fromTemplates = pack.validate({ templatePaths: assembly.stacks.map((s) => s.templateFullPath) } as IPolicyValidationContext);
    expect(render).not.toHaveBeenCalled();
    render.mockRestore();
    expect(fromTemplates).toEqual(rendered);
    expect(fromTemplates.violations.map((v) => v.ruleName)).toContain('TimescaleCloudSecurity-VolumeCustomerManagedKey');
  });

  test('a second run sees changes made after the first (no stale cache)', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const pack = new TimescaleCloudSecurityChecks(app);
    // The default key policy is a finding of its own (the account may use the key); only rotation changes here.
    const findings = () => pack.validateScope(app).violations.map((v) => v.ruleName).filter((r) => r !== 'TimescaleCloudSecurity-KmsKeyUsedOnlyByNamedPrincipals');
    expect(findings()).toEqual([]);
    (key.node.defaultChild as kms.CfnKey).addPropertyOverride('EnableKeyRotation', false);
    expect(findings()).toEqual(['TimescaleCloudSecurity-KmsKeyRotation']);
  });

  test('a template read back with cloudformation-include is judged like the original', () => {
    const original = new App();
    const source = new Stack(original, 'Source');
    const key = new kms.Key(source, 'Key', { enableKeyRotation: true });
    new ec2.CfnVolume(source, 'Good', { availabilityZone: 'a', size: 1, encrypted: true, kmsKeyId: key.keyArn }).applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
    new ec2.CfnVolume(source, 'Bad', { availabilityZone: 'a', size: 1, encrypted: true, kmsKeyId: 'alias/aws/ebs' });
    const bucket = new s3.Bucket(source, 'Bucket', { enforceSSL: true });
    (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('PublicAccessBlockConfiguration', { BlockPublicAcls: true });
    // The resource's own name: `Key` for `Source/Key/Resource`, `Key8A0E2A2E` for an included `Included/Template/Key8A0E2A2E`.
    const name = (p: string) => p.split('/').filter((part) => part !== 'Resource').pop();
    const findings = (app: App) => new TimescaleCloudSecurityChecks(app).validateScope(app).violations
      .map((v) => `${v.ruleName} ${v.violatingResources.map((r) => name(r.constructPath!)).sort().join(',')}`).sort();
    const expected = findings(original);

    const file = path.join(tmpdir(), 'template.json');
    fs.writeFileSync(file, JSON.stringify(Template(source)));
    const included = new App();
    new CfnInclude(new Stack(included, 'Included'), 'Template', { templateFile: file });
    const logical = (app: App) => findings(app).map((f) => f.replace(/Bucket[0-9A-F]{8}/g, 'Bucket').replace(/Key[0-9A-F]{8}/g, 'Key'));
    expect(expected.length).toBeGreaterThan(0);
    expect(logical(included)).toEqual(logical(original));
  });
});

function Template(stack: Stack): any {
  return AssertTemplate.fromStack(stack).toJSON();
}

describe('rendering', () => {
  test('renders exactly what the stack writes into its template, raw overrides included', () => {
    const app = new App();
    const stack = new Stack(app, 'Stack');
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: true, encryption: s3.BucketEncryption.KMS, encryptionKey: key });
    const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
    cfnBucket.addPropertyDeletionOverride('BucketEncryption');
    cfnBucket.addPropertyOverride('Tags', [{ Key: 'k', Value: key.keyArn }]);
    cfnBucket.addOverride('Metadata.Note', Fn.join('-', ['a', stack.region]));
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
    (vpc.publicSubnets[0].node.defaultChild as ec2.CfnSubnet).addPropertyOverride('MapPublicIpOnLaunch', false);
    plain(stack, 'AWS::SSM::Parameter', { Value: Fn.join(',', vpc.publicSubnets.map((s) => s.subnetId)), Type: 'StringList' });
    const template = AssertTemplate.fromStack(stack).toJSON();
    const index = new StackIndex(stack);
    for (const [id, entry] of Object.entries<any>(template.Resources)) {
      const r = index.byLogicalId.get(id)!;
      expect({ id, Type: r.type, Properties: r.properties, Metadata: r.metadata })
        .toEqual({ id, Type: entry.Type, Properties: entry.Properties ?? {}, Metadata: entry.Metadata ?? {} });
      expect([r.deletionPolicy, r.updateReplacePolicy]).toEqual([entry.DeletionPolicy, entry.UpdateReplacePolicy]);
    }
    expect(index.resourceCount).toBe(Object.keys(template.Resources).length);
  });
});
