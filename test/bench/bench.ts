// `npm run bench`: reconcile time (2/8/32 WANs) vs one-command-at-a-time, carrier-loss switch time, weight error, repair after deletions; table + JSON.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasLabPrivileges } from '../kit/lab/topology.ts';
import { burst, nodeArgv, startServers } from '../kit/lab/traffic.ts';
import { labConfig, mwanFor } from '../kit/lab/fixture.ts';
import { withLab } from '../kit/lab/with-lab.ts';
import { median, round } from './stats.ts';
import { startProber } from './prober-client.ts';
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

async function switchBench(trials: number): Promise<void> {
  await withLab({ wans: 3 }, async (lab) => {
    await startServers(lab);
    const mwan = mwanFor(lab, (dir) =>
      labConfig(lab, dir, { mode: 'failover', wans: { 1: { tier: 1 }, 2: { tier: 2 }, 3: { tier: 3 } } }),
    );
    try {
      await mwan.startDaemon();
      const prober = await startProber(lab, trials * 8 + 30);
      const switches: number[] = [];
      const recoveries: number[] = [];
      for (let i = 0; i < trials; i++) {
        let t0 = Date.now();
        await lab.cutCarrier(1);
        switches.push(await prober.firstVia(t0, [2]));
        await new Promise((r) => setTimeout(r, 200));
        t0 = Date.now();
        await lab.restoreCarrier(1);
        recoveries.push(await prober.firstVia(t0, [1]));
        await new Promise((r) => setTimeout(r, 200));
      }
      await prober.stop();
      results.carrierSwitch = { trials, switchesMs: switches, recoveriesMs: recoveries };
      row(
        `carrier loss → new connections on another WAN (median of ${trials})`,
        `${median(switches)} ms (max ${Math.max(...switches)})`,
        '≤ 300 ms',
        median(switches) <= 300,
      );
      row(
        `carrier back → new connections back on it (median of ${trials})`,
        `${median(recoveries)} ms (max ${Math.max(...recoveries)})`,
        '',
        null,
      );
    } finally {
      await mwan.cleanup();
    }
  });
}

async function weightBench(count: number): Promise<void> {
  await withLab({ wans: 3 }, async (lab) => {
    await startServers(lab);
    const weights = [3, 2, 1];
    const mwan = mwanFor(lab, (dir) =>
      labConfig(lab, dir, { wans: { 1: { weight: 3 }, 2: { weight: 2 }, 3: { weight: 1 } } }),
    );
    try {
      await mwan.startDaemon();
      const b = await burst(lab, lab.ns.client, { count, concurrency: 50, timeoutMs: 5000 });
      const total = weights.reduce((a, x) => a + x, 0);
      const errors = weights.map((w, k) => Math.abs((b.byIsp[k + 1] / b.ok) * 100 - (w / total) * 100));
      const worst = Math.max(...errors);
      results.weights = { count, ok: b.ok, failed: b.failed, byIsp: b.byIsp.slice(1), errorsPoints: errors };
      row(
        `weight error over ${count} connections (3:2:1)`,
        `${round(worst, 2)} points (shares ${b.byIsp
          .slice(1)
          .map((n) => `${round((n / b.ok) * 100)}%`)
          .join(' / ')})`,
        '≤ 2 points',
        worst <= 2,
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
  if (!only || only === 'switch') await switchBench(10);
  if (!only || only === 'weights') await weightBench(3000);
  if (!only || only === 'upstream') await upstreamBench(row, results, 10);
  if (!only || only === 'loss') await falseVerdictBench(row, results, Number(process.env.BENCH_LOSS_SECONDS ?? 300));
  if (!only || only === 'cost') await daemonCostBench(row, results, 60);
  if (!only || only === 'nfqueue') await (await import('./nfqueue-bench.ts')).nfqueueBench(row, results);
  if (!only || only === 'makespan') await (await import('./makespan-bench.ts')).makespanBench(row, results);
  if (!only || only === 'repair') await (await import('./repair-bench.ts')).repairBench(row, results, 10);
  printTable();
  const file = path.resolve('bench-results.json');
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
  console.log(`\nraw figures written to ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
