import * as os from 'os';
// One fleet size in a fresh process: build N service stacks, then run TimescaleCloudSecurityChecks and
// AwsSolutionsChecks side by side (alternating, warm-up first) and print one JSON line.
//   mode "scope": validateScope(stack) on every stack (no synth), the packs render the resources themselves
//   mode "synth": the app is synthesized first and the packs run as validation plugins do at `cdk synth`
import { App, CfnResource, IPolicyValidationContext, IPolicyValidationPlugin } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildServiceStack } from './fixture';
import { NagPackPlugin, TimescaleCloudSecurityChecks } from '../lib/nag';

const services = Number(process.argv[2]);
const mode = process.argv[3] === 'synth' ? 'synth' : 'scope';
const repeat = Number(process.argv[4] ?? 5);
const gc = (global as any).gc as (() => void) | undefined;

const app = new App({ outdir: `${os.tmpdir()}/bench-${process.pid}` });
const stacks = Array.from({ length: services }, (_, i) => buildServiceStack(app, `Service${i}`));
const resources = app.node.findAll().filter(CfnResource.isCfnResource).length;
const templatePaths = mode === 'synth' ? app.synth().stacks.map((s) => s.templateFullPath) : [];
// aws-cdk-lib 2.257 passes only the template paths at synth
const context = { templatePaths } as IPolicyValidationContext;

const ours = new TimescaleCloudSecurityChecks(app, { allowedDatabaseCidrs: ['10.20.0.0/16'] });
const theirs = new AwsSolutionsChecks(app);
const runners: { [pack: string]: () => number } = mode === 'scope' ? {
  TimescaleCloudSecurity: () => stacks.reduce((n, s) => n + ours.validateScope(s).violations.length, 0),
  AwsSolutions: () => stacks.reduce((n, s) => n + theirs.validateScope(s).violations.length, 0),
} : {
  TimescaleCloudSecurity: () => ours.validate(context).violations.length,
  AwsSolutions: () => (new NagPackPlugin(app, theirs) as IPolicyValidationPlugin).validate(context).violations.length,
};

const samples: { [pack: string]: { cpu: number[]; wall: number[]; heap: number; findings: number } } = {};
for (const pack of Object.keys(runners)) {
  runners[pack](); // warm-up
  samples[pack] = { cpu: [], wall: [], heap: 0, findings: 0 };
}
for (let round = 0; round < repeat; round++) {
  for (const [pack, run] of Object.entries(runners)) {
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const cpu = process.cpuUsage();
    const wall = process.hrtime.bigint();
    samples[pack].findings = run();
    samples[pack].wall.push(Number(process.hrtime.bigint() - wall) / 1e6);
    const used = process.cpuUsage(cpu);
    samples[pack].cpu.push((used.user + used.system) / 1000);
    samples[pack].heap = Math.max(samples[pack].heap, process.memoryUsage().heapUsed - heapBefore);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
process.stdout.write(JSON.stringify({
  services,
  mode,
  resources,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  packs: Object.fromEntries(Object.entries(samples).map(([pack, s]) => [pack, {
    cpuMs: median(s.cpu), wallMs: median(s.wall), heapMb: s.heap / 1024 / 1024, findings: s.findings,
  }])),
}) + '\n');
