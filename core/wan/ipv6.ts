// A WAN's IPv6 side (issue 13): a fresh one, the verdict it is judged by, and its state derived by deriveState.
import { hasIpv6Targets } from '../system/probes/target.ts';
import type { Wan6Facts } from '../system/kernel/wan-facts6.ts';
import { deriveState, type FamilyState, type Health, type Wan6Runtime, type WanRuntime } from './model.ts';

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
