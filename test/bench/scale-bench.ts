// `npm run bench -- scale`: the installed daemon's CPU and memory probing 64 WANs (2 ICMP targets each, realistic config) vs 8 and 32.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE_FLAGS } from '../../cli/install.ts';
import { icmpBackend } from '../../core/system/probes/index.ts';
import { MWANCTL } from '../kit/lab/fixture.ts';
import { sleep, waitFor } from '../kit/time.ts';
import { childrenOf, cpuSeconds, rssMiB } from './proc-usage.ts';
import { realisticConfig } from './realistic-config.ts';
import type { Row } from './realistic-lab.ts';
import { createScaleLab, LAN_HOST, TARGETS, type ScaleLab } from './scale-lab.ts';
import { round } from './stats.ts';
import { assertBundleCurrent } from './installed-bundle.ts';

/** As the health cost bench: start and first rounds are not counted. */
const SETTLE_MS = 10_000;

interface Cost {
  wans: number;
  startMs: number;
  daemonCpuPct: number;
  reapedChildrenCpuPct: number;
  liveChildrenCpuPct: number;
  totalCpuPct: number;
  /** The highest of one sample a second over the measured time. */
  rssMiB: number;
}

/** CPU of the daemon, of the commands it ran and reaped, and of its long-lived children, over `seconds`. */
async function measure(pid: number, seconds: number): Promise<Omit<Cost, 'wans' | 'startMs'>> {
  const children = await childrenOf(pid);
  const kids = async () => (await Promise.all(children.map((c) => cpuSeconds(c)))).reduce((a, b) => a + b, 0);
  const [own0, all0, kids0] = [await cpuSeconds(pid), await cpuSeconds(pid, true), await kids()];
  // Resident memory saws up and down with the V8 heap (old space grows until a full collection, ±4 MiB at 8 WANs):
  // the highest of one sample a second is the figure, not one sample at the end.
  let peakRss = 0;
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    peakRss = Math.max(peakRss, await rssMiB(pid));
    await sleep(Math.min(1000, Math.max(0, until - performance.now())));
  }
  const pct = (x: number) => (x / seconds) * 100;
  const daemonCpuPct = pct((await cpuSeconds(pid)) - own0);
  const reapedChildrenCpuPct = pct((await cpuSeconds(pid, true)) - all0) - daemonCpuPct;
  const liveChildrenCpuPct = pct((await kids()) - kids0);
  const totalCpuPct = daemonCpuPct + reapedChildrenCpuPct + liveChildrenCpuPct;
  return {
    daemonCpuPct,
    reapedChildrenCpuPct,
    liveChildrenCpuPct,
    totalCpuPct,
    rssMiB: Math.max(peakRss, await rssMiB(pid)),
  };
}

async function costAt(wans: number, seconds: number): Promise<Cost> {
  const lab: ScaleLab = await createScaleLab(wans);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-scale-'));
  const configPath = path.join(dir, 'mwan.config.json');
  const ctl = (args: string[]) => lab.exec([process.execPath, MWANCTL, '--config', configPath, ...args]);
  try {
    const config = realisticConfig({
      wan: lab.wan,
      wans,
      lanDevice: 'lan0',
      dir,
      probeTargets: TARGETS,
      forwardTo: LAN_HOST,
    });
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const t0 = performance.now();
    const daemon = lab.spawn([process.execPath, ...NODE_FLAGS, MWANCTL, '--config', configPath, 'daemon']);
    await daemon.waitForLine(/mwan daemon ready/, 60000);
    const startMs = performance.now() - t0;
    await waitFor(
      async () => {
        const r = await ctl(['status', '--json']);
        if (r.exitCode !== 0) return false;
        const s = JSON.parse(r.stdout) as { wans: { rttMs: number | null }[] };
        return s.wans.length === wans && s.wans.every((w) => w.rttMs !== null);
      },
      30000,
      `probe answers on all ${wans} WANs`,
    );
    await sleep(SETTLE_MS);
    return { wans, startMs, ...(await measure(daemon.pid!, seconds)) };
  } finally {
    await ctl(['stop']).catch(() => undefined);
    await lab.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** WAN counts measured, smallest first: the curve, and the per-WAN figure of the first to compare with. */
const SIZES = [8, 32, 64];

export async function scaleBench(row: Row, results: Record<string, unknown>, seconds: number): Promise<void> {
  const stale = await assertBundleCurrent().catch((e: Error) => e.message);
  if (stale) return row('daemon probing 8 / 32 / 64 WANs as installed', `not measured: ${stale}`, '', false);
  const runs: Cost[] = [];
  for (const wans of SIZES) runs.push(await costAt(wans, seconds));
  results.scale = { seconds, settleMs: SETTLE_MS, icmpBackend: icmpBackend(), runs };
  const perWan = (c: Cost) => c.totalCpuPct / c.wans;
  const [small, big] = [runs[0], runs[runs.length - 1]];
  for (const c of runs)
    row(
      `daemon probing ${c.wans} WANs × 2 targets, realistic config, as installed (${seconds} s after ${SETTLE_MS / 1000} s settling): CPU`,
      `${round(c.totalCpuPct, 2)}% of a core = ${round(perWan(c), 3)}% per WAN (daemon ${round(c.daemonCpuPct, 2)}%, commands ${round(c.reapedChildrenCpuPct, 2)}%, long-lived children ${round(c.liveChildrenCpuPct, 2)}%); ${round(c.rssMiB)} MiB RSS at most; ready after ${round(c.startMs / 1000, 1)} s`,
      c === big
        ? `linear: per WAN ≤ ${small.wans} WANs' ${round(perWan(small), 3)}%`
        : c.wans === 8
          ? '< 2 %, < 80 MB (76.3 MiB)'
          : '',
      c === big ? perWan(big) <= perWan(small) * 1.25 : c.wans === 8 ? c.totalCpuPct < 2 && c.rssMiB < 76.3 : null,
    );
  const extra = big.wans - small.wans;
  row(
    `  each WAN beyond ${small.wans} (${big.wans} − ${small.wans} = ${extra})`,
    `${round((big.totalCpuPct - small.totalCpuPct) / extra, 3)}% of a core, ${round(((big.rssMiB - small.rssMiB) / extra) * 1024)} KiB RSS`,
    '',
    null,
  );
}
