// `npm run bench`: reconcile time (2/8/32 WANs) vs one-command-at-a-time, carrier-loss switch time, weight error, repair after deletions; table + JSON.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasLabPrivileges } from '../kit/lab/topology.ts';
import { burst, nodeArgv, startServers } from '../kit/lab/traffic.ts';
import { labConfig, mwanFor } from '../kit/lab/fixture.ts';
import { withLab } from '../kit/lab/with-lab.ts';
import { round } from './stats.ts';
import { daemonCostBench, falseVerdictBench, upstreamBench } from './health-bench.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const results: Record<string, unknown> = {};
const rows: [string, string, string, string][] = [];
const row = (what: string, value: string, target: string, ok: boolean | null) => {
  rows.push([what, value, target, ok === null ? '' : ok ? 'yes' : 'NO']);
  if (process.env.BENCH_PROGRESS) console.error(rows[rows.length - 1].join(' | '));
};

type Kind = 'bare' | 'realistic';
/** What reconcile-worker.ts prints. */
interface ReconcileOut {
  trials: number;
  reconcileMedianMs: number;
  reconcileMaxMs: number;
  classicMedianMs: number;
  commands: number;
  noopMs: number;
  nftLines: number;
  ipLines: number;
  breakdownMs: Record<'plan' | 'nft' | 'ip' | 'otherApply' | 'queued' | 'waiting', number> & {
    processStart: { nft: number; ip: number };
  };
}

