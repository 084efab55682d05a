// Benchmark: fleets of 1, 10, 50 and 100 services; TimescaleCloudSecurityChecks vs AwsSolutionsChecks; and
// synthesizing 1, 10, 50 TimescaleServices against as many RDS equivalents (bench/synth.ts).
// Run with: npx ts-node --transpile-only -P tsconfig.json bench/run.ts   (not part of `npm test`)
// BENCH_SIZES=1,10 picks the fleet sizes; BENCH_PARTS=packs or BENCH_PARTS=synth runs one part only;
// BENCH_SYNTH_ROUNDS sets the synth rounds; BENCH_SYNTH_VALIDATION=on|off|both (default both).
// Each fleet size and mode runs in its own node process (bench/measure.ts) so JIT and heap state
// do not leak between sizes; inside it the two packs alternate, after a warm-up, median of N runs.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runSynthComparison, synthChart, synthMarkdown } from './synth';

interface PackResult { cpuMs: number; wallMs: number; heapMb: number; findings: number }
interface Measurement { services: number; mode: string; resources: number; maxRssMb: number; packs: { [pack: string]: PackResult } }

const SIZES = (process.env.BENCH_SIZES ?? '1,10,50,100').split(',').map(Number);
const SYNTH_SIZES = (process.env.BENCH_SIZES ?? '1,10,50').split(',').map(Number);
const PARTS = (process.env.BENCH_PARTS ?? 'packs,synth').split(',');
const SYNTH_VALIDATION = { on: [true], off: [false], both: [true, false] }[process.env.BENCH_SYNTH_VALIDATION ?? 'both'] ?? [true, false];
const MODES = ['scope', 'synth'];
const PACKS = ['TimescaleCloudSecurity', 'AwsSolutions'];
const root = path.join(__dirname, '..');

