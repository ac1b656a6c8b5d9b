// Prints the makespan bench: ideal from measured and nominal capacity, each strategy's makespan over ideal (median and range of runs), byte shares.
import os from 'node:os';
import { median, round } from './stats.ts';
import type { Row } from './health-bench.ts';
import type { MakespanOptions, StrategyRuns } from './makespan-bench.ts';

const TARGET = 1.1;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const pct = (xs: number[]) => xs.map((x) => `${Math.round(x * 100)}`).join('/');
const range = (xs: number[], d = 2) =>
  xs.length > 1 ? ` (${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)})` : '';
const meanShares = (s: StrategyRuns) =>
  s.runs[0].shares.map((_, k) => sum(s.runs.map((r) => r.shares[k])) / s.runs.length);
/** A strategy counts only if every run finished every transfer. */
const complete = (s: StrategyRuns) => s.runs.every((r) => !r.timedOut && r.failed === 0);

export function reportMakespan(
  row: Row,
  results: Record<string, unknown>,
  o: MakespanOptions,
  measured: number[],
  all: StrategyRuns[],
  load0: number,
): void {
  const totalBytes = o.transfers * o.transferBytes;
  const idealS = (totalBytes * 8) / (sum(measured) * 1e6);
  const nominalIdealS = (totalBytes * 8) / (sum(o.capsMbps) * 1e6);
  const goodput = measured.map((m) => round(m, 1)).join('/');
  const runs = o.runs > 1 ? `median of ${o.runs} runs (range)` : '1 run';
  console.log(
    `\nmakespan: ${o.transfers} downloads of ${o.transferBytes / 1e6} MB by ${o.workers} workers over ${o.capsMbps.length} WANs shaped to ${o.capsMbps.join('/')} Mbit/s (tbf, ${o.tbfLatencyMs} ms queue, download direction)`,
  );
  console.log(
    `measured goodput alone ${goodput} Mbit/s: ideal ${round(idealS, 2)} s (${round(nominalIdealS, 2)} s from the nominal rates); ${runs}; load average at start ${round(load0, 2)} on ${os.cpus().length} cores`,
  );
  const head = [
    'strategy',
    'makespan s',
    '× ideal',
    'bytes % per WAN (mean)',
    'WANs done at s',
    'transfer p50 / max s',
    'failed',
  ];
  const lines = all.map((s) => {
    const ms = s.runs.map((r) => r.makespanS);
    const ratios = s.runs.map((r) => r.ratio);
    const cut = s.runs.some((r) => r.timedOut) ? ' cut at deadline' : '';
    return [
      s.spec.label,
      `${median(ms).toFixed(1)}${range(ms, 1)}${cut}`,
      `${median(ratios).toFixed(2)}${range(ratios)}`,
      pct(meanShares(s)),
      s.runs[0].endS.map((_, k) => median(s.runs.map((r) => r.endS[k])).toFixed(1)).join('/'),
      `${median(s.runs.map((r) => r.p50S)).toFixed(2)} / ${Math.max(...s.runs.map((r) => r.maxS)).toFixed(1)}`,
      String(sum(s.runs.map((r) => r.failed))),
    ];
  });
  const w = head.map((_, c) => Math.max(...[head, ...lines].map((l) => l[c].length)));
  for (const l of [head, ...lines])
    console.log(
      l
        .map((cell, c) => cell.padEnd(w[c]))
        .join('  ')
        .trimEnd(),
    );
  console.log(`(shares of capacity: ${pct(measured.map((m) => m / sum(measured)))} %)\n`);

  row(
    `makespan: ${(totalBytes / 1e6).toFixed(0)} MB in ${o.transfers} downloads by ${o.workers} workers, WANs ${o.capsMbps.join('/')} Mbit/s`,
    `ideal ${round(idealS, 2)} s (goodput ${goodput} Mbit/s); ${runs}`,
    '',
    null,
  );
  for (const s of all) {
    const ratios = s.runs.map((r) => r.ratio);
    row(
      `  ${s.spec.label}`,
      `${median(ratios).toFixed(2)}× ideal${range(ratios)}; bytes ${pct(meanShares(s))} %`,
      '',
      null,
    );
  }
  const adaptive = all.filter((s) => s.spec.adaptive && complete(s));
  const med = (s: StrategyRuns) => median(s.runs.map((r) => r.ratio));
  const best = adaptive.length ? adaptive.reduce((a, b) => (med(b) < med(a) ? b : a)) : undefined;
  row(
    '  best adaptive strategy (median)',
    best ? `${best.spec.label}: ${med(best).toFixed(2)}× ideal` : 'none finished',
    `≤ ${TARGET.toFixed(2)}× ideal`,
    best ? med(best) <= TARGET : false,
  );
  results.makespan = {
    options: o,
    nominalMbps: o.capsMbps,
    measuredMbps: measured,
    idealS,
    nominalIdealS,
    loadAverageAtStart: load0,
    best: best?.spec.label,
    strategies: all.map((s) => ({
      label: s.spec.label,
      adaptive: s.spec.adaptive,
      policy: s.spec.policy,
      runs: s.runs,
    })),
  };
}
