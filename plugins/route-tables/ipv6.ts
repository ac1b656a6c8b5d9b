// The route-tables plugin's IPv6 half (issue 13): each WAN's IPv6 default in its table, fwmark and source rules, the sysctls a forwarding IPv6 router needs.
import {
  inPrefix6,
  isLinkLocal6,
  network6,
  type DesiredBuilder,
  type WanView,
  type WorldView,
} from '../../plugin-api/index.ts';

/** A global gateway outside the WAN's IPv6 network needs `onlink`; a link-local one is always on the link. */
function onlink6(v6: NonNullable<WanView['ipv6']>): boolean {
  if (!v6.gateway || !v6.address || v6.prefixLength === undefined || isLinkLocal6(v6.gateway)) return false;
  return !inPrefix6(v6.gateway, { address: v6.address, length: v6.prefixLength });
}

/** The WAN's IPv6 routes in its own table (same number, IPv6 FIB): connected network and default via the gateway. */
export function wanRoutes6(d: DesiredBuilder, w: WanView): void {
  const v6 = w.ipv6;
  if (!v6?.routable || !v6.address) return;
  if (v6.prefixLength !== undefined && v6.prefixLength < 128)
    d.route({
      family: 'ipv6',
      table: w.table,
      dst: network6({ address: v6.address, length: v6.prefixLength }),
      dev: w.device,
    });
  if (v6.gateway)
    d.route({
      family: 'ipv6',
      table: w.table,
      dst: 'default',
      via: v6.gateway,
      dev: w.device,
      onlink: onlink6(v6) || undefined,
    });
}

/** `ip -6 rule`s: the WAN's mark and its IPv6 address (so mwan's own IPv6 probes and sockets bound to it route). */
export function wanRules6(d: DesiredBuilder, w: WanView, world: WorldView): void {
  if (!w.ipv6) return;
  const ids = world.layout.wans.get(w.name)!;
  d.rule({ family: 'ipv6', priority: ids.fwmarkPriority, fwmark: w.mark, fwmask: world.layout.mask, table: w.table });
  if (w.ipv6.address) d.rule({ family: 'ipv6', priority: ids.fromPriority, from: w.ipv6.address, table: w.table });
}

/**
 * A router that forwards IPv6 for its LANs: `accept_ra=2` on each IPv6 WAN first (with forwarding on, the kernel
 * otherwise ignores router advertisements and purges the default routes they gave), then forwarding.
 */
export function sysctls6(d: DesiredBuilder, world: WorldView): void {
  const v6 = world.config.ipv6;
  // prefixes mode advertises on lan[]'s devices when ipv6.lan lists none (plugins/ra)
  if (!v6?.lan.length && !(v6?.mode === 'prefixes' && world.lans.length)) return;
  for (const w of world.wans) if (w.ipv6) d.sysctl(`net/ipv6/conf/${w.device}/accept_ra`, 2);
  d.sysctl('net/ipv6/conf/all/forwarding', 1);
}
