import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildReferenceDeployment } from '../../bin/reference-app';
import { DataResidency } from '../../lib';
import { INTEG_APPS, snapshotDir } from '../integ/snapshot';

/**
 * cfn-lint over every template that is meant to be deployed: the reference deployment (synthesized
 * here, with every pack attached) and the integration tests' templates (their committed snapshots,
 * which `test/integ/snapshots.test.ts` proves equal to a fresh synthesis, so each app is synthesized
 * once per run). One cfn-lint process lints them all, with the known false positives of
 * `.cfnlintrc.yaml`, and with a canary template that must keep failing.
 */
const ROOT = path.join(__dirname, '..', '..');
const CFN_LINT_TIMEOUT_MS = 150_000;

interface Finding {
  readonly Filename: string;
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path: Array<string | number> };
}

/** Defects cfn-lint must still report through this configuration: an ignore list cannot grow past them. */
const CANARY = {
  Resources: {
    // `Tags` is allowed by the schema override; a misspelt property is still an error.
    PatchAssociation: {
      Type: 'AWS::SSM::Association',
      Properties: { Name: 'AWS-RunPatchBaseline', Tags: [{ Key: 'k', Value: 'v' }], Tagz: [{ Key: 'k', Value: 'v' }] },
    },
    // The launch-time image parameter is accepted; a wrong type elsewhere on the instance is not.
    Instance: {
      Type: 'AWS::EC2::Instance',
      Properties: {
        ImageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64',
        InstanceType: 'm7g.large',
        DisableApiTermination: 'sometimes',
      },
    },
  },
};

let outdir: string;
let templates: string[];
let findings: Finding[];

function describeFinding(f: Finding): string {
  const [, resource, ...rest] = f.Location.Path;
  return `${f.Rule.Id} ${path.basename(f.Filename)} ${resource}${rest.length ? `/${rest.join('/')}` : ''}: ${f.Message}`;
}

beforeAll(() => {
  const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error('cfn-lint is not installed: install it with Python 3 (`python3 -m pip install cfn-lint`) and rerun `npm test`.');
  }

  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-lint-'));
  const referenceDir = path.join(outdir, 'reference');
  const { app } = buildReferenceDeployment(new App({ outdir: referenceDir }));
  const assembly = app.synth();
  const canary = path.join(outdir, 'canary.template.json');
  fs.writeFileSync(canary, JSON.stringify(CANARY));
  templates = [
    ...assembly.stacks.map((s) => path.join(referenceDir, s.templateFile)),
    ...Object.keys(INTEG_APPS).flatMap((name) =>
      fs.readdirSync(snapshotDir(name)).filter((f) => f.endsWith('.template.json')).map((f) => path.join(snapshotDir(name), f))),
    canary,
  ];

  // Every Region the reference deployment may go to: a resource type or property missing in one is found.
  const regions = ['--regions', ...DataResidency.EU];
  const run = spawnSync('cfn-lint', ['--config-file', '.cfnlintrc.yaml', ...regions, '--format', 'json', '--', ...templates], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: CFN_LINT_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error || run.status === null) {
    throw new Error(`cfn-lint did not finish within ${CFN_LINT_TIMEOUT_MS / 1000} s: ${run.error?.message ?? run.signal}`);
  }
  // The exit status is a bit mask (2 errors, 4 warnings, 8 informational); an odd one is a failure of
  // cfn-lint itself (bad configuration, unreadable template).
  if (run.status % 2 === 1) {
    throw new Error(`cfn-lint failed (exit ${run.status}): ${run.stderr.trim() || run.stdout.trim()}`);
  }
  findings = JSON.parse(run.stdout);
}, CFN_LINT_TIMEOUT_MS + 60_000);

afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});

const inDeployedTemplates = () => findings.filter((f) => path.basename(f.Filename) !== 'canary.template.json');

test('lints the reference deployment and every integration test\'s templates in one run', () => {
  const names = templates.map((t) => path.basename(t));
  expect(names).toContain('TimescaleReference.template.json');
  expect(names).toEqual(expect.arrayContaining([
    'TimescaleServiceInteg.template.json',
    expect.stringMatching(/^TimescaleServiceDefaultTestDeployAssert/),
    'TimescalePeeringAccepterInteg.template.json',
    expect.stringMatching(/^CustomerPeeringAccepterDefaultTestDeployAssert/),
  ]));
});

test('still reports what the known false positives do not cover (a misspelt property, a wrong type)', () => {
  const canary = findings.filter((f) => path.basename(f.Filename) === 'canary.template.json').map(describeFinding);
  expect(canary).toEqual([
    expect.stringMatching(/^E3002 canary.template.json PatchAssociation\/Properties.*'Tagz' was unexpected/),
    expect.stringMatching(/^E3012 canary.template.json Instance\/Properties\/DisableApiTermination: /),
  ]);
});

// A failure lists each finding as "<rule> <template> <resource>/<path>: <message>".
test('finds no cfn-lint error in any deployed template', () => {
  expect(inDeployedTemplates().filter((f) => f.Level === 'Error').map(describeFinding)).toEqual([]);
});

// Warnings fail too: each one so far was either a real defect or a false positive to list, with its
// reason, in .cfnlintrc.yaml; letting them accumulate would hide the next real one.
test('finds no cfn-lint warning in any deployed template', () => {
  expect(inDeployedTemplates().filter((f) => f.Level === 'Warning').map(describeFinding)).toEqual([]);
});
