// One synth in a fresh process: build N stacks of one kind (bench/synth-fixture.ts), synthesize the app,
// print one JSON line. bench/run.ts alternates the kinds, one process per round.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildStack, ServiceKind } from './synth-fixture';

const kind: ServiceKind = process.argv[2] === 'rds' ? 'rds' : 'timescale';
const services = Number(process.argv[3]);
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));

const start = process.hrtime.bigint();
const cpu = process.cpuUsage();
const app = new App({ outdir });
for (let i = 0; i < services; i++) {
  buildStack(kind, app, `Service${i}`);
}
const built = process.hrtime.bigint();
const assembly = app.synth();
const end = process.hrtime.bigint();
const used = process.cpuUsage(cpu);
const resources = assembly.stacks.reduce((n, s) => n + Object.keys(s.template.Resources ?? {}).length, 0);
fs.rmSync(outdir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({
  kind,
  services,
  resources,
  constructMs: Number(built - start) / 1e6,
  synthMs: Number(end - built) / 1e6,
  wallMs: Number(end - start) / 1e6,
  cpuMs: (used.user + used.system) / 1000,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
}) + '\n');
