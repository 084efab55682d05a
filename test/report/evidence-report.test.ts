import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DataResidencyChecks, TimescaleCloudSecurityChecks } from '../../lib/nag';
import { EvidenceReport } from '../../lib/report';

const REASON = 'Legacy volume migrated from the old host; re-encrypted under the data key in ticket OPS-42.';

/** One stack with a compliant key and bucket, an acknowledged finding, an open finding and an unverifiable value. */
function synthesize() {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'evidence-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Service', { env: { account: '111122223333', region: 'eu-central-1' } });
  const key = new kms.Key(stack, 'DataKey', { enableKeyRotation: true });
  new s3.Bucket(stack, 'Audit', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  });
  const legacy = new ec2.CfnVolume(stack, 'Legacy', { availabilityZone: 'eu-central-1a', size: 10, encrypted: true, kmsKeyId: 'alias/aws/ebs' });
  legacy.applyRemovalPolicy(RemovalPolicy.SNAPSHOT);
  Validations.of(legacy).acknowledge({ id: 'TimescaleCloudSecurity-VolumeCustomerManagedKey', reason: REASON });
  new ec2.CfnVolume(stack, 'Open', { availabilityZone: 'eu-central-1a', size: 10, encrypted: true, kmsKeyId: key.keyArn });
  const fromParam = new ec2.CfnVolume(stack, 'FromParam', {
    availabilityZone: 'eu-central-1a', size: 10, encrypted: true, kmsKeyId: new CfnParameter(stack, 'KeyParam').valueAsString,
  });
  fromParam.applyRemovalPolicy(RemovalPolicy.RETAIN);
  const ours = new TimescaleCloudSecurityChecks(app);
  const residency = new DataResidencyChecks(app, { allowedRegions: ['eu-central-1'] });
  const theirs = new AwsSolutionsChecks(app);
  const validate = jest.spyOn(ours, 'validateScope');
  const report = EvidenceReport.attach(app, { packs: [ours, residency, theirs] });
  const exitCode = process.exitCode;
  const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  let failure = '';
  try {
    app.synth();
  } catch (e) {
    // newer aws-cdk-lib throws on open findings instead of setting process.exitCode
    if (!String((e as Error).stack).includes('ValidationFailed')) {
      throw e;
    }
    failure = String((e as Error).message);
  } finally {
    errors.mockRestore();
    process.exitCode = exitCode;
  }
  const read = (name: string) => fs.readFileSync(path.join(outdir, name), 'utf8');
  const calls = validate.mock.calls.length;
  validate.mockRestore();
  return {
    outdir,
    report,
    validateCalls: calls,
    json: JSON.parse(read('evidence-report.json')),
    markdown: read('evidence-report.md'),
    sarif: JSON.parse(read('evidence-report.sarif')),
    // the CDK's own report: a file (older aws-cdk-lib) or the synth error (newer)
    validation: fs.existsSync(path.join(outdir, 'policy-validation-report.json')) ? read('policy-validation-report.json') : failure,
  };
}

