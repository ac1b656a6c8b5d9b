// The WAN state model: link facts, addresses, gateway, admin and health inputs, and the state derived from them.
import type { HealthFigures, TargetAnswer, WanStateName } from '../events.ts';
import type { WanConfig } from '../../config/schema/schema.ts';
import type { WanIds } from '../../config/schema/identifiers.ts';
import { subnetOf } from '../../config/schema/addresses.ts';
import type { WanFacts } from '../system/kernel/wan-facts.ts';
import type { Wan6Facts } from '../system/kernel/wan-facts6.ts';

export type Health = 'unknown' | 'online' | 'degraded' | 'offline';

/** A family's state and whether it takes new connections, as deriveState decides them. */
export interface FamilyState {
  state: WanStateName;
  reason: string;
  inService: boolean;
}

/** IPv6's verdict and service, derived like IPv4's by deriveState (issue 13). */
export interface Wan6Runtime extends FamilyState {
  facts: Wan6Facts;
  /** The verdict IPv6 is judged by: its probes' (`own`), or IPv4's when the WAN probes no IPv6 target. */
  health: Health;
  healthReason: string;
  /** What IPv6's own probes last said (absent: none reported yet). */
  own?: { health: Health; reason: string; degradedOut: boolean };
  since: number;
  /** ms since the epoch when IPv6 last left service (undefined while in service). */
  outSince?: number;
  /** The figures of IPv6's own probe rounds (absent: none yet, or no IPv6 targets: shared fate measures nothing). */
  figures?: HealthFigures & { targets?: TargetAnswer[] };
}

export interface WanRuntime {
  name: string;
  config: WanConfig;
  ids: WanIds;
  facts: WanFacts;
  /** false after `mwanctl wan down NAME`. */
  enabled: boolean;
  health: Health;
  healthReason: string;
  /** The figures behind the last health verdict, and each probe target's last answer. */
  figures: HealthFigures & { targets?: TargetAnswer[] };
  /** A degraded verdict whose trigger level takes the WAN out of service. */
  degradedOut: boolean;
  /** ms since the epoch when the WAN last left service (undefined while in service). */
  outSince?: number;
  state: WanStateName;
  reason: string;
  inService: boolean;
  /** ms since the epoch of the last state change. */
  since: number;
  /** Flaps: how often the WAN left service for a failure (offline, link-down, or degraded out of service; not `wan down`) since the daemon started. */
  flaps: number;
  /** The last time it did, and why. */
  lastFailure?: { at: number; reason: string };
  /** Its data quota is used up (the quota plugin): 'offline' leaves service, 'standby' serves only when no other WAN does. */
  quotaOut?: QuotaOut;
  /** An HA pair's single-address uplink that the peer holds now (the ha plugin): 'held-by-peer' while it has no address. */
  heldByPeer?: boolean;
  /** The WAN's IPv6 side (issue 13): absent when its configuration has no `ipv6`. */
  ipv6?: Wan6Runtime;
}

export type QuotaOut = 'standby' | 'offline';

/** Why an HA pair's single-address uplink is out of service on the backup (its link is fine; the master has the address). */
export const HELD_REASON = 'held by the HA peer (a single-address uplink: only the master has its address)';

/** States that are no failure of the WAN: leaving service into them is no flap. */
export const NOT_A_FAILURE: readonly WanStateName[] = ['admin-down', 'held-by-peer'];

/**
 * The one place that decides whether a WAN takes new connections: from its facts, admin flag and the verdict health
 * published (a degraded WAN stays in service unless its trigger level takes it out).
 */
export function deriveState(
  w: Pick<WanRuntime, 'facts' | 'enabled' | 'health' | 'healthReason' | 'degradedOut' | 'quotaOut' | 'heldByPeer'>,
  othersInService = false,
  family: 'ipv4' | 'ipv6' = 'ipv4',
): FamilyState {
  const own = healthState(w, family);
  if (!own.inService || !w.quotaOut) return own;
  if (w.quotaOut === 'offline') return { state: 'offline', reason: 'data quota used up', inService: false };
  // standby: a WAN whose quota is used up carries new connections only while no other WAN can.
  return othersInService
    ? { ...own, reason: 'data quota used up: standby while another WAN is in service', inService: false }
    : { ...own, reason: 'data quota used up: in service as the last WAN left' };
}

function healthState(
  w: Pick<WanRuntime, 'facts' | 'enabled' | 'health' | 'healthReason' | 'degradedOut' | 'heldByPeer'>,
  family: 'ipv4' | 'ipv6',
): FamilyState {
  const f = w.facts;
  if (!w.enabled) return { state: 'admin-down', reason: 'taken out of service by an administrator', inService: false };
  // Before the link checks: a device without an IPv4 address is not even listed by the IPv4 read (present: false).
  if (!f.address && w.heldByPeer) return { state: 'held-by-peer', reason: HELD_REASON, inService: false };
  if (!f.present) return { state: 'link-down', reason: 'device does not exist', inService: false };
  if (!f.adminUp) return { state: 'link-down', reason: 'device is administratively down', inService: false };
  if (!f.carrier) return { state: 'link-down', reason: 'no carrier', inService: false };
  if (!f.address)
    return { state: 'link-down', reason: `no ${family === 'ipv4' ? 'IPv4' : 'IPv6'} address`, inService: false };
  // IPv6 gateways are often link-local routes from RAs, and not discovered yet when the address is: probes judge.
  if (family === 'ipv4' && !f.gateway && f.gatewaySource !== 'point-to-point')
    return { state: 'offline', reason: 'no gateway configured or discovered', inService: false };
  if (w.health === 'offline') return { state: 'offline', reason: w.healthReason, inService: false };
  if (w.health === 'degraded') return { state: 'degraded', reason: w.healthReason, inService: !w.degradedOut };
  return { state: 'online', reason: w.health === 'online' ? w.healthReason : 'link up', inService: true };
}

/** Whether the kernel can hold routes through the WAN's device (it exists, is up and has an address). */
export function canRoute(f: WanFacts): boolean {
  return f.present && f.adminUp && Boolean(f.address);
}

export function wanNetwork(f: WanFacts): string | undefined {
  return f.address && f.prefixLength !== undefined
    ? subnetOf({ address: f.address, prefixLength: f.prefixLength })
    : undefined;
}
