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
const row = (what: string, value: string, target: string, ok: boolean | null) =>
  rows.push([what, value, target, ok === null ? '' : ok ? 'yes' : 'NO']);

async function reconcileBench(wans: number): Promise<void> {
  const out = await withLab({ wans: 1 }, async (lab) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-bench-'));
    try {
      const r = await lab.exec(lab.ns.inet, nodeArgv(here('./reconcile-worker.ts'), [String(wans), '21', dir]), {
        timeout: 300000,
      });
      return JSON.parse(r.stdout.trim().split('\n').pop()!);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  results[`reconcile_${wans}`] = out;
  const ratio = out.classicMedianMs / out.reconcileMedianMs;
  row(
    `reconcile, ${wans} WANs (median of ${out.trials}, netlink event → committed)`,
    `${round(out.reconcileMedianMs)} ms (max ${round(out.reconcileMaxMs)})`,
    wans === 8 ? '≤ 30 ms' : '',
    wans === 8 ? out.reconcileMedianMs <= 30 : null,
  );
  row('  of which: plan / apply (medians)', `${round(out.planMedianMs)} / ${round(out.applyMedianMs)} ms`, '', null);
  row(
    `  one command at a time (${out.commands} commands)`,
    `${round(out.classicMedianMs)} ms = ${round(ratio)}× slower`,
    '',
    null,
  );
  row('  reconcile with nothing to change', `${round(out.noopMs)} ms`, '', null);
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
  if (!only || only === 'reconcile') for (const n of [2, 8, 32]) await reconcileBench(n);
  if (!only || only === 'switch') await (await import('./switch-bench.ts')).switchBench(row, results, 10);
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
  printTable();
  const file = path.resolve('bench-results.json');
  writeFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
  console.log(`\nraw figures written to ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
