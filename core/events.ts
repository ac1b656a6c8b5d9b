// The typed event map: the core's event names and JSON-serialisable payloads; plugins merge theirs into it.

/** Why a WAN is (or is not) in service, as shown in status and events. */
export type WanStateName =
  | 'unknown'
  | 'online'
  | 'degraded'
  | 'offline'
  | 'link-down'
  | 'admin-down'
  /** An HA pair's single-address uplink while the peer (the master) holds it: not a failure, not probed here. */
  | 'held-by-peer';

/** The figures behind a health verdict: round-trip time and loss over the sliding window. */
export interface HealthFigures {
  rttMs: number | null;
  lossPct: number | null;
}

/** An address family: a WAN's IPv4 and IPv6 sides each have their own verdict and service (issue 13). */
export type AddressFamily = 'ipv4' | 'ipv6';

/**
 * A WAN state change of one family: why, the figures that decided it, and how long that family had been out of
 * service. A WAN without IPv6 probe targets changes both families together (shared fate): one event each.
 */
export interface WanChange extends Partial<HealthFigures> {
  wan: string;
  /** The registry always sets it; absent (events built elsewhere, older recordings) reads as 'ipv4'. */
  family?: AddressFamily;
  reason: string;
  downForMs?: number;
}

/** A probe target's answer in the last round (ok null: no probe was due). */
export interface TargetAnswer {
  target: string;
  method: string;
  ok: boolean | null;
  rttMs: number | null;
}

export interface CoreEvents {
  /** Carrier (or admin state) came up on a device. */
  'link.up': { device: string };
  /** Carrier was lost or the device was set down. */
  'link.down': { device: string };
  /** The IPv4 addresses on a device changed. */
  'addr.changed': { device: string; addresses: string[] };
  /** The gateway discovered for a WAN device changed. */
  'gateway.changed': { device: string; gateway: string | null };
  /** A WAN entered service (it now receives new connections). */
  'wan.online': WanChange;
  /** A WAN is reachable but its quality is below the configured thresholds. */
  'wan.degraded': WanChange;
  /** A WAN left service. */
  'wan.offline': WanChange;
  /** An administrator took a WAN out of service (`mwanctl wan down`) or put it back. */
  'wan.admin': { wan: string; enabled: boolean };
  /** A configuration was loaded and validated. */
  'config.loaded': { source: string; wans: string[] };
  /** Something asked for the kernel state to be brought up to date. */
  'reconcile.requested': { reason: string };
  /** A reconcile finished; `changed` is false when the kernel already matched. */
  'reconcile.done': {
    reason: string;
    changed: boolean;
    ms: number;
    nftLines: number;
    ipLines: number;
    sysctls: number;
  };
  /** A reconcile failed; the previous kernel state is left in place. */
  'reconcile.failed': { reason: string; error: string };
  /** An ifupdown hook reported a phase for an interface. */
  'hook.ifupdown': { iface: string; phase: string };
}

/**
 * Every event on the bus: the core's, and those plugins declare in their `events.ts` by declaration merging
 * (`declare module '../../plugin-api/index.ts' { interface MwanEvents { ... } }`), listing them in `MwanPlugin.events`.
 */
export interface MwanEvents extends CoreEvents {}

export type EventName = keyof MwanEvents;

/** The core's event names. The compiler keeps the list complete: */
export const CORE_EVENTS = [
  'link.up',
  'link.down',
  'addr.changed',
  'gateway.changed',
  'wan.online',
  'wan.degraded',
  'wan.offline',
  'wan.admin',
  'config.loaded',
  'reconcile.requested',
  'reconcile.done',
  'reconcile.failed',
  'hook.ifupdown',
] as const satisfies readonly (keyof CoreEvents)[];
/** Names of the core's map missing from CORE_EVENTS: a missing one makes this `true` an error naming it. */
type MissingEvents = Exclude<keyof CoreEvents, (typeof CORE_EVENTS)[number]>;
const allEventsListed: [MissingEvents] extends [never] ? true : MissingEvents = true;
void allEventsListed;

/** Every event name: the core's, then each plugin's (`MwanPlugin.events`), for completion and the docs. */
export function eventNames(plugins: readonly { events?: readonly EventName[] }[]): EventName[] {
  return [...CORE_EVENTS, ...plugins.flatMap((p) => p.events ?? [])];
}
