// Builds the status report (per WAN state, device, gateway, weight/tier, mark, table, since, share of new connections).
import { hex } from '../../config/schema/validators.ts';
import type { Engine } from '../../core/engine.ts';
import { policyStatus, type PolicyStatus } from '../../plugins/policies/status.ts';
import type { QuotaFigures, StatusExtras } from './status-extras.ts';
import { hasIpv6Targets } from '../../core/system/probes/target.ts';
import type { TargetAnswer } from '../../core/events.ts';

const DAY_MS = 86_400_000;

export interface WanStatus {
  name: string;
  state: string;
  inService: boolean;
  active: boolean;
  reason: string;
  device: string;
  address: string | null;
  gateway: string | null;
  weight: number;
  tier: number;
  mark: string;
  table: number;
  since: string;
  newConnections: number;
  share: number | null;
  /** Probe figures over the health window (null without probes), and each target's last answer. */
  rttMs: number | null;
  lossPct: number | null;
  targets: TargetAnswer[];
  /** Reverse-path filtering on the WAN device: its value, `all`'s, and the effective mode (the larger wins); null values when unreadable. */
  rpFilter: RpFilterStatus;
  /** How often the WAN left service for a failure since the daemon started, and the last time (ISO) with why. */
  flaps: number;
  /** The same in the last 24 h, from the history (which outlives daemon restarts). */
  flaps24h: number;
  /** The last failure the daemon saw, else the last one in the history. */
  lastFailure: { at: string; reason: string } | null;
  /** Its data quota's use (null without a quota, or before the first reading). */
  quota: QuotaFigures | null;
  /** The WAN's IPv6 side, with its own state (absent: the WAN has no IPv6); the fields above are IPv4's. */
  ipv6?: Wan6Status;
}
/** A WAN's IPv6 state; `sharedFate`: it has no IPv6 probe targets, so IPv6 takes the IPv4 verdict. */
export interface Wan6Status {
  family: 'ipv6';
  state: string;
  inService: boolean;
  reason: string;
  address: string | null;
  gateway: string | null;
  since: string;
  sharedFate: boolean;
  /** IPv6's own probe figures, as IPv4's above (null and none under shared fate: IPv6 is not measured then). */
  rttMs: number | null;
  lossPct: number | null;
  targets: WanStatus['targets'];
}
export type { PolicyStatus };
export interface RpFilterStatus {
  device: number | null;
  all: number | null;
  mode: 'off' | 'strict' | 'loose' | null;
}
export interface StatusReport {
  mode: string;
  daemon: boolean;
  pid: number | null;
  wans: WanStatus[];
  lastReconcile: { at: string; reason: string; ms: number; changed: boolean; error?: string } | null;
  /** The last ifupdown hook the daemon heard from. */
  lastHook?: { iface: string; phase: string; at: string } | null;
  /** With policies or rules configured: the policies in use (the default one first). */
  policies?: PolicyStatus[];
  /** What plugins report (the ha plugin: role, peer, sync counters), by plugin name; the daemon's only. */
  plugins?: Record<string, unknown>;
  /** Set while an `apply --confirm` waits for `mwanctl confirm`. */
  confirmPending?: { secondsLeft: number } | null;
}

/** Flaps in the last 24 h and the last failure: the history's, or the registry's when it knows a later one. */
function failures(
  w: ReturnType<Engine['wans']>[number],
  extras: StatusExtras | undefined,
  now: number,
): Pick<WanStatus, 'flaps24h' | 'lastFailure'> {
  const h = extras?.ring.failures(w.name, now - DAY_MS);
  // This daemon's own last failure is the latest (the history records the same one); before it, the history's.
  const last = w.lastFailure ?? (h?.last ? { at: h.last.at, reason: h.last.reason } : null);
  return {
    flaps24h: h ? h.flaps : w.flaps,
    lastFailure: last ? { at: new Date(last.at).toISOString(), reason: last.reason } : null,
  };
}

const rpKey = (dev: string) => `net/ipv4/conf/${dev}/rp_filter`;
const num = (v: string | null | undefined): number | null =>
  v === null || v === undefined || !/^\d+$/.test(v.trim()) ? null : Number(v);

/** The kernel uses max(all, device): 0 off, 1 strict, 2 loose. */
export function rpFilterStatus(device: number | null, all: number | null): RpFilterStatus {
  if (device === null) return { device, all, mode: null };
  const effective = Math.max(device, all ?? 0);
  return { device, all, mode: effective === 0 ? 'off' : effective === 1 ? 'strict' : 'loose' };
}

export function ipv6Status(w: ReturnType<Engine['wans']>[number]): Wan6Status {
  const six = w.ipv6!;
  return {
    family: 'ipv6',
    state: six.state,
    inService: six.inService,
    reason: six.reason,
    address: six.facts.address ?? null,
    gateway: six.facts.gateway,
    since: new Date(six.since).toISOString(),
    sharedFate: !hasIpv6Targets(w.config),
    // As IPv4's: a side without a link has no current figures, whatever the last round measured.
    ...(six.state === 'link-down' || !six.figures
      ? { rttMs: null, lossPct: null, targets: [] }
      : { rttMs: six.figures.rttMs, lossPct: six.figures.lossPct, targets: six.figures.targets ?? [] }),
  };
}

export async function buildStatus(engine: Engine, daemon: boolean, extras?: StatusExtras): Promise<StatusReport> {
  const now = Date.now();
  const devices = engine.wans().map((w) => w.config.device);
  const [current, rp] = await Promise.all([
    engine.readKernel(),
    engine.readSysctls([rpKey('all'), ...devices.map(rpKey)]),
  ]);
  const world = engine.world();
  const activeNames = new Set(world.active.map((w) => w.name));
  const counts = engine.wans().map((w) => current.nft?.counters.get(`new_wan${w.ids.id}`)?.packets ?? 0);
  const total = counts.reduce((a, b) => a + b, 0);
  const last = engine.lastReconcile();
  return {
    mode: engine.config.mode,
    daemon,
    pid: daemon ? process.pid : null,
    wans: engine.wans().map((w, i) => ({
      name: w.name,
      state: w.state,
      inService: w.inService,
      active: activeNames.has(w.name),
      reason: w.reason,
      device: w.config.device,
      address: w.facts.address ?? null,
      gateway: w.facts.gateway,
      weight: w.config.weight,
      tier: w.config.tier,
      mark: hex(w.ids.mark),
      table: w.ids.table,
      since: new Date(w.since).toISOString(),
      newConnections: counts[i],
      share: total ? counts[i] / total : null,
      // A WAN without a link has no current figures, whatever the last probe round measured.
      ...(w.state === 'link-down'
        ? { rttMs: null, lossPct: null, targets: [] }
        : { rttMs: w.figures.rttMs, lossPct: w.figures.lossPct, targets: w.figures.targets ?? [] }),
      flaps: w.flaps,
      ...failures(w, extras, now),
      quota: w.config.quota ? (extras?.quotas.get(w.name) ?? null) : null,
      rpFilter: rpFilterStatus(num(rp[rpKey(w.config.device)]), num(rp[rpKey('all')])),
      ...(w.ipv6 ? { ipv6: ipv6Status(w) } : {}),
    })),
    ...(engine.config.rules.length || Object.keys(engine.config.policies).length
      ? { policies: policyStatus(world) }
      : {}),
    lastReconcile: last
      ? {
          at: new Date(last.at).toISOString(),
          reason: last.reason,
          ms: Math.round(last.ms * 10) / 10,
          changed: last.changed,
          error: last.error,
        }
      : null,
  };
}
