// Test helpers for policy rendering: a world built the way the engine builds it, and the marker's contribution to it.
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import type { DesiredState } from '../../core/reconcile/desired.ts';
import type { WorldView } from '../../plugin-api/types.ts';
import type { AdaptiveWeights } from './weights.ts';
import marker from './marker.ts';
import { contributionOf, link, worldFrom } from '../testing.ts';

/** Three WANs wan1..3 (100.64.i.2/30, gateway .1) and lan0; `down` lists devices without carrier. */
export function network(down: string[] = []): ObservedNetwork {
  return {
    links: [1, 2, 3]
      .map((i) => link(`wan${i}`, `100.64.${i}.2`, 30, { carrier: !down.includes(`wan${i}`) }))
      .concat(link('lan0', '10.0.0.1', 24)),
    defaults: [1, 2, 3].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
  };
}

export const THREE_WANS = [
  { name: 'isp1', device: 'wan1' },
  { name: 'isp2', device: 'wan2' },
  { name: 'isp3', device: 'wan3' },
];

export function worldOf(
  cfg: Record<string, unknown>,
  down: string[] = [],
  runtimeWeights: Record<string, AdaptiveWeights> = {},
): WorldView {
  return {
    ...worldFrom({ wans: THREE_WANS, lan: [{ device: 'lan0' }], ...cfg }, network(down), [marker]),
    runtimeWeights,
  };
}

export const markerState = (world: WorldView): DesiredState => contributionOf(marker, world);

export const chainRules = (s: DesiredState, name: string) => s.nft.chains.find((c) => c.name === name)?.rules;
/** `to_wan<id>` of a WAN by name. */
export const toWan = (world: WorldView, name: string) => `to_wan${world.wans.find((w) => w.name === name)!.id}`;
export const markOf = (world: WorldView, name: string) =>
  `0x${world.wans.find((w) => w.name === name)!.mark.toString(16)}`;