const results: Measurement[] = [];
for (const mode of PARTS.includes('packs') ? MODES : []) {
  for (const services of SIZES) {
    const repeat = services >= 50 ? 3 : 7;
    const out = execFileSync(process.execPath, ['--expose-gc', '-r', 'ts-node/register', path.join(__dirname, 'measure.ts'), String(services), mode, String(repeat)], {
      cwd: root,
      // The TypeScript sources, never a stale `lib/**/*.js` left by an earlier `projen compile`.
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', TS_NODE_PREFER_TS_EXTS: '1', TS_NODE_PROJECT: path.join(root, 'tsconfig.json') },
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const m: Measurement = JSON.parse(out.trim().split('\n').pop()!);
    results.push(m);
    process.stderr.write(`${mode} ${services} services: ${PACKS.map((p) => `${p} ${m.packs[p].wallMs.toFixed(1)} ms`).join(', ')}\n`);
  }
}

const perResource = (m: Measurement, p: string) => (m.packs[p].wallMs * 1000) / m.resources; // microseconds
const cpuPerResource = (m: Measurement, p: string) => (m.packs[p].cpuMs * 1000) / m.resources;
const header = '| mode | services | resources | pack | wall ms (median) | wall µs / resource | CPU ms (median) | CPU µs / resource | heap Δ MB | process max RSS MB | violated rules |';
const rows = results.flatMap((m) => PACKS.map((p) => `| ${m.mode} | ${m.services} | ${m.resources} | ${p} | ${m.packs[p].wallMs.toFixed(1)} | ${perResource(m, p).toFixed(0)} | ${m.packs[p].cpuMs.toFixed(1)} | ${cpuPerResource(m, p).toFixed(0)} | ${m.packs[p].heapMb.toFixed(1)} | ${m.maxRssMb.toFixed(0)} | ${m.packs[p].findings} |`));
const table = [header, '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|', ...rows].join('\n');
if (results.length > 0) console.log(table);

const ratio = (mode: string, per: typeof perResource) => results.filter((m) => m.mode === mode)
  .map((m) => `${m.services}: ${(per(m, 'TimescaleCloudSecurity') / per(m, 'AwsSolutions')).toFixed(2)}`).join(', ');
const flat = (mode: string, per: typeof perResource) => {
  const xs = results.filter((m) => m.mode === mode).map((m) => per(m, 'TimescaleCloudSecurity'));
  return `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)} µs`;
};

const outDir = path.join(__dirname, 'results');
fs.mkdirSync(outDir, { recursive: true });
if (PARTS.includes('synth')) {
  const rounds = Number(process.env.BENCH_SYNTH_ROUNDS ?? 0);
  const synth = runSynthComparison(root, SYNTH_SIZES, SYNTH_VALIDATION, (n) => rounds || (n >= 50 ? 3 : 5));
  const markdown = synthMarkdown(synth);
  console.log(markdown.join('\n'));
  fs.writeFileSync(path.join(outDir, 'synth.md'), ['# Synth benchmark', '', `Node ${process.version}, ${os.cpus().length} CPU(s), ${new Date().toISOString()}.`, '', ...markdown].join('\n'));
  fs.writeFileSync(path.join(outDir, 'synth-chart.svg'), synthChart(synth));
  fs.writeFileSync(path.join(outDir, 'synth.json'), JSON.stringify(synth, undefined, 2));
}
if (results.length > 0) {
  fs.writeFileSync(path.join(outDir, 'results.md'), [
    '# Pack benchmark',
    '',
    `Node ${process.version}, ${os.cpus().length} CPU(s), ${new Date().toISOString()}. Fixture: bench/fixture.ts (one service stack each).`,
    'Modes: **scope** = `validateScope(stack)` on every stack, the packs render resources themselves; ' +
    '**synth** = after `app.synth()`, each pack runs as the validation plugin does at `cdk synth` ' +
    '(TimescaleCloudSecurityChecks reads the written templates, AwsSolutionsChecks walks the tree through NagPackPlugin).',
    'Times are wall-clock medians (process.hrtime.bigint) after a warm-up; heap Δ is the largest heap growth during one run after a forced GC.',
    '',
    table,
    '',
    `TimescaleCloudSecurity cost per resource relative to AwsSolutions, CPU time (by fleet size): scope ${ratio('scope', cpuPerResource)}; synth ${ratio('synth', cpuPerResource)}.`,
    `Same, wall time: scope ${ratio('scope', perResource)}; synth ${ratio('synth', perResource)}.`,
    `TimescaleCloudSecurity CPU µs per resource across 1-${Math.max(...SIZES)} services: scope ${flat('scope', cpuPerResource)}, synth ${flat('synth', cpuPerResource)}.`,
    'CPU time (process.cpuUsage, all threads incl. GC) is the robust figure on a shared machine; wall time includes waiting for the CPU.',
    '"violated rules" counts violation groups returned (per validateScope call, summed), not resources.',
    '',
    '![µs per resource](chart.svg)',
    '',
    'The synth comparison against RDS is in [synth.md](synth.md).',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(outDir, 'chart.svg'), chart(results));
  fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify(results, undefined, 2));
}

/** Line chart: µs per resource by fleet size, one line per pack and mode. */
function chart(ms: Measurement[]): string {
  const W = 640; const H = 360; const L = 60; const R = 200; const T = 30; const B = 50;
  const series = MODES.flatMap((mode) => PACKS.map((pack) => ({
    name: `${pack} (${mode})`,
    mode,
    pack,
    points: ms.filter((m) => m.mode === mode).map((m) => [m.services, cpuPerResource(m, pack)] as [number, number]),
  })));
  const maxY = Math.max(...series.flatMap((s) => s.points.map((p) => p[1]))) * 1.15; // CPU µs per resource
  const xs = SIZES;
  const x = (services: number) => L + (xs.indexOf(services) / Math.max(1, xs.length - 1)) * (W - L - R);
  const y = (v: number) => H - B - (v / maxY) * (H - T - B);
  const colors: { [k: string]: string } = { TimescaleCloudSecurity: '#1f77b4', AwsSolutions: '#d62728' };
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<text x="${L}" y="18" font-size="14">Pack CPU time per resource (µs) by fleet size</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/>`, `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`];
  for (let i = 0; i <= 4; i++) {
    const v = (maxY / 4) * i;
    parts.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`, `<line x1="${L}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#eee"/>`);
  }
  for (const s of xs) {
    parts.push(`<text x="${x(s)}" y="${H - B + 18}" text-anchor="middle">${s}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">services (one stack each)</text>`);
  series.forEach((s, i) => {
    const dash = s.mode === 'synth' ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<polyline fill="none" stroke="${colors[s.pack]}" stroke-width="2"${dash} points="${s.points.map(([sx, v]) => `${x(sx)},${y(v)}`).join(' ')}"/>`);
    s.points.forEach(([sx, v]) => parts.push(`<circle cx="${x(sx)}" cy="${y(v)}" r="3" fill="${colors[s.pack]}"/>`));
    parts.push(`<line x1="${W - R + 12}" y1="${T + 14 + i * 20}" x2="${W - R + 36}" y2="${T + 14 + i * 20}" stroke="${colors[s.pack]}" stroke-width="2"${dash}/>`,
      `<text x="${W - R + 42}" y="${T + 18 + i * 20}">${s.name}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
