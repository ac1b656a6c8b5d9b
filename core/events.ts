// The typed event map: every event name on the bus and the JSON-serialisable payload it carries.

/** Why a WAN is (or is not) in service, as shown in status and events. */
export type WanStateName = 'unknown' | 'online' | 'degraded' | 'offline' | 'link-down' | 'admin-down';

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

/** One probe round of one WAN: each target's answer and the window's figures. */
export interface ProbeRound extends HealthFigures {
  wan: string;
  /** The family of the targets probed (a WAN with targets of both families has a round of each). */
  family?: AddressFamily;
  ok: boolean;
  targets: { target: string; method: string; ok: boolean | null; rttMs: number | null }[];
}

export interface MwanEvents {
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
  /** A WAN has been out of service longer than the configured long-down time. */
  'wan.longdown': WanChange;
  /** A probe round finished for a WAN. */
  'probe.result': ProbeRound;
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
  /** An adaptive strategy changed a policy's kernel weights (null: back to the configured weights). */
  'policy.weights': { policy: string; weights: Record<string, number> | null; reason: string };
  /** An ifupdown hook reported a phase for an interface. */
  'hook.ifupdown': { iface: string; phase: string };
  /** A WAN's kernel traffic counters: cumulative since the daemon started, published every 5 s. */
  'wan.traffic': {
    wan: string;
    rxBytes: number;
    txBytes: number;
    rxPackets: number;
    txPackets: number;
    newConnections: number;
  };
  /** A WAN's data quota: its use, and each change of state (a threshold crossed, used up, a new period). */
  'wan.quota': {
    wan: string;
    usedBytes: number;
    limitBytes: number;
    percent: number;
    state: 'ok' | 'warned' | 'exhausted';
    threshold: number | null;
  };
  /** keepalived told the daemon this node's new VRRP role (`mwanctl ha master|backup|fault` from its notify script). */
  'ha.notify': { role: 'master' | 'backup' | 'fault'; at: number };
  /** This node of an HA pair changed role (the ha plugin publishes it once per change; previous null at start). */
  'ha.role': {
    node: string;
    peer: string;
    role: 'master' | 'backup' | 'fault';
    previous: 'master' | 'backup' | 'fault' | null;
  };
  /**
   * What this node of an HA pair knows of its peer's configuration changed: the hashes match, differ (in `sections`),
   * or the peer does not answer on the peer channel.
   */
  'ha.peer': {
    node: string;
    peer: string;
    config: 'matches' | 'differs' | 'unreachable';
    previous: 'matches' | 'differs' | 'unreachable' | null;
    sections: string[];
  };
}

export type EventName = keyof MwanEvents;

/** Every event name, for taps that follow the whole bus (`mwanctl events`). The compiler keeps it complete: */
export const ALL_EVENTS = [
  'link.up',
  'link.down',
  'addr.changed',
  'gateway.changed',
  'wan.online',
  'wan.degraded',
  'wan.offline',
  'wan.longdown',
  'probe.result',
  'wan.admin',
  'config.loaded',
  'reconcile.requested',
  'reconcile.done',
  'reconcile.failed',
  'policy.weights',
  'hook.ifupdown',
  'wan.traffic',
  'wan.quota',
  'ha.notify',
  'ha.role',
  'ha.peer',
] as const satisfies readonly EventName[];
/** Names of the map missing from ALL_EVENTS: a missing one makes this `true` an error naming it. */
type MissingEvents = Exclude<EventName, (typeof ALL_EVENTS)[number]>;
const allEventsListed: [MissingEvents] extends [never] ? true : MissingEvents = true;
void allEventsListed;
