// Built-in plugin: loose reverse-path filtering (rp_filter = 2) on every WAN device while mwan runs.
import { NO_OPTIONS, definePlugin } from '../../plugin-api/index.ts';

export const LOOSE = 2;

/** The sysctl key of a device's rp_filter, e.g. net/ipv4/conf/wan1/rp_filter. */
export const rpFilterKey = (device: string): string => `net/ipv4/conf/${device}/rp_filter`;

/**
 * With several WANs a reply-path check against the main routing decision drops legitimate packets (a WAN out
 * of service is not in the balance route; inbound forwards arrive on any WAN). Loose mode only asks that the
 * source be routable at all. The kernel applies max(all, device), and loose (2) is the largest value, so the
 * device setting suffices and `all` is left as it is. The core restores each value when mwan stops.
 */
export default definePlugin({
  name: 'rp-filter',
  options: NO_OPTIONS,
  contribute(d, world) {
    for (const w of world.wans) d.sysctl(rpFilterKey(w.device), LOOSE);
  },
});
