// Part of `npm run bench -- ha`: 100 (BENCH_HA_FLAPS) link flaps of the HA master under 20 long flows: masters after each settle, flows lost.
import { haNode } from '../kit/lab/ha-fixture.ts';
import { flapMaster, type FlapFigures } from '../kit/lab/ha-flaps.ts';
import { createHaLab, ROUTERS } from '../kit/lab/ha-pair.ts';
import { startFlows, startHaServer, type FlowsResult } from '../kit/lab/ha-traffic.ts';
import { waitFor } from '../kit/time.ts';
import type { Row } from './realistic-lab.ts';
import { median } from './stats.ts';

// BENCH_HA_FLAPS: how many (default 100; 0 skips them, in ha-bench.ts).
const FLAPS = Number(process.env.BENCH_HA_FLAPS ?? 100) || 100;
const FLOWS = 20;

interface Run {
  flaps: FlapFigures;
  flows: FlowsResult;
}

async function flapRun(): Promise<Run | string> {
  const lab = await createHaLab({ wans: 2 });
  const nodes = ROUTERS.map((r) => haNode(lab, r));
  try {
    await startHaServer(lab);
    await Promise.all(nodes.map((n) => n.start()));
    await waitFor(
      async () => {
        const [a, b] = await Promise.all(nodes.map((n) => n.role()));
        return (a === 'master' && b === 'backup') || (a === 'backup' && b === 'master');
      },
      // Each role read starts mwanctl: generous on a loaded machine.
      180000,
      'one master and one backup',
    );
    const run = await startFlows(lab, { flows: FLOWS, seconds: 900 });
    const flaps = await flapMaster(lab, { count: FLAPS, settleMs: 1000 });
    run.stop();
    return { flaps, flows: await run.result };
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  } finally {
    for (const n of nodes) await n.cleanup().catch(() => undefined);
    await lab.teardown();
  }
}

export async function haFlapsBench(row: Row, results: Record<string, unknown>): Promise<void> {
  const r = await flapRun();
  if (typeof r === 'string') {
    results.haFlaps = { error: r };
    row(`HA: ${FLAPS} link flaps of the master`, `failed: ${r}`, `${FLAPS} flaps, one master each, 0 lost`, false);
    return;
  }
  const masters = r.flaps.mastersAfterSettle.map((s) => Math.max(...s));
  const histogram: Record<number, number> = {};
  for (const m of r.flaps.mastersAfterSettle.flat()) histogram[m] = (histogram[m] ?? 0) + 1;
  const lost = r.flows.flows.filter((f) => f.closed !== null).length;
  const moved = r.flows.flows.filter((f) => f.closed === null && f.lastSource !== f.firstSource).length;
  const worst = Math.max(0, ...r.flows.flows.map((f) => f.maxGapMs));
  results.haFlaps = {
    flaps: r.flaps.flaps,
    badSettles: r.flaps.badSettles,
    mastersAfterSettle: masters,
    takeoverMs: r.flaps.takeoverMs,
    samplesPerSettle: r.flaps.mastersAfterSettle,
    error: r.flaps.error,
    flowsLost: lost,
    worstStallMs: worst,
  };
  const show = Object.entries(histogram)
    .map(([k, n]) => `${k} master${k === '1' ? '' : 's'} in ${n} samples`)
    .join(', ');
  row(
    `HA: ${FLAPS} link flaps of the master (LAN link down until the peer takes over, up, 1 s settle): flaps, settles with exactly one master (${show})`,
    `${r.flaps.flaps} flaps, ${r.flaps.flaps - r.flaps.badSettles} of ${r.flaps.flaps} settles${r.flaps.error ? ` (stopped: ${r.flaps.error})` : ''}`,
    `${FLAPS}, ${FLAPS} of ${FLAPS}`,
    r.flaps.flaps === FLAPS && r.flaps.badSettles === 0,
  );
  row(
    `HA: long flows lost over the ${FLAPS} flaps (of ${FLOWS}; public address changed; worst stall; median takeover)`,
    `${lost} lost (${moved} moved; ${(worst / 1000).toFixed(2)} s; ${Math.round(median(r.flaps.takeoverMs))} ms)`,
    '0 lost',
    lost === 0 && moved === 0,
  );
}
