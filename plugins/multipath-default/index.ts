// Built-in plugin: the weighted multipath default route over the active WANs, in mwan's own table after `main` (suppress_prefixlength 0).
import { NO_OPTIONS, definePlugin } from '../../plugin-api/index.ts';
import { multipath6 } from './ipv6.ts';

/** The kernel takes nexthop weights 1–256: scale larger ones down, keeping the ratios as well as integers allow. */
export function nexthopWeights(weights: number[]): number[] {
  const max = Math.max(...weights);
  if (max <= MAX_NEXTHOP_WEIGHT) return weights;
  return weights.map((w) => Math.max(1, Math.round((w * MAX_NEXTHOP_WEIGHT) / max)));
}

const MAX_NEXTHOP_WEIGHT = 256;

export default definePlugin({
  name: 'multipath-default',
  options: NO_OPTIONS,
  dependencies: ['route-tables'],
  contribute(d, world) {
    const { layout } = world;
    // Specific routes in main (LANs, connected networks, the host's own) keep winning; main's default does not.
    d.rule({ priority: layout.suppressPriority, table: 254, suppressPrefixLength: 0 });
    d.rule({ priority: layout.balancePriority, table: layout.balanceTable });
    // Hash on ports too, so the router's own connections to one server spread over the paths by weight.
    d.sysctl('net/ipv4/fib_multipath_hash_policy', 1);
    multipath6(d, world, nexthopWeights);
    const paths = world.active.filter((w) => w.routable && (w.gateway || w.pointToPoint));
    if (paths.length === 0) return; // nothing in service: the host's main table decides
    const weights = nexthopWeights(paths.map((w) => w.weight));
    d.route({
      table: layout.balanceTable,
      dst: 'default',
      nexthops: paths.map((w, i) => ({ via: w.gateway ?? undefined, dev: w.device, weight: weights[i] })),
    });
  },
});