describe('EvidenceReport', () => {
  let out: ReturnType<typeof synthesize>;
  beforeAll(() => {
    out = synthesize();
  });

  test('writes JSON, Markdown and SARIF next to the templates', () => {
    expect(out.report.writtenFiles.map((f) => path.basename(f))).toEqual(['evidence-report.json', 'evidence-report.md', 'evidence-report.sarif']);
    expect(fs.existsSync(path.join(out.outdir, 'Service.template.json'))).toBe(true);
  });

  test('validates each pack once per synth: the plugins reuse the report run', () => {
    expect(out.validateCalls).toBe(1);
  });

  test('the registered plugins still fail the synth on open findings', () => {
    expect(out.validation).toContain('TimescaleCloudSecurity-StatefulResourceRetained');
    expect(out.validation).toContain('AwsSolutions-S1');
  });

  describe('JSON', () => {
    const rule = (id: string) => out.json.stacks[0].guarantees.flatMap((g: any) => g.rules).find((r: any) => r.ruleId === id);

    test('counts per stack, guarantee and rule: compliant, non-compliant, cannot verify, acknowledged, not applicable', () => {
      expect(out.json.stacks.map((s: any) => [s.stackPath, s.templateFile])).toEqual([['Service', 'Service.template.json']]);
      const volumes = rule('TimescaleCloudSecurity-VolumeCustomerManagedKey');
      expect(volumes).toEqual(expect.objectContaining({ compliant: 1, nonCompliant: 1, unverifiable: 1, acknowledged: 1 }));
      expect(volumes.notApplicable).toBe(out.json.stacks[0].resourceCount - 3);
      expect(rule('TimescaleCloudSecurity-KmsKeyRotation')).toEqual(expect.objectContaining({ compliant: 1, nonCompliant: 0 }));
      expect(rule('DataResidency-StackRegionAllowed')).toEqual(expect.objectContaining({ compliant: 1 }));
    });

    test('lists which resources each rule ran on', () => {
      const resources = rule('TimescaleCloudSecurity-VolumeCustomerManagedKey').resources;
      expect(resources.map((r: any) => [r.logicalId, r.status])).toEqual([
        ['Legacy', 'NonCompliant'], ['Open', 'Compliant'], ['FromParam', 'Unverifiable'],
      ]);
      expect(resources[0]).toEqual(expect.objectContaining({ acknowledgedReason: REASON, constructPath: 'Service/Legacy', resourceType: 'AWS::EC2::Volume' }));
    });

    test('lists every acknowledgment with its reason', () => {
      expect(out.json.acknowledgments).toEqual([{ constructPath: 'Service/Legacy', ruleId: 'TimescaleCloudSecurity-VolumeCustomerManagedKey', reason: REASON }]);
    });

    test('carries the guarantees with their source sentences', () => {
      expect(out.json.guarantees.find((g: any) => g.id === 'G1').sourceSentences).toContain('Both active databases and backups are encrypted.');
    });

    test('includes open findings of other packs', () => {
      const aws = out.json.otherPacks.find((p: any) => p.pack === 'AwsSolutions');
      expect(aws.success).toBe(false);
      expect(aws.findings).toEqual(expect.arrayContaining([expect.objectContaining({ ruleId: 'AwsSolutions-S1', templateFile: 'Service.template.json' })]));
    });

    test('summarizes', () => {
      expect(out.json.summary).toEqual(expect.objectContaining({ stacks: 1, acknowledgedFindings: 1, acknowledgments: 1 }));
      expect(out.json.summary.openFindings).toBeGreaterThan(1);
    });
  });

  describe('Markdown', () => {
    test('has a per-stack table of guarantees and rules', () => {
      expect(out.markdown).toContain('## Stack `Service` (Service.template.json,');
      expect(out.markdown).toMatch(/\| G1 at-rest \| `TimescaleCloudSecurity-VolumeCustomerManagedKey` \| 1 \| 1 \| 1 \| 1 \| \d+ \|/);
    });

    test('lists findings and acknowledgments with reasons', () => {
      expect(out.markdown).toContain(`| \`Service/Legacy\` | \`TimescaleCloudSecurity-VolumeCustomerManagedKey\` | ${REASON} |`);
      expect(out.markdown).toMatch(/`TimescaleCloudSecurity-VolumeCustomerManagedKey` \| `Service\/FromParam` \| Unverifiable \| KmsKeyId comes from the parameter KeyParam/);
    });
  });

  describe('SARIF 2.1.0', () => {
    test('declares version and schema', () => {
      expect(out.sarif.version).toBe('2.1.0');
      expect(out.sarif.$schema).toMatch(/sarif-2\.1\.0/);
      expect(out.sarif.runs).toHaveLength(1);
    });

    test('describes every rule with help text and guarantee', () => {
      const rules = out.sarif.runs[0].tool.driver.rules;
      const volume = rules.find((r: any) => r.id === 'TimescaleCloudSecurity-VolumeCustomerManagedKey');
      expect(volume).toEqual(expect.objectContaining({
        name: 'VolumeCustomerManagedKey',
        shortDescription: { text: expect.any(String) },
        help: { text: expect.stringContaining('KmsKeyId') },
        properties: expect.objectContaining({ guarantee: 'G1' }),
      }));
      expect(new Set(rules.map((r: any) => r.id)).size).toBe(rules.length);
    });

    test('results have ruleId, level, locations and a valid ruleIndex', () => {
      const run = out.sarif.runs[0];
      expect(run.results.length).toBeGreaterThan(2);
      for (const result of run.results) {
        expect(result).toEqual(expect.objectContaining({ ruleId: expect.any(String), level: expect.stringMatching(/^(error|warning)$/), message: { text: expect.any(String) } }));
        expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
        expect(result.locations.length).toBe(1);
      }
    });

    test('locates findings in the template and in the construct tree', () => {
      const result = out.sarif.runs[0].results.find((r: any) => r.locations[0].logicalLocations[0].name === 'FromParam');
      expect(result.level).toBe('warning');
      const location = result.locations[0];
      expect(location.physicalLocation.artifactLocation.uri).toMatch(/Service\.template\.json$/);
      expect(location.physicalLocation.region.startLine).toBeGreaterThan(1);
      expect(location.logicalLocations[0]).toEqual({ fullyQualifiedName: 'Service/FromParam', name: 'FromParam', kind: 'resource' });
    });

    test('acknowledged findings are suppressed with the reason as justification', () => {
      const legacy = out.sarif.runs[0].results.find((r: any) => r.ruleId === 'TimescaleCloudSecurity-VolumeCustomerManagedKey' && r.level === 'error');
      expect(legacy.suppressions).toEqual([{ kind: 'inSource', status: 'accepted', justification: REASON }]);
    });
  });
});

describe('EvidenceReport props', () => {
  test('needs at least one pack', () => {
    expect(() => EvidenceReport.attach(new App(), { packs: [] })).toThrow(/packs must name at least one pack; got none/);
  });
  test('rejects a file name with a path', () => {
    expect(() => EvidenceReport.attach(new App(), { packs: [new TimescaleCloudSecurityChecks()], fileName: '../x' }))
      .toThrow(/fileName must be a plain file name; got '..\/x'/);
  });
});
