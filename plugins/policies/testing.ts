// Test helpers for policy rendering: a world built the way the engine builds it, and the marker's contribution to it.
import { EventBus } from '../../core/bus.ts';
import { parseConfig } from '../../core/config/load.ts';
import { DesiredBuilder, type DesiredState } from '../../core/kernel/desired.ts';
import type { LinkState, ObservedNetwork } from '../../core/kernel/adapter.ts';
import type { AdaptiveWeights, WorldView } from '../../core/plugin/types.ts';
import { WanRegistry } from '../../core/wan/registry.ts';
import { buildWorld } from '../../core/world.ts';
import marker from '../marker/index.ts';

const link = (name: string, address: string, prefixLength: number, carrier: boolean): LinkState => ({
  name, adminUp: true, carrier, pointToPoint: false, addresses: [{ address, prefixLength }],
});

/** Three WANs wan1..3 (100.64.i.2/30, gateway .1) and lan0; `down` lists devices without carrier. */
export function network(down: string[] = []): ObservedNetwork {
  return {
    links: [1, 2, 3].map((i) => link(`wan${i}`, `100.64.${i}.2`, 30, !down.includes(`wan${i}`))).concat(link('lan0', '10.0.0.1', 24, true)),
    defaults: [1, 2, 3].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
  };
}

export const THREE_WANS = [{ name: 'isp1', device: 'wan1' }, { name: 'isp2', device: 'wan2' }, { name: 'isp3', device: 'wan3' }];

export function worldOf(cfg: Record<string, unknown>, down: string[] = [], adaptive: Record<string, AdaptiveWeights> = {}): WorldView {
  const loaded = parseConfig({ wans: THREE_WANS, lan: [{ device: 'lan0' }], ...cfg });
  const registry = new WanRegistry(loaded.config, loaded.layout, new EventBus());
  const net = network(down);
  registry.observe(net);
  return buildWorld(loaded, registry.wans, net.links, adaptive);
}

export function markerState(world: WorldView): DesiredState {
  const d = new DesiredBuilder().as('marker');
  marker.contribute!(d, world);
  return d.state;
}

export const chainRules = (s: DesiredState, name: string) => s.nft.chains.find((c) => c.name === name)?.rules;
/** `to_wan<id>` of a WAN by name. */
export const toWan = (world: WorldView, name: string) => `to_wan${world.wans.find((w) => w.name === name)!.id}`;
export const markOf = (world: WorldView, name: string) => `0x${world.wans.find((w) => w.name === name)!.mark.toString(16)}`;
