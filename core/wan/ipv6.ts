// A WAN's IPv6 side (issue 13): whether it has one, its facts from the kernel, and its state derived by deriveState.
import type { WanConfig } from '../../config/schema/schema.ts';
import { parseTarget } from '../system/probes/target.ts';
import type { LinkState, Observed6 } from '../system/kernel/adapter.ts';
import { facts6 } from './model6.ts';
import {
  deriveState,
  type FamilyState,
  type Health,
  type Wan6Facts,
  type Wan6Runtime,
  type WanRuntime,
} from './model.ts';

export type { AddressFamily as Family } from '../events.ts';
import type { AddressFamily as Family } from '../events.ts';

/** A probe's family is its target's: an IPv6 address (bare or bracketed) probes IPv6; anything else IPv4. */
export function targetFamily(target: string): Family {
  try {
    return parseTarget(target).family === 6 ? 'ipv6' : 'ipv4';
  } catch {
    return 'ipv4';
  }
}

/** Whether the WAN probes IPv6 targets of its own; without any, IPv6 shares the IPv4 verdict (shared fate). */
export function hasIpv6Targets(cfg: WanConfig): boolean {
  return cfg.probes.some((p) => targetFamily(p.target) === 'ipv6');
}

/** The IPv6 side of a WAN that has one but shows nothing yet. */
export const NO_FACTS6: Wan6Facts = Object.freeze({ gateway: null, gatewaySource: 'none' });

/**
 * The WAN's IPv6 facts: the configured side (`wans[].ipv6`: static, or auto from the kernel's IPv6 observation), else
 * the device's first global IPv6 address (the route-tables side owns IPv6 gateways). Undefined when the WAN has no
 * configured IPv6, shows none and probes none.
 */
export function ipv6Facts(
  cfg: WanConfig,
  link: LinkState | undefined,
  obs: Observed6 | undefined,
): Wan6Facts | undefined {
  const configured = facts6(cfg, obs);
  if (configured) return configured;
  const first = link?.addresses6?.[0];
  if (!first && !hasIpv6Targets(cfg)) return undefined;
  return first ? { address: first.address, prefixLength: first.prefixLength, ...NO_FACTS6 } : NO_FACTS6;
}

/** A fresh IPv6 side: not judged yet. */
export function initialIpv6(facts: Wan6Facts, now: number): Wan6Runtime {
  return {
    facts,
    health: 'unknown',
    healthReason: '',
    state: 'unknown',
    reason: 'not observed yet',
    inService: false,
    since: now,
  };
}

/**
 * The verdict IPv6 is judged by: its own probes' (unknown until they report), or (shared fate: the WAN probes no
 * IPv6 target) IPv4's, said in the reason.
 */
export function ipv6Verdict(w: WanRuntime): { health: Health; healthReason: string; degradedOut: boolean } {
  const own =
    w.ipv6?.own ?? (hasIpv6Targets(w.config) ? { health: 'unknown', reason: '', degradedOut: false } : undefined);
  if (own) return { health: own.health, healthReason: own.reason, degradedOut: own.degradedOut };
  const shared = w.healthReason ? `${w.healthReason} (shared with IPv4: no IPv6 probe targets)` : '';
  return { health: w.health, healthReason: shared, degradedOut: w.degradedOut };
}

/**
 * IPv6's state by the same deriveState as IPv4's: the link facts (device, carrier) are the WAN's; the address is
 * IPv6's (none: link-down for IPv6 only); the verdict is `verdict`.
 */
export function deriveIpv6(
  w: WanRuntime,
  six: Wan6Runtime,
  verdict: { health: Health; healthReason: string; degradedOut: boolean },
  othersInService: boolean,
): FamilyState {
  const facts = {
    ...w.facts,
    address: six.facts.address,
    prefixLength: six.facts.prefixLength,
    gateway: six.facts.gateway,
    gatewaySource: six.facts.gatewaySource,
  };
  const derived = deriveState({ ...verdict, facts, enabled: w.enabled, quotaOut: w.quotaOut }, othersInService, 'ipv6');
  // A configured IPv6 side routes through its gateway: without one (none configured, no RA default yet) it can't serve.
  if (derived.inService && w.config.ipv6 && !six.facts.gateway)
    return { state: 'offline', reason: 'no IPv6 gateway configured or discovered', inService: false };
  return derived;
}
