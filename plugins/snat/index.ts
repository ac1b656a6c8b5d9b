// Built-in plugin: source NAT for LAN traffic leaving each WAN (masquerade, or snat to the WAN's address; IPv6: NPTv6 or masquerade).
import { NO_OPTIONS, definePlugin } from '../../plugin-api/index.ts';
import { snatConfiguration } from './options.ts';
import { nat66Rules } from './ipv6.ts';

export const SRCNAT = 100;

export default definePlugin({
  name: 'snat',
  options: NO_OPTIONS,
  /** `wans[].snat`. */
  configuration: snatConfiguration,
  contribute(d, world) {
    if (world.lans.length === 0) return;
    d.sysctl('net/ipv4/ip_forward', 1); // a router with LANs forwards; the value found first is restored on stop
    const lanSet = `{ ${world.lans.map((l) => `"${l.device}"`).join(', ')} }`;
    const rules: string[] = nat66Rules(world);
    for (const w of world.wans) {
      const mode = w.config.snat;
      if (mode === 'masquerade') rules.push(`iifname ${lanSet} oifname "${w.device}" masquerade`);
      else if (mode === 'snat' && w.address)
        rules.push(`iifname ${lanSet} oifname "${w.device}" snat ip to ${w.address}`);
    }
    d.chain({ name: 'snat_postrouting', base: { type: 'nat', hook: 'postrouting', priority: SRCNAT }, rules });
  },
});
