// `npm run bench -- switch`: carrier loss → new connections on another WAN, realistic config, 3 WANs, a connection every 20 ms.
import type { Lab } from '../kit/lab/topology.ts';
import { startServers } from '../kit/lab/traffic.ts';
import { withLab } from '../kit/lab/with-lab.ts';
import { sleep } from '../kit/time.ts';
import { startProber } from './prober-client.ts';
import { realisticMwan, recordEvents, type Row, waitProbed } from './realistic-lab.ts';
import { median, round } from './stats.ts';

const INTERVAL_MS = 20;
/** Balanced: after the cut, attempts are watched this long for the last one still sent to the dead WAN. */
const HORIZON_MS = 1500;

interface Trial {
  /** Failover: cut → the first new connection on isp2. Balanced: cut → start of the last new connection that failed. */
  switchMs: number;
  /** Cut → the daemon saw the link go down (netlink), → the offline verdict, → the reconcile that followed committed. */
  linkDownMs: number;
  verdictMs: number;
  committedMs: number;
  /** The duration of that reconcile, as the daemon measured it. */
  reconcileMs: number;
  /** Carrier back → the first new connection on that WAN again. */
  backMs: number;
}

type Variant = 'failover' | 'balanced';

async function trials(lab: Lab, variant: Variant, count: number): Promise<Trial[]> {
  await startServers(lab);
  // failover: isp1..3 in tiers 1..3 (the implicit default policy); balanced: the weighted 3:2:1 default policy.
  // Flap damping off: ten cuts of one WAN in a minute would rightly hold it down, and this measures the switch.
  const health = { health: { flapPenalty: 0 } };
  const mwan = realisticMwan(
    lab,
    variant === 'failover'
      ? { mode: 'failover', tiers: true, extra: { defaultPolicy: 'default', ...health } }
      : { extra: health },
  );
  try {
    await mwan.startDaemon();
    await waitProbed(mwan);
    const events = await recordEvents(lab, mwan);
    const prober = await startProber(lab, count * 12 + 30, INTERVAL_MS);
    const done: Trial[] = [];
    for (let i = 0; i < count; i++) {
      await sleep(300 + Math.random() * 200); // the cut falls anywhere between two attempts
      const t0 = Date.now();
      await lab.cutCarrier(1);
      const switchMs =
        variant === 'failover' ? await prober.firstVia(t0, [2]) : await prober.lastFailureAfter(t0, HORIZON_MS);
      const linkDown = await events.first('link.down', t0, { device: 'wan1' });
      const verdict = await events.first('wan.offline', t0, { wan: 'isp1' });
      const commit = await events.first('reconcile.done', verdict.at, { changed: true });
      const t1 = Date.now();
      await lab.restoreCarrier(1);
      const backMs = await prober.firstVia(t1, [1], 15000);
      await events.first('wan.online', t1, { wan: 'isp1' });
      done.push({
        switchMs,
        linkDownMs: linkDown.at - t0,
        verdictMs: verdict.at - t0,
        committedMs: commit.at - t0,
        reconcileMs: Number(commit.payload.ms),
        backMs,
      });
    }
    await prober.stop();
    await events.stop();
    return done;
  } finally {
    await mwan.cleanup();
  }
}

const med = (xs: number[]) => `${round(median(xs))} ms`;

function report(row: Row, variant: Variant, done: Trial[]): void {
  const col = (k: keyof Trial) => done.map((t) => t[k]);
  const switches = col('switchMs');
  const what =
    variant === 'failover'
      ? 'carrier loss → new connections on another WAN, failover (tiers 1/2/3)'
      : 'carrier loss → the last new connection still lost to the dead WAN, balanced 3:2:1 (a lower bound: attempts pick it at random; 0: none lost)';
  row(
    `${what}, realistic config, a connection every ${INTERVAL_MS} ms (median of ${done.length})`,
    `${median(switches)} ms (worst ${Math.max(...switches)})`,
    '≤ 100 ms',
    median(switches) <= 100,
  );
  row(
    '  from the cut (medians): link down seen / offline verdict / reconcile committed (its own duration)',
    `${med(col('linkDownMs'))} / ${med(col('verdictMs'))} / ${med(col('committedMs'))} (${med(col('reconcileMs'))})`,
    '',
    null,
  );
  row(
    '  carrier back → new connections on it again',
    `${median(col('backMs'))} ms (worst ${Math.max(...col('backMs'))})`,
    '',
    null,
  );
}

export async function switchBench(row: Row, results: Record<string, unknown>, count: number): Promise<void> {
  const out: Record<string, unknown> = { config: 'realistic, 3 WANs', intervalMs: INTERVAL_MS };
  for (const variant of ['failover', 'balanced'] as const) {
    const done = await withLab({ wans: 3 }, (lab) => trials(lab, variant, count));
    out[variant] = done;
    report(row, variant, done);
  }
  results.carrierSwitch = out;
}
