// Synth comparison: N TimescaleServices against N RDS for PostgreSQL equivalents (bench/synth-fixture.ts),
// one stack each, wall time and peak memory. Every synth runs in its own node process
// (bench/synth-measure.ts); the two kinds alternate round by round and the median is reported.
// aws-cdk-lib validates every template at synth (a WebAssembly rule engine, on by default); the comparison
// runs with it, as users have it, and without it (CDK_VALIDATION=false), which isolates the constructs' cost.
import { execFileSync } from 'child_process';
import * as path from 'path';

const KINDS = ['timescale', 'rds'] as const;
type Kind = typeof KINDS[number];

interface Sample {
  kind: Kind; services: number; resources: number; constructMs: number; synthMs: number; wallMs: number; cpuMs: number; maxRssMb: number;
}
export interface SynthResult { services: number; validation: boolean; kinds: { [kind: string]: Sample & { processMs: number; rounds: number } } }

const LABEL: { [kind: string]: string } = { timescale: 'TimescaleService', rds: 'RDS DatabaseInstance' };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measureOnce(root: string, kind: Kind, services: number, validation: boolean): Sample & { processMs: number } {
  const start = process.hrtime.bigint();
  const out = execFileSync(process.execPath, ['-r', 'ts-node/register', path.join(__dirname, 'synth-measure.ts'), kind, String(services)], {
    cwd: root,
    env: {
      ...process.env,
      TS_NODE_TRANSPILE_ONLY: '1',
      TS_NODE_PREFER_TS_EXTS: '1',
      TS_NODE_PROJECT: path.join(root, 'tsconfig.json'),
      CDK_VALIDATION: validation ? 'true' : 'false',
    },
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return { ...JSON.parse(out.trim().split('\n').pop()!), processMs: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** Runs the comparison for each size and validation setting; returns the results in run order. */
export function runSynthComparison(root: string, sizes: number[], validations: boolean[], roundsFor: (services: number) => number): SynthResult[] {
  const results: SynthResult[] = [];
  for (const validation of validations) {
    for (const services of sizes) {
      const rounds = roundsFor(services);
      const samples: { [kind: string]: Array<Sample & { processMs: number }> } = { timescale: [], rds: [] };
      for (let round = 0; round < rounds; round++) {
        // Alternate which kind goes first, so drift in the machine's load falls on both.
        for (const kind of round % 2 === 0 ? KINDS : [...KINDS].reverse()) {
          samples[kind].push(measureOnce(root, kind, services, validation));
        }
      }
      const kinds = Object.fromEntries(KINDS.map((kind) => {
        const s = samples[kind];
        const pick = (f: (x: Sample & { processMs: number }) => number) => median(s.map(f));
        return [kind, {
          kind,
          services,
          rounds,
          resources: s[0].resources,
          constructMs: pick((x) => x.constructMs),
          synthMs: pick((x) => x.synthMs),
          wallMs: pick((x) => x.wallMs),
          cpuMs: pick((x) => x.cpuMs),
          maxRssMb: pick((x) => x.maxRssMb),
          processMs: pick((x) => x.processMs),
        }];
      }));
      const result = { services, validation, kinds };
      results.push(result);
      process.stderr.write(`synth ${services} services, validation ${validation ? 'on' : 'off'}: ${KINDS.map((k) => `${LABEL[k]} ${kinds[k].wallMs.toFixed(0)} ms, ${kinds[k].maxRssMb.toFixed(0)} MB`).join('; ')}\n`);
    }
  }
  return results;
}

/** The Markdown section: one row per size, validation setting and kind, then the ratios. */
export function synthMarkdown(results: SynthResult[]): string[] {
  const header = '| CDK validation | services | kind | resources | wall ms (median) | wall ms / service | construct ms | synth ms | CPU ms | process ms (incl. node start, module load) | peak RSS MB | ratio / service (wall) | ratio / service (CPU) |';
  const rows = results.flatMap((r) => KINDS.map((k) => {
    const m = r.kinds[k];
    const ratio = (f: (x: Sample) => number) => (k === 'timescale' ? `${(f(m) / f(r.kinds.rds)).toFixed(2)}x` : '');
    return `| ${r.validation ? 'on' : 'off'} | ${r.services} | ${LABEL[k]} | ${m.resources} | ${m.wallMs.toFixed(0)} | ${(m.wallMs / r.services).toFixed(0)} | ${m.constructMs.toFixed(0)} | ${m.synthMs.toFixed(0)} | ${m.cpuMs.toFixed(0)} | ${m.processMs.toFixed(0)} | ${m.maxRssMb.toFixed(0)} | ${ratio((x) => x.wallMs)} | ${ratio((x) => x.cpuMs)} |`;
  }));
  const growth = (validation: boolean, k: Kind) => {
    const rs = results.filter((r) => r.validation === validation).sort((a, b) => a.services - b.services);
    return rs.slice(1).map((r, i) => `${rs[i].services}→${r.services}: ${((r.kinds[k].maxRssMb - rs[i].kinds[k].maxRssMb) / (r.services - rs[i].services)).toFixed(1)}`).join(', ');
  };
  const validations = [...new Set(results.map((r) => r.validation))];
  return [
    '## Synth: TimescaleService against the RDS equivalent',
    '',
    'N services, one stack each, no packs (bench/synth-fixture.ts): `TimescaleService` with its defaults against a ' +
      '`rds.DatabaseInstance` for PostgreSQL with a customer-managed key, `rds.force_ssl=1`, isolated subnets, Multi-AZ, ' +
      'generated credentials and deletion protection. Each synth is its own node process (bench/synth-measure.ts); the kinds ' +
      'alternate round by round; medians. Wall ms is construction plus `app.synth()` in the process; process ms adds node ' +
      'start and loading the modules through ts-node. "CDK validation" is aws-cdk-lib\'s built-in template validation ' +
      '(on by default at synth; `CDK_VALIDATION=false` turns it off). CPU ms (process.cpuUsage, all threads) is the robust ' +
      'figure on a shared machine; wall time includes waiting for a CPU.',
    '',
    header,
    '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...validations.map((v) => `Peak RSS growth per added service, CDK validation ${v ? 'on' : 'off'} (MB/service): ` +
      `${LABEL.timescale} ${growth(v, 'timescale')}; ${LABEL.rds} ${growth(v, 'rds')}.`),
    '',
    '![synth wall time and peak memory](synth-chart.svg)',
    '',
  ];
}

/** Two panels: wall ms per service, and peak RSS, by fleet size; one line per kind and validation setting. */
export function synthChart(results: SynthResult[]): string {
  const W = 1050; const H = 360; const PW = 300; const T = 40; const B = 50; const L = 60; const GAP = 90;
  const sizes = [...new Set(results.map((r) => r.services))].sort((a, b) => a - b);
  const validations = [...new Set(results.map((r) => r.validation))];
  const colors: { [k: string]: string } = { timescale: '#1f77b4', rds: '#d62728' };
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`];
  const panels: Array<[string, (s: Sample) => number]> = [
    ['Wall ms per service', (s) => s.wallMs / s.services],
    ['Peak RSS (MB)', (s) => s.maxRssMb],
  ];
  panels.forEach(([title, value], p) => {
    const x0 = L + p * (PW + GAP);
    const maxY = Math.max(...results.flatMap((r) => KINDS.map((k) => value(r.kinds[k])))) * 1.15;
    const x = (services: number) => x0 + (sizes.indexOf(services) / Math.max(1, sizes.length - 1)) * PW;
    const y = (v: number) => H - B - (v / maxY) * (H - T - B);
    parts.push(`<text x="${x0}" y="${T - 14}" font-size="14">${title}</text>`,
      `<line x1="${x0}" y1="${H - B}" x2="${x0 + PW}" y2="${H - B}" stroke="#333"/>`, `<line x1="${x0}" y1="${T}" x2="${x0}" y2="${H - B}" stroke="#333"/>`);
    for (let i = 0; i <= 4; i++) {
      const v = (maxY / 4) * i;
      parts.push(`<text x="${x0 - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`, `<line x1="${x0}" y1="${y(v)}" x2="${x0 + PW}" y2="${y(v)}" stroke="#eee"/>`);
    }
    for (const s of sizes) {
      parts.push(`<text x="${x(s)}" y="${H - B + 18}" text-anchor="middle">${s}</text>`);
    }
    parts.push(`<text x="${x0 + PW / 2}" y="${H - 12}" text-anchor="middle">services (one stack each)</text>`);
    for (const validation of validations) {
      for (const k of KINDS) {
        const points = results.filter((r) => r.validation === validation).map((r) => [x(r.services), y(value(r.kinds[k]))]);
        const dash = validation ? '' : ' stroke-dasharray="6 4"';
        parts.push(`<polyline fill="none" stroke="${colors[k]}" stroke-width="2"${dash} points="${points.map(([a, b]) => `${a},${b}`).join(' ')}"/>`,
          ...points.map(([a, b]) => `<circle cx="${a}" cy="${b}" r="3" fill="${colors[k]}"/>`));
      }
    }
  });
  let i = 0;
  for (const validation of validations) {
    for (const k of KINDS) {
      const dash = validation ? '' : ' stroke-dasharray="6 4"';
      const lx = L + 2 * (PW + GAP) - GAP + 20;
      parts.push(`<line x1="${lx}" y1="${T + 14 + i * 20}" x2="${lx + 24}" y2="${T + 14 + i * 20}" stroke="${colors[k]}" stroke-width="2"${dash}/>`,
        `<text x="${lx + 30}" y="${T + 18 + i * 20}">${LABEL[k]}${validations.length > 1 ? `, validation ${validation ? 'on' : 'off'}` : ''}</text>`);
      i++;
    }
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
