// Shared helpers for plugin unit tests: links, a world built the way the engine builds it, one plugin's contribution.
import { EventBus } from '../core/bus.ts';
import { parseConfig } from '../cli/config.ts';
import type { ObservedNetwork } from '../core/system/kernel/adapter.ts';
import { DesiredBuilder, type DesiredState } from '../core/reconcile/desired.ts';
import type { MwanPlugin, WorldView } from '../plugin-api/types.ts';
import { WanRegistry } from '../core/wan/registry.ts';
import { buildWorld } from '../core/world.ts';

export { link } from '../test/kit/link.ts';

/** config → registry (WanRuntime) → buildWorld, as the engine does it (`plugins`: those that may select the active WANs). */
export function worldFrom(
  cfg: Record<string, unknown>,
  network: ObservedNetwork,
  plugins: MwanPlugin[] = [],
): WorldView {
  const loaded = parseConfig(cfg);
  const registry = new WanRegistry(loaded.config, loaded.layout, new EventBus());
  registry.observe(network);
  return buildWorld(loaded, registry.wans, network.links, {}, plugins);
}

/** What one plugin contributes to the desired state for `world`. */
export function contributionOf(plugin: MwanPlugin, world: WorldView): DesiredState {
  const d = new DesiredBuilder().as(plugin.name);
  plugin.contribute!(d, world);
  return d.state;
}
