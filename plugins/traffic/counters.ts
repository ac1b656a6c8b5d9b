// The traffic plugin's nft objects: named counters per WAN (bytes and packets in, out; new connections out) and the two chains that feed them.
import type { DesiredBuilder, WorldView } from '../../plugin-api/index.ts';

export const rxCounter = (id: number) => `rx_wan${id}`;
export const txCounter = (id: number) => `tx_wan${id}`;
export const connCounter = (id: number) => `conn_wan${id}`;

/** Before anything else in prerouting (conntrack's defrag is at -400): every packet the WAN device received counts. */
export const IN_PRIORITY = -300;
/** After source NAT (100) in postrouting: every packet as it leaves on the WAN device. */
export const OUT_PRIORITY = 300;

const byDevice = (wans: WorldView['wans'], name: (id: number) => string) =>
  `{ ${wans.map((w) => `"${w.device}" : "${name(w.id)}"`).join(', ')} }`;

/**
 * Counts in the kernel, one map lookup per packet whatever the number of WANs: received bytes on the WAN's device
 * (forwarded, to the router, and dropped later by a firewall alike: the provider carried them), sent bytes on it
 * (forwarded and the router's own), and the new connections that leave through it. Counters are named objects:
 * a re-apply keeps their values (the renderer never deletes a counter still wanted).
 */
export function contributeCounters(d: DesiredBuilder, world: WorldView): void {
  const wans = world.wans;
  if (wans.length === 0) return;
  for (const w of wans) d.counter(rxCounter(w.id)).counter(txCounter(w.id)).counter(connCounter(w.id));
  d.chain({
    name: 'traffic_in',
    base: { type: 'filter', hook: 'prerouting', priority: IN_PRIORITY },
    rules: [`counter name iifname map ${byDevice(wans, rxCounter)}`],
  });
  d.chain({
    name: 'traffic_out',
    base: { type: 'filter', hook: 'postrouting', priority: OUT_PRIORITY },
    rules: [
      `counter name oifname map ${byDevice(wans, txCounter)}`,
      `ct state new counter name oifname map ${byDevice(wans, connCounter)}`,
    ],
  });
}
