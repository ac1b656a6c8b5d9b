// The realistic config on the standard lab (isp<i> on wan<i>, probes to the lab's two servers) and a recorder of the daemon's events.
import type { Lab, ManagedProcess } from '../kit/lab/topology.ts';
import { MWANCTL, mwanFor, type Mwan } from '../kit/lab/fixture.ts';
import { waitFor } from '../kit/time.ts';
import { realisticConfig, type RealisticOptions } from './realistic-config.ts';

/** Adds a line to the benchmark table (bench.ts's `row`). */
export type Row = (what: string, value: string, target: string, ok: boolean | null) => void;

type Extra = Partial<Pick<RealisticOptions, 'rules' | 'forwards' | 'mode' | 'extra'>> & {
  /** Puts isp<i> in tier i (for failover). */
  tiers?: boolean;
  /** A dual-stack lab: each WAN's IPv6 side and the LAN's ULA prefix, mode npt (issue 13). */
  ipv6?: boolean;
};

/** An mwan for `lab` whose config is the one users run: probes, LAN, firewall, forwards, a policy with rules. */
export function realisticMwan(lab: Lab, { tiers, ipv6, ...o }: Extra = {}): Mwan {
  return mwanFor(lab, (dir) => {
    const config = realisticConfig({
      wan: (i) => ({ name: `isp${i}`, device: `wan${i}`, gateway: lab.addr.ispGateway(i) }),
      wans: lab.wans,
      lanDevice: 'lan0',
      dir,
      probeTargets: [lab.addr.server, lab.addr.server2],
      forwardTo: lab.addr.client,
      ...o,
    });
    if (tiers) for (const [k, w] of (config.wans as Record<string, unknown>[]).entries()) w.tier = k + 1;
    if (ipv6) {
      for (const [k, w] of (config.wans as Record<string, unknown>[]).entries()) {
        const i = k + 1;
        w.ipv6 = {
          address: `${lab.addr6.routerWan(i)}/64`,
          gateway: lab.addr6.ispGateway(i),
          prefix: lab.addr6.delegated(i),
        };
      }
      config.ipv6 = { mode: 'npt', lan: [{ device: 'lan0', prefix: lab.addr6.lanPrefix }] };
    }
    return config;
  });
}

/** Waits until every WAN has a probe answer (the daemon is past its start and in steady state). */
export async function waitProbed(mwan: Mwan, timeoutMs = 20000): Promise<void> {
  await waitFor(
    async () => {
      const r = await mwan.ctl(['status', '--json']);
      if (r.exitCode !== 0) return false;
      const s = JSON.parse(r.stdout) as { wans: { rttMs: number | null }[] };
      return s.wans.every((w) => w.rttMs !== null);
    },
    timeoutMs,
    'probe answers on every WAN',
  );
}

export interface DaemonEvent {
  event: string;
  payload: Record<string, unknown>;
  /** Epoch ms. */
  at: number;
}

export interface EventRecorder {
  readonly events: readonly DaemonEvent[];
  /** The first event named `name` at or after `since` (epoch ms) whose payload has the given fields, waiting for it. */
  first(name: string, since: number, match?: Record<string, unknown>, timeoutMs?: number): Promise<DaemonEvent>;
  stop(): Promise<void>;
}

/** Follows `mwanctl events` in the router namespace and keeps every event with its time. */
export async function recordEvents(lab: Lab, mwan: Mwan): Promise<EventRecorder> {
  const proc: ManagedProcess = lab.spawn(lab.ns.router, [
    process.execPath,
    MWANCTL,
    '--config',
    mwan.configPath,
    'events',
  ]);
  const events: DaemonEvent[] = [];
  let closed = false;
  void (async () => {
    while (!closed) {
      const line = await proc.nextLine(3_600_000).catch(() => null);
      if (line === null) return;
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as { event: string; payload: Record<string, unknown>; at: string };
      events.push({ event: e.event, payload: e.payload ?? {}, at: Date.parse(e.at) });
    }
  })();
  // The stream is live once it carries an event; a probe round comes every 150 ms.
  await waitFor(async () => events.length > 0, 15000, 'the daemon event stream');
  const matches = (e: DaemonEvent, name: string, since: number, m: Record<string, unknown>) =>
    e.event === name && e.at >= since && Object.entries(m).every(([k, v]) => e.payload[k] === v);
  return {
    events,
    async first(name, since, match = {}, timeoutMs = 10000) {
      let found: DaemonEvent | undefined;
      await waitFor(
        async () => {
          found = events.find((e) => matches(e, name, since, match));
          return found !== undefined;
        },
        timeoutMs,
        `event ${name} ${JSON.stringify(match)}`,
      );
      return found!;
    },
    async stop() {
      closed = true;
      await proc.kill();
    },
  };
}
