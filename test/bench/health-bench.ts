// Health benchmarks on the realistic config: upstream-failure switch and recovery, false verdicts under 10 % loss or 30 ± 20 ms jitter, the daemon's cost probing 8 WANs.
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from '../kit/lab/topology.ts';
import { startServers } from '../kit/lab/traffic.ts';
import { MWANCTL, mwanFor, type Mwan } from '../kit/lab/fixture.ts';
import { startProber } from './prober-client.ts';
import { childrenOf, cpuSeconds, rssMiB } from './proc-usage.ts';
import { NODE_FLAGS } from '../../cli/install.ts';
import { median, round } from './stats.ts';
import { icmpBackend } from '../../core/system/probes/index.ts';
import { DEFAULT_HEALTH } from '../../plugins/health/options.ts';
import { waitFor } from '../kit/time.ts';
import { realisticConfig } from './realistic-config.ts';
import { assertBundleCurrent } from './installed-bundle.ts';

/** How long the daemon runs before its cost is measured. */
const SETTLE_MS = 10_000;
const RESPONDER = fileURLToPath(new URL('./delay-responder.py', import.meta.url));

export type Row = (what: string, value: string, target: string, ok: boolean | null) => void;

/**
 * The daemon with the config users run (two ICMP probes per WAN, LAN, firewall, forwards, a policy with rules).
 * `failover`: the default policy is the realistic config's priority policy (isp1, then isp2).
 */
export async function probedDaemon(lab: Lab, mode: 'balanced' | 'failover', nodeFlags: string[] = []): Promise<Mwan> {
  const mwan = mwanFor(lab);
  const cfg = realisticConfig({
    wan: (i) => ({ name: `isp${i}`, device: `wan${i}`, gateway: lab.addr.ispGateway(i) }),
    wans: lab.wans,
    lanDevice: 'lan0',
    dir: mwan.dir,
    probeTargets: [lab.addr.server, lab.addr.server2],
    forwardTo: lab.addr.client,
    extra: mode === 'failover' ? { defaultPolicy: 'backup' } : {},
  });
  mwan.writeConfig(cfg);
  await mwan.startDaemon(nodeFlags);
  const status = async () =>
    JSON.parse((await mwan.ctl(['status', '--json'])).stdout) as { wans: { rttMs: number | null; state: string }[] };
  await waitFor(async () => (await status()).wans.every((w) => w.rttMs !== null), 10000, 'probe answers on every WAN');
  return mwan;
}

/**
 * Each trial runs a fresh daemon at the default settings: trials seconds apart would be flaps in a row, which
 * flap damping holds down by design (three within about 40 s), and that is not what this measures.
 */
export async function upstreamBench(row: Row, results: Record<string, unknown>, trials: number): Promise<void> {
  const lab = await createLab({ wans: 3 });
  let mwan: Mwan | undefined;
  try {
    await startServers(lab);
    const prober = await startProber(lab, trials * 20 + 30);
    const switches: number[] = [];
    const recoveries: number[] = [];
    for (let i = 0; i < trials; i++) {
      mwan = await probedDaemon(lab, 'failover');
      let t0 = Date.now();
      await lab.cutUpstream(1);
      switches.push(await prober.firstVia(t0, [2], 10000));
      t0 = Date.now();
      await lab.restoreUpstream(1);
      recoveries.push(await prober.firstVia(t0, [1], 15000));
      await mwan.cleanup();
      mwan = undefined;
    }
    await prober.stop();
    results.upstream = { trials, switchesMs: switches, recoveriesMs: recoveries };
    const h = DEFAULT_HEALTH;
    row(
      `upstream cut (link up) → new connections elsewhere, realistic config, ${h.intervalMs}/${h.timeoutMs} ms × ${h.downAfter} (median of ${trials})`,
      `${median(switches)} ms (worst ${Math.max(...switches)})`,
      '≤ 800 ms',
      median(switches) <= 800,
    );
    row(
      `upstream back → new connections back, ${h.upAfter} good rounds (median of ${trials})`,
      `${median(recoveries)} ms (worst ${Math.max(...recoveries)})`,
      '≤ 3000 ms',
      median(recoveries) <= 3000,
    );
  } finally {
    await mwan?.cleanup();
    await lab.teardown();
  }
}

/**
 * False offline verdicts over `seconds` with the realistic config: `loss` drops 10 % of what isp1 forwards;
 * `jitter` answers every probe after 30 ± 20 ms (uniform 10–50 ms), from a delaying responder in the inet namespace
 * (this kernel has no netem), with the kernel's own echo replies turned off there.
 */
export async function falseVerdictBench(
  row: Row,
  results: Record<string, unknown>,
  seconds: number,
  kind: 'loss' | 'jitter' = 'loss',
): Promise<void> {
  const lab = await createLab({ wans: 3 });
  let mwan: Mwan | undefined;
  try {
    await startServers(lab);
    if (kind === 'jitter') {
      await lab.exec(lab.ns.inet, ['sysctl', '-q', '-w', 'net.ipv4.icmp_echo_ignore_all=1']);
      const responder = lab.spawn(lab.ns.inet, [
        'python3',
        RESPONDER,
        '30',
        '20',
        String(seconds + 120),
        lab.addr.server,
        lab.addr.server2,
      ]);
      await responder.waitForLine('ready', 15000);
    }
    mwan = await probedDaemon(lab, 'balanced');
    const events = lab.spawn(lab.ns.router, [process.execPath, MWANCTL, '--config', mwan.configPath, 'events']);
    let offline = 0;
    let rounds = 0;
    let failedRounds = 0;
    const rtts: number[] = [];
    void (async () => {
      for (;;) {
        const line = await events.nextLine(seconds * 1000 + 60000).catch(() => null);
        if (line === null) return;
        if (!line.startsWith('{')) continue;
        const e = JSON.parse(line) as {
          event: string;
          payload: { wan?: string; ok?: boolean; targets?: { rttMs: number | null }[] };
        };
        if (e.event === 'wan.offline') offline++;
        if (e.event === 'probe.result' && e.payload.wan === 'isp1') {
          rounds++;
          if (!e.payload.ok) failedRounds++;
          for (const t of e.payload.targets ?? []) if (t.rttMs !== null) rtts.push(t.rttMs);
        }
      }
    })();
    if (kind === 'loss') await lab.setLoss(1, 10);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    await events.kill();
    rtts.sort((a, b) => a - b);
    const pct = (q: number) => round(rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))] ?? 0, 1);
    const what = kind === 'loss' ? '10 % loss on isp1' : '30 ± 20 ms jitter on every WAN';
    results[kind === 'loss' ? 'falseVerdicts' : 'falseVerdictsJitter'] = {
      seconds,
      kind,
      offlineVerdicts: offline,
      rounds,
      failedRounds,
      rttMs: { min: pct(0), p50: pct(0.5), max: pct(1) },
    };
    row(
      `false offline verdicts, ${seconds} s at ${what} (isp1: ${rounds} rounds, ${failedRounds} failed, rtt ${pct(0)}/${pct(0.5)}/${pct(1)} ms min/median/max)`,
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
  const stale = await assertBundleCurrent().catch((e: Error) => e.message);
  if (stale) return row('daemon probing 8 WANs: CPU and memory as installed', `not measured: ${stale}`, '', false);
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
      `daemon probing 8 WANs × 2 targets every ${DEFAULT_HEALTH.intervalMs} ms, realistic config (${seconds} s after ${SETTLE_MS / 1000} s settling): CPU`,
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
