import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildPeeringAccepterIntegration } from './integ.peering-accepter';
import { buildServiceIntegration } from './integ.service';

/**
 * The integration tests' snapshots: each app's synthesized templates, with asset hashes and the
 * assertions' salt replaced by placeholders so that they change only when what is deployed changes.
 * integ-runner would keep these in `integ.<name>.ts.snapshot/`, but the newest integ-runner cannot read
 * the cloud assembly this aws-cdk-lib writes, so they are compared by `snapshots.test.ts` instead.
 */
export const INTEG_APPS: Record<string, (app: App) => unknown> = {
  'service': buildServiceIntegration,
  'peering-accepter': buildPeeringAccepterIntegration,
};

const ASSET_HASH = /[0-9a-f]{64}/g;
// Each assertion carries the synthesis time, so that it runs again on every deployment.
const ASSERTION_SALT = /"salt": "\d+"/g;

export function snapshotDir(name: string): string {
  return path.join(__dirname, `${name}.snapshot`);
}

/** The context `npx cdk deploy --app ...` gives an app from this folder (cdk.json's feature flags). */
function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context ?? {};
}

/** Synthesizes one integration app (once) and returns its templates, file name to normalized text. */
export function synthesizeIntegApp(name: string): Record<string, string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `integ-${name}-`));
  try {
    // The snapshot is what the README's `cdk deploy` deploys: the same feature flags.
    const app = new App({ outdir, context: cdkJsonContext() });
    INTEG_APPS[name](app);
    const assembly = app.synth();
    const templates: Record<string, string> = {};
    for (const stack of assembly.stacks) {
      templates[stack.templateFile] = `${JSON.stringify(stack.template, undefined, 1)
        .replace(ASSET_HASH, 'ASSET-HASH')
        .replace(ASSERTION_SALT, '"salt": "SYNTH-TIME"')}\n`;
    }
    return templates;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The committed snapshot of one app, file name to text. */
export function readSnapshot(name: string): Record<string, string> {
  const dir = snapshotDir(name);
  if (!fs.existsSync(dir)) return {};
  return Object.fromEntries(fs.readdirSync(dir).sort().map((file) => [file, fs.readFileSync(path.join(dir, file), 'utf8')]));
}

function writeSnapshot(name: string, templates: Record<string, string>): void {
  const dir = snapshotDir(name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(templates)) {
    fs.writeFileSync(path.join(dir, file), text);
  }
}

// `npx projen integ:snapshot` rewrites the snapshots; `npm test` only ever compares.
if (require.main === module) {
  for (const name of Object.keys(INTEG_APPS)) {
    writeSnapshot(name, synthesizeIntegApp(name));
    process.stdout.write(`wrote ${path.relative(process.cwd(), snapshotDir(name))}\n`);
  }
}
