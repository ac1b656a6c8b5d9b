// The snat plugin's IPv6 half (issue 13, ipv6.mode npt): LAN IPv6 leaving a WAN is translated to its lanPrefix (NPTv6, host part kept) or masqueraded.
import type { WorldView } from '../../plugin-api/index.ts';

/**
 * `ip6 saddr <LAN prefix> oifname <wan> snat ip6 prefix to <lanPrefix>` per WAN with `nat66: npt` (nft's prefix NAT:
 * conntrack NAT that keeps the host part, so a moved or failed-over connection behaves as IPv4's), or `masquerade`
 * for `nat66: masquerade`. Placed before the IPv4 rules (whose plain `masquerade` would match IPv6 too).
 */
export function nat66Rules(world: WorldView): string[] {
  const v6 = world.config.ipv6;
  // prefixes mode: IPv6 leaves with the host's own source (RFC 8678); the IPv4 rules' plain masquerade must not match it.
  if (v6?.mode === 'prefixes') return ['meta nfproto ipv6 accept'];
  if (v6?.mode !== 'npt' || v6.lan.length === 0) return [];
  const inside = `{ ${v6.lan.map((l) => l.prefix).join(', ')} }`;
  return world.wans.flatMap((w) => {
    if (!w.ipv6) return [];
    const mode = w.config.ipv6?.nat66 ?? 'npt';
    if (mode === 'masquerade') return [`ip6 saddr ${inside} oifname "${w.device}" masquerade`];
    if (!w.ipv6.lanPrefix) return [];
    return v6.lan.map((l) => `ip6 saddr ${l.prefix} oifname "${w.device}" snat ip6 prefix to ${w.ipv6!.lanPrefix}`);
  });
}
