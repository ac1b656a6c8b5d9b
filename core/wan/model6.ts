// A WAN's IPv6 side (issue 13): its facts from the configuration or the kernel, and its service derived from them.
import type { WanConfig } from '../../config/schema/schema.ts';
import { network6, inPrefix6, parsePrefix6 } from '../../config/schema/addresses6.ts';
import { canonicalIPv6 } from '../system/ipv6-text.ts';
import type { Observed6 } from '../system/kernel/adapter.ts';
import { defaultVia, type Wan6Facts } from './model.ts';

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
