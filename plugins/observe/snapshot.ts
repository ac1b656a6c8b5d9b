// What the status page shows, as JSON: the WAN table, policies, forwards and recent events, built from the world view and what the plugin followed.
import type { MwanEvents, WorldView } from '../../plugin-api/index.ts';
import { policyShares, type PolicyShare } from './policies.ts';
import type { Sample, WanHistory } from './samples.ts';

export interface WanRow {
  name: string;
  device: string;
  state: string;
  inService: boolean;
  reason: string | null;
  address: string | null;
  gateway: string | null;
  weight: number;
  tier: number;
  rttMs: number | null;
  lossPct: number | null;
  rxBps: number | null;
  txBps: number | null;
  /** The WAN's share of the default policy's new connections now (0 to 1). */
  share: number;
  quota: MwanEvents['wan.quota'] | null;
  /** The WAN's IPv6 side (absent: none): its own state, service, address and probe figures (null: not measured). */
  ipv6?: WanRow6;
}

export interface WanRow6 {
  state: string;
  inService: boolean;
  reason: string;
  address: string | null;
  gateway: string | null;
  rttMs: number | null;
  lossPct: number | null;
}

/** A WAN view's IPv6 side as the page shows it, beside IPv4's row. */
export function wanRow6(six: NonNullable<WorldView['wans'][number]['ipv6']>): WanRow6 {
  return {
    state: six.state,
    inService: six.inService,
    reason: six.reason,
    address: six.address ? `${six.address}/${six.prefixLength ?? 128}` : null,
    gateway: six.gateway,
    rttMs: six.rttMs ?? null,
    lossPct: six.lossPct ?? null,
  };
}

export interface ForwardRow {
  name: string | null;
  port: string;
  proto: string;
  to: string;
  wans: string[] | null;
}

/** One bus event as the page lists it. */
export interface EventEntry {
  at: string;
  event: string;
  payload: unknown;
}

export interface StatusSnapshot {
  at: string;
  wans: WanRow[];
  policies: PolicyShare[];
  forwards: ForwardRow[];
  events: EventEntry[];
}

/** What the plugin followed beyond the world view: each WAN's last verdict reason and quota. */
export interface Followed {
  reasons: Map<string, string>;
  quotas: Map<string, MwanEvents['wan.quota']>;
}

export function wanRows(world: WorldView, followed: Followed, history: WanHistory): WanRow[] {
  const shares = policyShares(world);
  const byDefault = shares.find(
    (p) => p.name === ((world.config as { defaultPolicy?: string }).defaultPolicy ?? 'default'),
  )?.shares;
  return world.wans.map((w) => {
    const latest: Sample | undefined = history.latest(w.name);
    return {
      name: w.name,
      device: w.device,
      state: w.state,
      inService: w.inService,
      reason: followed.reasons.get(w.name) ?? null,
      address: w.address ? `${w.address}/${w.prefixLength ?? 32}` : null,
      gateway: w.gateway,
      weight: w.weight,
      tier: w.tier,
      rttMs: w.rttMs,
      lossPct: w.lossPct,
      rxBps: latest?.rxBps ?? null,
      txBps: latest?.txBps ?? null,
      share: byDefault?.[w.name] ?? 0,
      quota: followed.quotas.get(w.name) ?? null,
      ...(w.ipv6 ? { ipv6: wanRow6(w.ipv6) } : {}),
    };
  });
}

export function forwardRows(world: WorldView): ForwardRow[] {
  const forwards =
    (
      world.config as {
        forwards?: {
          name?: string;
          port: number | string;
          proto: string;
          to?: string;
          to6?: string;
          wans?: string[];
        }[];
      }
    ).forwards ?? [];
  return forwards.map((f) => ({
    name: f.name ?? null,
    port: String(f.port),
    proto: f.proto,
    to: [f.to, f.to6].filter((t) => t !== undefined).join(', '), // an IPv6-only forward has only `to6`
    wans: f.wans ?? null,
  }));
}

/**
 * The last `capacity` bus events: probe rounds, traffic counters and requests left out (they come every few seconds
 * per WAN), and reconciles that changed nothing (the periodic check).
 */
export class EventLog {
  private readonly entries: EventEntry[] = [];
  static readonly SKIPPED = new Set(['probe.result', 'wan.traffic', 'reconcile.requested']);

  constructor(private readonly capacity: number) {}

  /** Records the event; returns the entry, or null for a skipped one. */
  add(event: string, payload: unknown, now: number): EventEntry | null {
    if (EventLog.SKIPPED.has(event)) return null;
    if (event === 'reconcile.done' && !(payload as { changed?: boolean }).changed) return null;
    const entry = { at: new Date(now).toISOString(), event, payload };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.shift();
    return entry;
  }

  list(): EventEntry[] {
    return [...this.entries];
  }
}
