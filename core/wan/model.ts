// The WAN state model: link facts, addresses, gateway, admin and health inputs, and the state derived from them.
import type { HealthFigures, TargetAnswer, WanStateName } from '../events.ts';
import type { WanConfig } from '../../config/schema/schema.ts';
import type { WanIds } from '../../config/schema/identifiers.ts';
import { subnetOf } from '../../config/schema/addresses.ts';
import type { ForeignDefault, LinkState } from '../system/kernel/adapter.ts';

export type Health = 'unknown' | 'online' | 'degraded' | 'offline';

export interface WanFacts {
  present: boolean;
  adminUp: boolean;
  carrier: boolean;
  pointToPoint: boolean;
  address?: string;
  prefixLength?: number;
  gateway: string | null;
  gatewaySource: 'config' | 'route' | 'point-to-point' | 'none';
}

/** A WAN's IPv6 side as the config or the kernel gives it (issue 13); absent when the WAN has no IPv6. */
export interface Wan6Facts {
  address?: string; // RFC 5952 form, no /128
  prefixLength?: number;
  gateway: string | null; // link-local (with the WAN's device) or global
  gatewaySource: 'config' | 'route' | 'none';
  delegated?: string; // the delegated prefix, e.g. 2001:db8:1:100::/56
  lanPrefix?: string; // what the LAN prefix becomes (npt) or what the LAN advertises (prefixes)
}
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

/** The gateway of the lowest-metric foreign default route on `device` (main table first), of either family. */
export function defaultVia(defaults: ForeignDefault[], device: string): string | undefined {
  return defaults
    .filter((d) => d.dev === device && d.via)
    .sort((a, b) => Number(b.table === 254) - Number(a.table === 254) || (a.metric ?? 0) - (b.metric ?? 0))[0]?.via;
}

/** Picks the gateway: configured, else the one of the device's default route (`defaultVia`). */
export function discoverGateway(
  cfg: WanConfig,
  link: LinkState | undefined,
  defaults: ForeignDefault[],
): Pick<WanFacts, 'gateway' | 'gatewaySource'> {
  if (cfg.gateway !== 'auto') return { gateway: cfg.gateway, gatewaySource: 'config' };
  if (link?.pointToPoint) return { gateway: null, gatewaySource: 'point-to-point' };
  const via = defaultVia(defaults, cfg.device);
  return via ? { gateway: via, gatewaySource: 'route' } : { gateway: null, gatewaySource: 'none' };
}

/** What the WAN's device shows (all false without it: not observed yet, or gone). */
export function factsFromLink(cfg: WanConfig, link: LinkState | undefined, defaults: ForeignDefault[]): WanFacts {
  const first = link?.addresses[0];
  return {
    present: Boolean(link),
    adminUp: link?.adminUp ?? false,
    carrier: link?.carrier ?? false,
    pointToPoint: link?.pointToPoint ?? false,
    address: first?.address,
    prefixLength: first?.prefixLength,
    ...discoverGateway(cfg, link, defaults),
  };
}

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
