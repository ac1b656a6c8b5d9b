// Built-in plugin: port forwards (DNAT) on the chosen WANs, and hairpin for LAN clients that use a WAN address.
import {
  NO_OPTIONS,
  definePlugin,
  dnatStatement,
  nftSet,
  portMatch,
  type WanView,
  type WorldView,
} from '../../plugin-api/index.ts';
import { forwardsConfiguration, type ForwardConfig } from './options.ts';
import { sortForwards } from './targets.ts';
import { dnat6Statement, forwards6 } from './ipv6.ts';

export const DSTNAT = -100;
export const SRCNAT = 100;
export const PREROUTING_CHAIN = 'forward_prerouting';
export const POSTROUTING_CHAIN = 'forward_postrouting';

const protocols = (f: ForwardConfig): ('tcp' | 'udp')[] => (f.proto === 'both' ? ['tcp', 'udp'] : [f.proto]);

/** The WANs a forward listens on: its `wans`, or every WAN. Service state does not matter, only the config. */
export function forwardWans(f: ForwardConfig, world: WorldView): WanView[] {
  return f.wans ? world.wans.filter((w) => f.wans!.includes(w.name)) : world.wans;
}

/**
 * Per forward and protocol: DNAT for connections arriving on its WANs addressed to the router itself, and
 * (hairpin) for LAN clients connecting to one of those WANs' addresses. Only forwards whose target is a LAN host
 * now (targets.ts) are rendered. An IPv6-only forward (`to6`, no `to`) renders its IPv6 DNAT alone (npt mode; in
 * prefixes mode the firewall opens its pinhole and nothing is translated).
 */
export function dnatRules(world: WorldView): string[] {
  const lans = world.lans.map((l) => l.device);
  const rules: string[] = [];
  for (const f of sortForwards(world).accepted) {
    const wans = forwardWans(f, world);
    if (wans.length === 0) continue;
    const addresses = wans.flatMap((w) => (w.address ? [w.address] : []));
    const wans6 = forwards6(world, f) ? wans.filter((w) => w.ipv6) : [];
    for (const proto of protocols(f)) {
      const match = portMatch(proto, f.port);
      // IPv6 first, and said: the IPv4 rule's `fib daddr type local` alone would match IPv6 packets too.
      if (wans6.length)
        rules.push(
          `meta nfproto ipv6 iifname ${nftSet(wans6.map((w) => w.device))} fib daddr type local ${match} ${dnat6Statement(f.to6!)}`,
        );
      const to = f.to;
      if (to === undefined) continue;
      rules.push(`iifname ${nftSet(wans.map((w) => w.device))} fib daddr type local ${match} ${dnatStatement({ to })}`);
      if (lans.length && addresses.length)
        rules.push(`iifname ${nftSet(lans)} ip daddr ${nftSet(addresses, false)} ${match} ${dnatStatement({ to })}`);
    }
  }
  return rules;
}

/**
 * Hairpin connections (a LAN client to a WAN address, DNATed back into a LAN) are masqueraded to the router's
 * LAN address, so the server answers through the router instead of straight to the client.
 */
export function hairpinRules(world: WorldView): string[] {
  const lans = world.lans.map((l) => l.device);
  const forwarded = new Set(
    sortForwards(world).accepted.flatMap((f) => (f.to === undefined ? [] : forwardWans(f, world))),
  );
  const addresses = [...new Set(world.wans.filter((w) => forwarded.has(w) && w.address).map((w) => w.address!))];
  if (lans.length === 0 || addresses.length === 0) return [];
  return [
    `iifname ${nftSet(lans)} oifname ${nftSet(lans)} ct status dnat ct original ip daddr ${nftSet(addresses, false)} masquerade`,
  ];
}

export default definePlugin({
  name: 'port-forward',
  options: NO_OPTIONS,
  /** `forwards`: their WANs exist, their ports do not overlap, their targets are LAN hosts. */
  configuration: forwardsConfiguration,
  // Replies leave by the WAN the request came in on because the marker marks new inbound connections with
  // their WAN and restores the mark on every packet, the LAN server's replies included.
  dependencies: ['marker'],
  setup(ctx) {
    // A forward refused at run time (target outside the LANs the kernel has, or the router itself) is logged once per reason.
    let reported = '';
    return ctx.bus.on(
      'reconcile.done',
      () => {
        const { refused } = sortForwards(ctx.world());
        const text = refused.map((r) => `forwards[${r.index}].to: ${r.reason}; not forwarded`).join('\n');
        if (text && text !== reported) ctx.log.warn({ refused }, text);
        reported = text;
      },
      'port-forward',
    );
  },
  contribute(d, world) {
    if (world.config.forwards.length === 0) return;
    d.chain({
      name: PREROUTING_CHAIN,
      base: { type: 'nat', hook: 'prerouting', priority: DSTNAT },
      rules: dnatRules(world),
    });
    const hairpin = hairpinRules(world);
    if (hairpin.length)
      d.chain({
        name: POSTROUTING_CHAIN,
        base: { type: 'nat', hook: 'postrouting', priority: SRCNAT },
        rules: hairpin,
      });
  },
});
