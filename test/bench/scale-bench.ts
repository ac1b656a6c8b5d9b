// `npm run bench -- scale`: the installed daemon's CPU and memory probing 64 WANs (2 ICMP targets each, realistic config) vs 8 and 32.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { nodeArgv } from '../kit/lab/traffic.ts';

const OBSERVE_CLIENT = fileURLToPath(new URL('./observe-client.ts', import.meta.url));
/** What the last page-and-scrape run's client saw (printed with the figures). */
let observeClient: unknown;

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
  /** RSS read every second over the window: its median and maximum (the end value alone moves with each GC). */
  rssMedianMiB: number;
  rssMaxMiB: number;
}

/** CPU of the daemon, of the commands it ran and reaped, and of its long-lived children, over `seconds`. */
async function measure(pid: number, seconds: number): Promise<Omit<Cost, 'wans' | 'startMs'>> {
  const children = await childrenOf(pid);
  const kids = async () => (await Promise.all(children.map((c) => cpuSeconds(c)))).reduce((a, b) => a + b, 0);
  const [own0, all0, kids0] = [await cpuSeconds(pid), await cpuSeconds(pid, true), await kids()];
  // Resident memory saws up and down with the V8 heap (old space grows until a full collection, ±4 MiB at 8 WANs):
  // one sample a second; the highest is the figure checked against the goal, the median is printed beside it.
  const rss: number[] = [];
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(Math.min(1000, seconds * 1000 - (Date.now() - t0)));
    rss.push(await rssMiB(pid));
  }
  rss.sort((a, b) => a - b);
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
    rssMiB: Math.max(rss[rss.length - 1] ?? 0, await rssMiB(pid)),
    rssMedianMiB: rss[Math.floor(rss.length / 2)] ?? 0,
    rssMaxMiB: rss[rss.length - 1] ?? 0,
  };
}

/** The observe plugin during a run: off (`observe.listen: false`), or on with one page following /events and a 15 s scrape. */
type ObserveMode = 'default' | 'off' | 'page-and-scrape';

async function costAt(wans: number, seconds: number, observe: ObserveMode = 'default'): Promise<Cost> {
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
    if (observe === 'off') config.observe = { listen: false };
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
    const client =
      observe === 'page-and-scrape'
        ? lab.spawn(nodeArgv(OBSERVE_CLIENT, ['http://127.0.0.1:9847', String(SETTLE_MS / 1000 + seconds + 2)]))
        : undefined;
    await client?.waitForLine(/following/, 20000);
    await sleep(SETTLE_MS);
    const cost = { wans, startMs, ...(await measure(daemon.pid!, seconds)) };
    if (client) {
      const summary = JSON.parse(await client.waitForLine(/^\{/, 20000)) as {
        scrapes: number;
        events: number;
        errors: number;
      };
      if (summary.scrapes < 2 || summary.events < 2 || summary.errors)
        throw new Error(`the observe client did not follow the page and scrape: ${JSON.stringify(summary)}`);
      observeClient = summary;
    }
    return cost;
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

/** Goals of issue 14: 8 WANs probed, metrics and the page on, one page following /events and a scrape every 15 s. */
const OBSERVE_CPU_PCT = 2;
const OBSERVE_RSS_MB = 80;

export async function observeCostBench(row: Row, results: Record<string, unknown>, seconds: number): Promise<void> {
  const stale = await assertBundleCurrent().catch((e: Error) => e.message);
  if (stale) return row('daemon probing 8 WANs, observe on and off, as installed', `not measured: ${stale}`, '', false);
  const off = await costAt(8, seconds, 'off');
  const on = await costAt(8, seconds, 'page-and-scrape');
  results.observeCost = { seconds, settleMs: SETTLE_MS, off, on, client: observeClient };
  const MB = (mib: number) => (mib * 1048576) / 1e6;
  const rssMB = (c: Cost) => MB(c.rssMedianMiB);
  row(
    `daemon probing 8 WANs × 2 targets, observe off (${seconds} s): CPU, RSS`,
    `${round(off.totalCpuPct, 2)}% of a core; ${round(rssMB(off))} MB RSS (median of 1 s readings; max ${round(MB(off.rssMaxMiB))})`,
    '',
    null,
  );
  row(
    `  with /metrics and the status page, one page on /events, a scrape every 15 s: CPU`,
    `${round(on.totalCpuPct, 2)}% of a core (${round(on.totalCpuPct - off.totalCpuPct, 2)} points more than off)`,
    `< ${OBSERVE_CPU_PCT}% of a core`,
    on.totalCpuPct < OBSERVE_CPU_PCT,
  );
  row(
    `  with /metrics and the status page, one page on /events, a scrape every 15 s: RSS`,
    `${round(rssMB(on))} MB median of 1 s readings, max ${round(MB(on.rssMaxMiB))} (${round(rssMB(on) - rssMB(off))} MB more than off)`,
    `< ${OBSERVE_RSS_MB} MB`,
    rssMB(on) < OBSERVE_RSS_MB,
  );
}
