// Built-in plugin: one routing table per WAN (connected and default route, IPv4 and IPv6) reached by `fwmark` and `from <wan address>` rules.
import { NO_OPTIONS, definePlugin, ipv4ToInt, type DesiredBuilder, type WanView } from '../../plugin-api/index.ts';
import { sysctls6, wanRoutes6, wanRules6 } from './ipv6.ts';
import { sourceRouting6 } from './prefixes.ts';

/** A gateway outside the WAN's connected network needs `onlink` (some ISPs hand out such leases). */
function gatewayIsOnlink(w: WanView): boolean {
  if (!w.gateway || !w.address || w.prefixLength === undefined) return false;
  const size = 2 ** (32 - w.prefixLength);
  return Math.floor(ipv4ToInt(w.gateway) / size) !== Math.floor(ipv4ToInt(w.address) / size);
}

function wanRoutes(d: DesiredBuilder, w: WanView): void {
  if (!w.routable || !w.address) return;
  if (w.network) d.route({ table: w.table, dst: w.network, dev: w.device, scope: 'link', src: w.address });
  if (w.gateway)
    d.route({ table: w.table, dst: 'default', via: w.gateway, dev: w.device, onlink: gatewayIsOnlink(w) || undefined });
  else if (w.pointToPoint) d.route({ table: w.table, dst: 'default', dev: w.device });
}

export default definePlugin({
  name: 'route-tables',
  options: NO_OPTIONS,
  contribute(d, world) {
    const mask = world.layout.mask;
    for (const w of world.wans) {
      const ids = world.layout.wans.get(w.name)!;
      wanRoutes(d, w);
      d.rule({ priority: ids.fwmarkPriority, fwmark: w.mark, fwmask: mask, table: w.table });
      if (w.address) d.rule({ priority: ids.fromPriority, from: w.address, table: w.table });
      wanRoutes6(d, w);
      wanRules6(d, w, world);
    }
    sysctls6(d, world);
    sourceRouting6(d, world);
  },
});
