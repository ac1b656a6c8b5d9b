// Helpers for the upnp unit tests: a world of three WANs (wan1..3, 100.64.N.2/30) and a LAN, with links cut or admin-down.
import { EventBus } from '../../core/bus.ts';
import { parseConfig } from '../../cli/config.ts';
import type { LoadedConfig } from '../../config/schema/parse.ts';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import type { WorldView } from '../../plugin-api/types.ts';
import { WanRegistry } from '../../core/wan/registry.ts';
import { buildWorld } from '../../core/world.ts';
import { link } from '../../test/kit/link.ts';

export const WANS = [1, 2, 3].map((i) => ({ name: `isp${i}`, device: `wan${i}` }));

export function network(o: { down?: number[]; noAddress?: number[] } = {}): ObservedNetwork {
  return {
    links: [1, 2, 3]
      .map((i) =>
        link(`wan${i}`, o.noAddress?.includes(i) ? null : `100.64.${i}.2`, 30, { carrier: !o.down?.includes(i) }),
      )
      .concat(link('lan0', '10.0.0.1', 24), link('lan1', '10.1.0.1', 24)),
    defaults: [1, 2, 3].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
  };
}

export const loadedWith = (extra: Record<string, unknown> = {}): LoadedConfig =>
  parseConfig({ wans: WANS, lan: [{ device: 'lan0' }, { device: 'lan1' }], ...extra });

/** The world of `loaded` as the registry sees `net`; `disabled` WANs are taken down by the administrator. */
export function worldOf(loaded: LoadedConfig, net: ObservedNetwork = network(), disabled: string[] = []): WorldView {
  const registry = new WanRegistry(loaded.config, loaded.layout, new EventBus(), disabled);
  registry.observe(net);
  return buildWorld(loaded, registry.wans, net.links);
}

/** A DNAT rule as miniupnpd 2.3.1 (nft backend) writes it and `nft -j` 1.0.6 lists it. */
export function miniupnpdRule(
  handle: number,
  proto: 'tcp' | 'udp',
  externalPort: number,
  address: string,
  port: number,
  chain = 'prerouting_miniupnpd',
): Record<string, Record<string, unknown>> {
  return {
    rule: {
      family: 'inet',
      table: 'mwan_upnp',
      chain,
      handle,
      expr: [
        { match: { op: '==', left: { meta: { key: 'iif' } }, right: 'wan1' } },
        { match: { op: '==', left: { payload: { base: 'nh', offset: 72, len: 8 } }, right: proto === 'tcp' ? 6 : 17 } },
        { match: { op: '==', left: { payload: { protocol: 'th', field: 'dport' } }, right: externalPort } },
        { dnat: { family: 'ip', addr: address, port } },
      ],
    },
  };
}

/** miniupnpd's table as `nft -j list table` lists it (without metainfo), with `rules` in it. */
export const miniupnpdTable = (
  rules: Record<string, Record<string, unknown>>[],
): Record<string, Record<string, unknown>>[] => [
  { table: { family: 'inet', name: 'mwan_upnp', handle: 3 } },
  ...['miniupnpd', 'prerouting_miniupnpd', 'postrouting_miniupnpd'].map((name, i) => ({
    chain: { family: 'inet', table: 'mwan_upnp', name, handle: i + 1 },
  })),
  ...rules,
];
