// Health benchmarks: upstream-failure switch and recovery, false verdicts under 10 % loss, the daemon's cost probing 8 WANs.
import { createLab, type Lab } from '../kit/lab/topology.ts';
import { startServers } from '../kit/lab/traffic.ts';
import { labConfig, MWANCTL, mwanFor, type Mwan } from '../kit/lab/fixture.ts';
import { startProber } from './prober-client.ts';
import { childrenOf, cpuSeconds, rssMiB } from './proc-usage.ts';
import { NODE_FLAGS } from '../../cli/install.ts';
import { median, round } from './stats.ts';
import { icmpBackend } from '../../core/system/probes/index.ts';
import { waitFor } from '../kit/time.ts';

/** How long the daemon runs before its cost is measured. */
const SETTLE_MS = 10_000;

export type Row = (what: string, value: string, target: string, ok: boolean | null) => void;

async function probedDaemon(lab: Lab, mode: 'balanced' | 'failover', nodeFlags: string[] = []): Promise<Mwan> {
  const mwan = mwanFor(lab);
  const tiers = Object.fromEntries(
    Array.from({ length: lab.wans }, (_, k) => [k + 1, { tier: mode === 'failover' ? k + 1 : 1 }]),
  );
  const cfg = labConfig(lab, mwan.dir, { mode, wans: tiers });
  for (const w of cfg.wans as Record<string, unknown>[])
    w.probes = [
      { method: 'icmp', target: lab.addr.server },
      { method: 'icmp', target: lab.addr.server2 },
    ];
  mwan.writeConfig(cfg);
  await mwan.startDaemon(nodeFlags);
  const status = async () =>
    JSON.parse((await mwan.ctl(['status', '--json'])).stdout) as { wans: { rttMs: number | null; state: string }[] };
  await waitFor(async () => (await status()).wans.every((w) => w.rttMs !== null), 10000, 'probe answers on every WAN');
  return mwan;
}

export async function upstreamBench(row: Row, results: Record<string, unknown>, trials: number): Promise<void> {
  const lab = await createLab({ wans: 3 });
  let mwan: Mwan | undefined;
  try {
    await startServers(lab);
    mwan = await probedDaemon(lab, 'failover');
    const prober = await startProber(lab, trials * 10 + 30);
    const switches: number[] = [];
    const recoveries: number[] = [];
    for (let i = 0; i < trials; i++) {
      let t0 = Date.now();
      await lab.cutUpstream(1);
      switches.push(await prober.firstVia(t0, [2], 10000));
      t0 = Date.now();
      await lab.restoreUpstream(1);
      recoveries.push(await prober.firstVia(t0, [1], 15000));
    }
    await prober.stop();
    results.upstream = { trials, switchesMs: switches, recoveriesMs: recoveries };
    row(
      `upstream cut (link up) → new connections elsewhere (median of ${trials})`,
      `${median(switches)} ms (worst ${Math.max(...switches)})`,
      '≤ 1000 ms',
      median(switches) <= 1000,
    );
    row(
      `upstream back → new connections back (median of ${trials})`,
      `${median(recoveries)} ms (worst ${Math.max(...recoveries)})`,
      '≤ 3000 ms',
      median(recoveries) <= 3000,
    );
  } finally {
    await mwan?.cleanup();
    await lab.teardown();
  }
}

export async function falseVerdictBench(row: Row, results: Record<string, unknown>, seconds: number): Promise<void> {
  const lab = await createLab({ wans: 3 });
  let mwan: Mwan | undefined;
  try {
    await startServers(lab);
    mwan = await probedDaemon(lab, 'balanced');
    const events = lab.spawn(lab.ns.router, [process.execPath, MWANCTL, '--config', mwan.configPath, 'events']);
    let offline = 0;
    let rounds = 0;
    let failedRounds = 0;
    void (async () => {
      for (;;) {
        const line = await events.nextLine(seconds * 1000 + 60000).catch(() => null);
        if (line === null) return;
        if (!line.startsWith('{')) continue;
        const e = JSON.parse(line) as { event: string; payload: { wan?: string; ok?: boolean } };
        if (e.event === 'wan.offline') offline++;
        if (e.event === 'probe.result' && e.payload.wan === 'isp1') {
          rounds++;
          if (!e.payload.ok) failedRounds++;
        }
      }
    })();
    await lab.setLoss(1, 10);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    await events.kill();
    results.falseVerdicts = { seconds, lossPct: 10, offlineVerdicts: offline, rounds, failedRounds };
    row(
      `false offline verdicts, ${seconds} s at 10 % loss (${rounds} rounds, ${failedRounds} failed)`,
      String(offline),
      '0',
      offline === 0,
    );
  } finally {
    await mwan?.cleanup();
    await lab.teardown();
  }
}

export async function daemonCostBench(row: Row, results: Record<string, unknown>, seconds: number): Promise<void> {
  const lab = await createLab({ wans: 8 });
  let mwan: Mwan | undefined;
  try {
    await startServers(lab);
    mwan = await probedDaemon(lab, 'balanced', NODE_FLAGS); // as installed (see cli/install.ts)
    const pid = mwan.daemon!.pid!;
    // Steady state: start and the first rounds (module loading, compilation, the first reconciles) are not counted.
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const children = await childrenOf(pid);
    const cpu0 = await cpuSeconds(pid);
    const all0 = await cpuSeconds(pid, true);
    const kids0 = (await Promise.all(children.map((c) => cpuSeconds(c)))).reduce((a, b) => a + b, 0);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const daemonPct = (((await cpuSeconds(pid)) - cpu0) / seconds) * 100;
    // Commands the daemon ran and reaped meanwhile (the periodic kernel-state check) and the long-lived children.
    const reapedPct = (((await cpuSeconds(pid, true)) - all0) / seconds) * 100 - daemonPct;
    const livePct =
      (((await Promise.all(children.map((c) => cpuSeconds(c)))).reduce((a, b) => a + b, 0) - kids0) / seconds) * 100;
    const totalPct = daemonPct + reapedPct + livePct;
    const rss = await rssMiB(pid);
    results.daemonCost = {
      wans: 8,
      targetsPerWan: 2,
      seconds,
      icmpBackend: icmpBackend(),
      daemonCpuPct: daemonPct,
      reapedChildrenCpuPct: reapedPct,
      liveChildrenCpuPct: livePct,
      liveChildren: children.length,
      totalCpuPct: totalPct,
      cpuPctPerWan: totalPct / 8,
      rssMiB: rss,
    };
    row(
      `daemon probing 8 WANs × 2 targets every 150 ms (${seconds} s after ${SETTLE_MS / 1000} s settling): CPU`,
      `${round(totalPct, 2)}% of a core, ${round(totalPct / 8, 2)}% per WAN (daemon ${round(daemonPct, 2)}%, commands it ran ${round(reapedPct, 2)}%, ${children.length} long-lived children ${round(livePct, 2)}%)`,
      '< 2 %',
      totalPct < 2,
    );
    row(`  ICMP probes: ${icmpBackend()}; resident memory`, `${round(rss)} MiB`, '< 80 MB', rss < 76);
  } finally {
    await mwan?.cleanup();
    await lab.teardown();
  }
}
