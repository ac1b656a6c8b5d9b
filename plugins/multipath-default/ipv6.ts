// The multipath-default plugin's IPv6 half (issue 13): the weighted IPv6 default over the WANs in service for IPv6, in the same balance table's IPv6 FIB.
import { inServiceFor, type DesiredBuilder, type WanView, type WorldView } from '../../plugin-api/index.ts';

/**
 * The WANs that take new IPv6 connections by default: the active ones (tiers and the default policy applied) that
 * are in service for IPv6; when none of those is, every WAN in service for IPv6 (balanced) or its lowest tier.
 */
export function active6(world: WorldView): WanView[] {
  const own = world.active.filter((w) => inServiceFor(w, 'ipv6'));
  if (own.length) return own;
  const live = world.wans.filter((w) => inServiceFor(w, 'ipv6'));
  if (world.mode === 'balanced' || live.length === 0) return live;
  const best = Math.min(...live.map((w) => w.tier));
  return live.filter((w) => w.tier === best);
}

export function multipath6(d: DesiredBuilder, world: WorldView, scale: (weights: number[]) => number[]): void {
  if (!world.wans.some((w) => w.ipv6)) return;
  const { layout } = world;
  d.rule({ family: 'ipv6', priority: layout.suppressPriority, table: 254, suppressPrefixLength: 0 });
  d.rule({ family: 'ipv6', priority: layout.balancePriority, table: layout.balanceTable });
  d.sysctl('net/ipv6/fib_multipath_hash_policy', 1);
  const paths = active6(world).filter((w) => w.ipv6?.routable && w.ipv6.gateway);
  if (paths.length === 0) return;
  const weights = scale(paths.map((w) => w.weight));
  d.route({
    family: 'ipv6',
    table: layout.balanceTable,
    dst: 'default',
    nexthops: paths.map((w, i) => ({ via: w.ipv6!.gateway!, dev: w.device, weight: weights[i] })),
  });
}
