// ipv6.mode prefixes (RFC 8678): `from <delegated prefix> lookup <WAN table>` for every WAN, so a source leaves only by its own WAN.
import type { DesiredBuilder, WanView, WorldView } from '../../plugin-api/index.ts';

/** The prefix a WAN's LAN addresses come from: the delegated prefix, else (not learnt yet) the LAN prefix itself. */
export const sourcePrefix = (w: WanView): string | undefined => w.ipv6?.delegated ?? w.ipv6?.lanPrefix;

/** Whether route-tables puts an IPv6 default through the WAN's gateway in its table (ipv6.ts, wanRoutes6). */
const hasDefault6 = (w: WanView): boolean => Boolean(w.ipv6?.routable && w.ipv6.address && w.ipv6.gateway);

/**
 * One rule per WAN at the first plugin priority (before the WAN marks and every other plugin's rules), kept whether
 * or not the WAN is in service: BCP 38, a packet never leaves by another WAN than the one its source belongs to.
 * While the WAN's table has no IPv6 default (no address or gateway), an `unreachable default` stands in, so such a
 * packet gets "unreachable" at once instead of falling through to the next rules (the balance table: another WAN).
 */
export function sourceRouting6(d: DesiredBuilder, world: WorldView): void {
  if (world.config.ipv6?.mode !== 'prefixes') return;
  const priority = world.layout.pluginPriorities[0];
  for (const w of world.wans) {
    const from = sourcePrefix(w);
    if (!from) continue;
    d.rule({ family: 'ipv6', priority, from, table: w.table });
    if (!hasDefault6(w)) d.route({ family: 'ipv6', table: w.table, type: 'unreachable', dst: 'default' });
  }
}
