// `npm run bench -- switch6`: carrier loss → new IPv4 and IPv6 connections on another WAN, measured in the same run (dual-stack lab, npt mode, failover tiers 1/2/3).
import type { Lab } from '../kit/lab/topology.ts';
import { startServerInNs, startServers } from '../kit/lab/traffic.ts';
import { withLab } from '../kit/lab/with-lab.ts';
import { sleep } from '../kit/time.ts';
import { startProber } from './prober-client.ts';
import { realisticMwan, type Row, waitProbed } from './realistic-lab.ts';
import { median } from './stats.ts';

const INTERVAL_MS = 20;

interface Trial {
  switch4: number;
  switch6: number;
  back4: number;
  back6: number;
}

/** The bench's lab set-up: IPv4 and IPv6 servers, and the realistic dual-stack failover config (also diag-switch6's). */
export async function switch6Mwan(lab: Lab): Promise<ReturnType<typeof realisticMwan>> {
  await Promise.all([startServers(lab), startServerInNs(lab, lab.ns.inet, lab.addr6.server, [80])]);
  return realisticMwan(lab, {
    mode: 'failover',
    tiers: true,
    ipv6: true,
    extra: { defaultPolicy: 'default', health: { flapPenalty: 0 } },
  });
}

async function trials(lab: Lab, count: number): Promise<Trial[]> {
  const mwan = await switch6Mwan(lab);
  try {
    await mwan.startDaemon();
    await waitProbed(mwan);
    const seconds = count * 12 + 30;
    const [p4, p6] = await Promise.all([
      startProber(lab, seconds, INTERVAL_MS, 'ipv4'),
      startProber(lab, seconds, INTERVAL_MS, 'ipv6'),
    ]);
    const done: Trial[] = [];
    for (let i = 0; i < count; i++) {
      await sleep(300 + Math.random() * 200);
      const t0 = Date.now();
      await lab.cutCarrier(1);
      const [switch4, switch6] = await Promise.all([p4.firstVia(t0, [2]), p6.firstVia(t0, [2])]);
      const t1 = Date.now();
      await lab.restoreCarrier(1);
      const [back4, back6] = await Promise.all([p4.firstVia(t1, [1], 15000), p6.firstVia(t1, [1], 15000)]);
      done.push({ switch4, switch6, back4, back6 });
    }
    await Promise.all([p4.stop(), p6.stop()]);
    return done;
  } finally {
    await mwan.cleanup();
  }
}

/** Within 10 % of IPv4's median, or within one probe interval (a median of a few tens of ms moves by one attempt). */
const close = (v6: number, v4: number): boolean => Math.abs(v6 - v4) <= Math.max(0.1 * v4, INTERVAL_MS);

export async function switch6Bench(row: Row, results: Record<string, unknown>, count: number): Promise<void> {
  const done = await withLab({ wans: 3, ipv6: true }, (lab) => trials(lab, count));
  const m = (k: keyof Trial) => median(done.map((t) => t[k]));
  const worst = (k: keyof Trial) => Math.max(...done.map((t) => t[k]));
  const what = `realistic config, dual stack (npt), failover tiers 1/2/3, a connection per family every ${INTERVAL_MS} ms (median of ${done.length})`;
  row(
    `carrier loss → new connections on another WAN, IPv4 / IPv6 in the same run, ${what}`,
    `${m('switch4')} / ${m('switch6')} ms (worst ${worst('switch4')} / ${worst('switch6')})`,
    'IPv6 within 10 % of IPv4 (or one interval)',
    close(m('switch6'), m('switch4')),
  );
  row(
    '  carrier back → new connections on it again, IPv4 / IPv6',
    `${m('back4')} / ${m('back6')} ms (worst ${worst('back4')} / ${worst('back6')})`,
    'IPv6 within 10 % of IPv4 (or one interval)',
    close(m('back6'), m('back4')),
  );
  results.carrierSwitch6 = { config: 'realistic, 3 WANs, dual stack, npt', intervalMs: INTERVAL_MS, trials: done };
}