async function reconcileRun(wans: number, kind: Kind, rules = 3, forwards = 2): Promise<ReconcileOut> {
  return withLab({ wans: 1 }, async (lab) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-bench-'));
    try {
      const argv = [String(wans), '21', dir, kind, String(rules), String(forwards)];
      const r = await lab.exec(lab.ns.inet, nodeArgv(here('./reconcile-worker.ts'), argv), { timeout: 600000 });
      return JSON.parse(r.stdout.trim().split('\n').pop()!);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** The goal for WAN state change → committed (issue 12): 15 ms at 8 WANs, 30 ms at 64, realistic config. */
const reconcileGoal = (wans: number, kind: Kind): number | undefined =>
  kind === 'realistic' ? ({ 8: 15, 64: 30 } as Record<number, number>)[wans] : undefined;

async function reconcileBench(wans: number, kind: Kind): Promise<void> {
  const out = await reconcileRun(wans, kind).catch((e: Error) => {
    console.error(`reconcile, ${kind}, ${wans} WANs failed:\n${e.message}`);
    row(`reconcile, ${kind}, ${wans} WANs`, `failed: ${e.message.split('\n').pop()}`, '', false);
    return undefined;
  });
  if (!out) return;
  results[`reconcile_${kind}_${wans}`] = out;
  const goal = reconcileGoal(wans, kind);
  const b = out.breakdownMs;
  row(
    `reconcile, ${kind}, ${wans} WANs (median of ${out.trials}, netlink carrier event → committed)`,
    `${round(out.reconcileMedianMs)} ms (max ${round(out.reconcileMaxMs)})`,
    goal ? `≤ ${goal} ms` : '',
    goal ? out.reconcileMedianMs <= goal : null,
  );
  row(
    '  where: plan / nft / ip / other apply / queued behind another run / event loop',
    `${round(b.plan)} / ${round(b.nft)} / ${round(b.ip)} / ${round(b.otherApply)} / ${round(b.queued)} / ${round(b.waiting)} ms`,
    '',
    null,
  );
  row(
    '  commands: nft lines / ip lines; process start alone: nft / ip',
    `${out.nftLines} / ${out.ipLines}; ${round(b.processStart.nft)} / ${round(b.processStart.ip)} ms`,
    '',
    null,
  );
  row(
    `  one command at a time (${out.commands} commands)`,
    `${round(out.classicMedianMs)} ms = ${round(out.classicMedianMs / out.reconcileMedianMs)}× slower`,
    '',
    null,
  );
  row('  reconcile with nothing to change', `${round(out.noopMs)} ms`, '', null);
}

/** Reconcile time at 8 WANs (realistic) as rules, then forwards, grow 10 → 100 → 1,000: each step should cost ≤ 10×. */
async function reconcileCurves(): Promise<void> {
  for (const what of ['rules', 'forwards'] as const) {
    const points: [number, number][] = [];
    for (const n of [10, 100, 1000]) {
      const out = await reconcileRun(8, 'realistic', what === 'rules' ? n : 3, what === 'forwards' ? n : 2).catch(
        (e: Error) => {
          row(`reconcile, 8 WANs, ${n} ${what}`, `failed: ${e.message.split('\n').pop()}`, '', false);
          return undefined;
        },
      );
      if (!out) return;
      results[`reconcile_8_${what}_${n}`] = out;
      points.push([n, out.reconcileMedianMs]);
    }
    const [[, a], , [, c]] = points;
    row(
      `reconcile vs ${what} (8 WANs, realistic; ${points.map(([n]) => n).join(' / ')})`,
      `${points.map(([, ms]) => round(ms)).join(' / ')} ms`,
      'linear or better',
      c / a <= 100,
    );
  }
}

/**
 * The split of `count` new LAN connections at 3:2:1: the daemon's exact `numgen inc` cycle, then (daemon stopped,
 * the same rule with `numgen random`, as `weighted` was before) three more bursts for comparison.
 */
async function weightBench(count: number): Promise<void> {
  await withLab({ wans: 3 }, async (lab) => {
    await startServers(lab);
    const weights = [3, 2, 1];
    const total = weights.reduce((a, x) => a + x, 0);
    const mwan = mwanFor(lab, (dir) =>
      labConfig(lab, dir, { wans: { 1: { weight: 3 }, 2: { weight: 2 }, 3: { weight: 1 } } }),
    );
    const split = async () => {
      const b = await burst(lab, lab.ns.client, { count, concurrency: 50, timeoutMs: 5000 });
      const byIsp = b.byIsp.slice(1);
      const errors = weights.map((w, k) => Math.abs((byIsp[k] / b.ok) * 100 - (w / total) * 100));
      return { ok: b.ok, failed: b.failed, byIsp, worst: Math.max(...errors) };
    };
    const shares = (byIsp: number[]) => byIsp.map((n) => `${round((n / count) * 100, 1)}%`).join(' / ');
    try {
      await mwan.startDaemon();
      const cycle = await split();
      await mwan.daemon!.kill();
      const listed = (await lab.exec(lab.ns.router, ['nft', '-a', 'list', 'chain', 'inet', 'mwan', 'balance'])).stdout;
      const rule = /^\s*(numgen inc .*) # handle (\d+)$/m.exec(listed);
      const random: Awaited<ReturnType<typeof split>>[] = [];
      if (rule) {
        const text = rule[1].replace('numgen inc', 'numgen random');
        await lab.exec(lab.ns.router, ['nft', `replace rule inet mwan balance handle ${rule[2]} ${text}`]);
        for (let k = 0; k < 3; k++) random.push(await split());
      }
      results.weights = { count, cycle, random };
      row(
        `weight error over ${count} connections (3:2:1), numgen inc cycle`,
        `${round(cycle.worst, 2)} points (${shares(cycle.byIsp)}; ${cycle.failed} failed)`,
        '≤ 0.5 points',
        cycle.worst <= 0.5 && cycle.failed === 0,
      );
      row(
        '  the same rule with numgen random (before), 3 runs',
        random.length ? `${random.map((r) => round(r.worst, 2)).join(' / ')} points` : `no numgen rule in ${listed}`,
        '',
        null,
      );
    } finally {
      await mwan.cleanup();
    }
  });
}

function printTable(): void {
  const head: [string, string, string, string] = ['measure', 'result', 'target', 'met'];
  const all = [head, ...rows];
  const w = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  for (const r of all)
    console.log(
      r
        .map((cell, c) => cell.padEnd(w[c]))
        .join('  ')
        .trimEnd(),
    );
}

async function main(): Promise<void> {
  const priv = await hasLabPrivileges();
  if (!priv.ok) {
    console.error(`bench needs the namespace lab: ${priv.why}`);
    process.exit(1);
  }
  const only = process.argv[2];
  if (!only || only === 'reconcile') {
    const sizes = (process.env.BENCH_WANS ?? '2,8,32,64').split(',').map(Number);
    for (const kind of (process.env.BENCH_KINDS ?? 'bare,realistic').split(',') as Kind[])
      for (const n of sizes) await reconcileBench(n, kind);
    if (!process.env.BENCH_NO_CURVES) await reconcileCurves();
  }
  if (!only || only === 'switch') await (await import('./switch-bench.ts')).switchBench(row, results, 10);
  if (!only || only === 'switch6') await (await import('./switch6-bench.ts')).switch6Bench(row, results, 10);
  if (!only || only === 'weights') await weightBench(1200);
  if (!only || only === 'upstream') await upstreamBench(row, results, 10);
  if (!only || only === 'blip') await (await import('./blip-bench.ts')).blipBench(row, results, 5);
  if (!only || only === 'loss') await falseVerdictBench(row, results, Number(process.env.BENCH_LOSS_SECONDS ?? 300));
  if (!only || only === 'jitter')
    await falseVerdictBench(row, results, Number(process.env.BENCH_LOSS_SECONDS ?? 300), 'jitter');
  if (!only || only === 'cost') await daemonCostBench(row, results, 60);
  if (!only || only === 'nfqueue') await (await import('./nfqueue-bench.ts')).nfqueueBench(row, results);
  if (!only || only === 'makespan') await (await import('./makespan-bench.ts')).makespanBench(row, results);
  if (!only || only === 'repair') await (await import('./repair-bench.ts')).repairBench(row, results, 10);
  if (!only || only === 'conntrack') await (await import('./conntrack-bench.ts')).conntrackBench(row, results);
  if (!only || only === 'scale') await (await import('./scale-bench.ts')).scaleBench(row, results, 25);
  if (!only || only === 'observe') await (await import('./scale-bench.ts')).observeCostBench(row, results, 60);
  printTable();
  const file = path.resolve('bench-results.json');
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
  console.log(`\nraw figures written to ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
