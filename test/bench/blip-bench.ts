// Carrier-blip benchmark on the realistic config: carrier down 5 s then up → new connections back on that WAN (and a long outage beside it).
import { createLab } from '../kit/lab/topology.ts';
import { startServers } from '../kit/lab/traffic.ts';
import type { Mwan } from '../kit/lab/fixture.ts';
import { DEFAULT_HEALTH } from '../../plugins/health/options.ts';
import { startProber } from './prober-client.ts';
import { median } from './stats.ts';
import { probedDaemon, type Row } from './health-bench.ts';

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

/**
 * `trials` blips of 5 s, each on a fresh daemon at the default settings (blips seconds apart would be flaps in a
 * row, which flap damping answers with the full upAfter, then a hold-down: that is the lab test's to show), then one
 * loss longer than blipSeconds for comparison.
 */
export async function blipBench(row: Row, results: Record<string, unknown>, trials: number): Promise<void> {
  const lab = await createLab({ wans: 3 });
  let mwan: Mwan | undefined;
  const longSeconds = DEFAULT_HEALTH.blipSeconds + 2;
  try {
    await startServers(lab);
    const prober = await startProber(lab, trials * 20 + longSeconds + 40);
    const outage = async (seconds: number): Promise<number> => {
      mwan = await probedDaemon(lab, 'failover');
      const cut = Date.now();
      await lab.cutCarrier(1);
      await prober.firstVia(cut, [2], 10000);
      await sleepUntil(cut + seconds * 1000);
      const t0 = Date.now();
      await lab.restoreCarrier(1);
      const back = await prober.firstVia(t0, [1], 15000);
      await mwan.cleanup();
      mwan = undefined;
      return back;
    };
    const blips: number[] = [];
    for (let i = 0; i < trials; i++) blips.push(await outage(5));
    const long = await outage(longSeconds);
    await prober.stop();
    results.blip = { trials, blipsMs: blips, longOutageSeconds: longSeconds, longOutageBackMs: long };
    row(
      `carrier blip (down 5 s, then up) → new connections back on it, ${DEFAULT_HEALTH.upAfterBlip} good rounds (median of ${trials})`,
      `${median(blips)} ms (worst ${Math.max(...blips)})`,
      '≤ 1000 ms',
      median(blips) <= 1000,
    );
    row(
      `  carrier down ${longSeconds} s (> blipSeconds) → back, ${DEFAULT_HEALTH.upAfter} good rounds (one trial)`,
      `${long} ms`,
      '≤ 3000 ms',
      long <= 3000,
    );
  } finally {
    await mwan?.cleanup();
    await lab.teardown();
  }
}
