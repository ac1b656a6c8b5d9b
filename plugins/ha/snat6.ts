// The HA pair's IPv6 source NAT (npt mode): WANs that masquerade IPv6 translate to the WAN's virtual IPv6 address instead.
import type { WorldView } from '../../plugin-api/index.ts';
import type { Ha6 } from './options6.ts';

/**
 * `ip6 saddr <LAN prefixes> oifname <wan> snat ip6 to <ha.wans6 address>` for each WAN with `nat66: masquerade` in
 * `ipv6.mode: npt` (masquerade would pick the router's own address, which the peer does not have). WANs with
 * `nat66: npt` need nothing: the prefix translation is the same on both routers and conntrackd carries the entries.
 */
export function haSnat6Rules(world: WorldView, ha: Ha6): string[] {
  const v6 = world.config.ipv6;
  if (v6?.mode !== 'npt' || v6.lan.length === 0) return [];
  const inside = `{ ${v6.lan.map((l) => l.prefix).join(', ')} }`;
  return world.wans.flatMap((w) => {
    const vip = ha.wans6?.[w.name];
    if (!vip || !w.ipv6 || w.config.ipv6?.nat66 !== 'masquerade') return [];
    return [`ip6 saddr ${inside} oifname "${w.device}" snat ip6 to ${vip}`];
  });
}
