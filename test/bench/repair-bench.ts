// Repair benchmark: time from another tool deleting mwan's nft table, one of its ip rules or one of its routes to mwan's repair (daemon on a realistic config).
import { createLab } from '../kit/lab/topology.ts';
import type { ManagedProcess } from '../kit/lab/processes.ts';
import { startServers } from '../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../kit/lab/fixture.ts';
import { layoutOf } from '../kit/lab/helpers.ts';
import type { Row } from './health-bench.ts';
import { median, round } from './stats.ts';
import { waitFor } from '../kit/time.ts';

/** The goal of issue 9: a deleted table, rule or route is back within a second. */
const GOAL_MS = 1000;
/** Between deletions: lets the repair's own notifications pass, and keeps each kind within the repair rate limit (one every 2 s after a burst of 5). */
const PAUSE_MS = 700;

interface Target {
  name: string;
  delete: string[];
  deleted: RegExp;
  repaired: RegExp;
  monitor: 'nft' | 'ip';
}

/**
 * Deletion → repair, both seen in one monitor's output inside the router (the same delay on both ends): the deletion's
 * notification starts the clock, the notification of the repair's commit stops it.
 */
async function timeRepair(
  run: (argv: string[]) => Promise<unknown>,
  monitor: ManagedProcess,
  t: Target,
): Promise<number> {
  const seen = monitor.waitForLine(t.deleted, 10000).then(() => performance.now());
  await run(t.delete);
  const t0 = await seen;
  await monitor.waitForLine(t.repaired, 10000);
  return performance.now() - t0;
}

export async function repairBench(row: Row, results: Record<string, unknown>, trials = 10): Promise<void> {
  const lab = await createLab({ wans: 3 });
  let mwan: Mwan | undefined;
  const monitors: ManagedProcess[] = [];
  try {
    await startServers(lab);
    mwan = mwanFor(lab);
    const cfg = labConfig(lab, mwan.dir, {
      extra: {
        forwards: [
          { name: 'web', port: 8080, to: lab.addr.client },
          { name: 'ssh', port: 2222, to: `${lab.addr.client}:22` },
        ],
      },
    });
    for (const w of cfg.wans as Record<string, unknown>[])
      w.probes = [
        { method: 'icmp', target: lab.addr.server },
        { method: 'icmp', target: lab.addr.server2 },
      ];
    mwan.writeConfig(cfg);
    await mwan.startDaemon();
    const status = async () =>
      JSON.parse((await mwan!.ctl(['status', '--json'])).stdout) as { wans: { rttMs: number | null }[] };
    await waitFor(
      async () => (await status()).wans.every((w) => w.rttMs !== null),
      15000,
      'probe answers on every WAN',
    );
    const { balancePriority, balanceTable, nftTable, routeProtocol } = layoutOf(mwan);
    const nft = lab.spawn(lab.ns.router, ['nft', 'monitor']);
    const ip = lab.spawn(lab.ns.router, ['ip', '-N', 'monitor', 'rule', 'route']);
    monitors.push(nft, ip);
    await new Promise((r) => setTimeout(r, 300));
    const targets: Target[] = [
      {
        name: `nft table inet ${nftTable}`,
        monitor: 'nft',
        delete: ['nft', 'delete', 'table', 'inet', nftTable],
        deleted: new RegExp(`^delete table inet ${nftTable}$`),
        repaired: new RegExp(`^add table inet ${nftTable}$`),
      },
      {
        name: `ip rule ${balancePriority}`,
        monitor: 'ip',
        delete: ['ip', 'rule', 'del', 'pref', String(balancePriority)],
        deleted: new RegExp(`^Deleted ${balancePriority}:\\t.*proto ${routeProtocol}`),
        repaired: new RegExp(`^${balancePriority}:\\t.*proto ${routeProtocol}`),
      },
      {
        name: `multipath default route (table ${balanceTable})`,
        monitor: 'ip',
        delete: ['ip', 'route', 'del', 'default', 'table', String(balanceTable)],
        deleted: new RegExp(`^Deleted default .*table ${balanceTable} .*proto ${routeProtocol}`),
        repaired: new RegExp(`^default .*table ${balanceTable} .*proto ${routeProtocol}`),
      },
    ];
    const times: number[][] = targets.map(() => []);
    for (let i = 0; i < trials; i++) {
      for (const [k, t] of targets.entries()) {
        times[k].push(await timeRepair((argv) => lab.exec(lab.ns.router, argv), t.monitor === 'nft' ? nft : ip, t));
        await new Promise((r) => setTimeout(r, PAUSE_MS));
      }
    }
    results.repair = Object.fromEntries(targets.map((t, k) => [t.name, { trials, ms: times[k].map((x) => round(x)) }]));
    for (const [k, t] of targets.entries()) {
      const m = median(times[k]);
      row(
        `${t.name} deleted → repaired by the daemon (median of ${trials})`,
        `${round(m)} ms (worst ${round(Math.max(...times[k]))})`,
        `≤ ${GOAL_MS} ms`,
        m <= GOAL_MS,
      );
    }
  } finally {
    for (const m of monitors) await m.kill().catch(() => undefined);
    await mwan?.cleanup();
    await lab.teardown();
  }
}
