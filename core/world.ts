// Builds the read-only world view plugins render from: WANs with their ids and state, LANs with their networks, the WANs in use by default.
import type { LoadedConfig } from '../config/schema/parse.ts';
import type { MwanConfig } from '../config/schema/schema.ts';
import { subnetOf } from '../config/schema/addresses.ts';
import type { LinkState } from './system/kernel/adapter.ts';
import type { LanView, MwanPlugin, RuntimeWeights, WanView, WorldView } from '../plugin-api/types.ts';
import { canRoute, wanNetwork, type WanRuntime } from './wan/model.ts';

export function wanView(w: WanRuntime): WanView {
  return {
    name: w.name,
    device: w.config.device,
    config: w.config,
    id: w.ids.id,
    mark: w.ids.mark,
    table: w.ids.table,
    weight: w.config.weight,
    tier: w.config.tier,
    address: w.facts.address,
    prefixLength: w.facts.prefixLength,
    network: wanNetwork(w.facts),
    gateway: w.facts.gateway,
    pointToPoint: w.facts.pointToPoint,
    state: w.state,
    inService: w.inService,
    routable: canRoute(w.facts),
    rttMs: w.figures.rttMs,
    lossPct: w.figures.lossPct,
    ...(w.ipv6 ? { ipv6: wanView6(w) } : {}),
  };
}

/** The WAN's IPv6 side as plugins see it; routable: the device is up and the WAN has an IPv6 address. */
function wanView6(w: WanRuntime): NonNullable<WanView['ipv6']> {
  const v6 = w.ipv6!;
  const f = v6.facts;
  return {
    ...(f.address ? { address: f.address, prefixLength: f.prefixLength } : {}),
    gateway: f.gateway,
    ...(f.delegated ? { delegated: f.delegated } : {}),
    ...(f.lanPrefix ? { lanPrefix: f.lanPrefix } : {}),
    state: v6.state,
    reason: v6.reason,
    inService: v6.inService,
    routable: canRoute({ ...w.facts, address: f.address }),
    rttMs: v6.figures?.rttMs ?? null,
    lossPct: v6.figures?.lossPct ?? null,
  };
}

/** Without a plugin that selects: every WAN in service (balanced), or the lowest tier with one in service (failover). */
export function activeWans<T extends { inService: boolean; tier: number }>(mode: MwanConfig['mode'], wans: T[]): T[] {
  const live = wans.filter((w) => w.inService);
  if (mode === 'balanced' || live.length === 0) return live;
  const best = Math.min(...live.map((w) => w.tier));
  return live.filter((w) => w.tier === best);
}

/** `plugins`: the first that declares `selectActive` decides `active` (the policies' marker: the default policy's members). */
export function buildWorld(
  loaded: LoadedConfig,
  wans: WanRuntime[],
  links: LinkState[],
  runtimeWeights: Record<string, RuntimeWeights> = {},
  plugins: readonly MwanPlugin[] = [],
): WorldView {
  const views = wans.map(wanView);
  const lans: LanView[] = loaded.config.lan.map((l) => {
    const link = links.find((x) => x.name === l.device);
    const addrs = link?.addresses ?? [];
    return {
      device: l.device,
      name: l.name ?? l.device,
      addresses: addrs.map((a) => a.address),
      networks: addrs.map(subnetOf),
    };
  });
  const world = {
    mode: loaded.config.mode,
    config: loaded.config,
    layout: loaded.layout,
    wans: views,
    lans,
    runtimeWeights,
  };
  const selector = plugins.find((p) => p.selectActive);
  return { ...world, active: selector ? selector.selectActive!(world) : activeWans(loaded.config.mode, views) };
}
