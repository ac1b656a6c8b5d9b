// A WAN's IPv6 facts (issue 13): configured values, or `auto` ones and the device's address read from the kernel.
import type { WanConfig } from '../../../config/schema/schema.ts';
import { network6, inPrefix6, parsePrefix6 } from '../../../config/schema/addresses6.ts';
import { canonicalIPv6 } from '../ipv6-text.ts';
import { hasIpv6Targets } from '../probes/target.ts';
import type { LinkState, Observed6 } from './adapter.ts';
import { defaultVia } from './wan-facts.ts';

/** A WAN's IPv6 side as the config or the kernel gives it (issue 13); absent when the WAN has no IPv6. */
export interface Wan6Facts {
  address?: string; // RFC 5952 form, no /128
  prefixLength?: number;
  gateway: string | null; // link-local (with the WAN's device) or global
  gatewaySource: 'config' | 'route' | 'none';
  delegated?: string; // the delegated prefix, e.g. 2001:db8:1:100::/56
  lanPrefix?: string; // what the LAN prefix becomes (npt) or what the LAN advertises (prefixes)
}

/** The first /64 of a delegated prefix: the LAN prefix when the configuration names none. */
export function firstSlash64(delegated: string): string | undefined {
  const p = parsePrefix6(delegated);
  return p && p.length <= 64 ? network6({ address: p.address, length: 64 }) : undefined;
}

/**
 * The delegated prefix of a WAN whose `prefix` is auto: an unreachable/blackhole prefix a DHCPv6-PD client left in
 * main (they do not name the WAN) that shares the WAN address's /48, else the only one when exactly one exists.
 */
function autoDelegated(address: string | undefined, obs: Observed6 | undefined): string | undefined {
  const candidates = (obs?.delegated ?? []).filter((d) => d.dev === undefined).map((d) => d.prefix);
  const sameBlock = address
    ? candidates.find((p) => inPrefix6(address, { address: parsePrefix6(p)!.address, length: 48 }))
    : undefined;
  return sameBlock ?? (candidates.length === 1 ? candidates[0] : undefined);
}

/** The WAN's IPv6 facts: static values from `wans[].ipv6`, `auto` ones from the kernel's IPv6 observation. */
export function facts6(cfg: WanConfig, obs: Observed6 | undefined): Wan6Facts | undefined {
  const c = cfg.ipv6;
  if (!c) return undefined;
  let address: string | undefined;
  let prefixLength: number | undefined;
  if (c.address !== 'auto') {
    const p = parsePrefix6(c.address)!;
    address = p.address;
    prefixLength = p.length;
  } else {
    const found = obs?.addresses.find((a) => a.dev === cfg.device);
    address = found?.address;
    prefixLength = found?.prefixLength;
  }
  const via = c.gateway === 'auto' ? defaultVia(obs?.defaults ?? [], cfg.device) : undefined;
  const gateway: Pick<Wan6Facts, 'gateway' | 'gatewaySource'> =
    c.gateway !== 'auto'
      ? { gateway: canonicalIPv6(c.gateway), gatewaySource: 'config' }
      : { gateway: via ?? null, gatewaySource: via ? 'route' : 'none' };
  const delegated = c.prefix !== 'auto' ? network6(parsePrefix6(c.prefix)!) : autoDelegated(address, obs);
  const lanPrefix = c.lanPrefix ? network6(parsePrefix6(c.lanPrefix)!) : delegated && firstSlash64(delegated);
  const out: Wan6Facts = { address, prefixLength, ...gateway, delegated, lanPrefix };
  for (const k of Object.keys(out) as (keyof Wan6Facts)[]) if (out[k] === undefined) delete out[k];
  return out;
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
