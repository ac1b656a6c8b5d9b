// Builds the read-only world view plugins render from: WANs with their ids and state, LANs with their networks.
import type { LoadedConfig } from './config/load.ts';
import { networkOf } from './config/validators.ts';
import type { LinkState } from './system/kernel/adapter.ts';
import type { LanView, WanView, WorldView } from './plugin/types.ts';
import { canRoute, wanNetwork, type WanRuntime } from './wan/model.ts';
import { usableMembers } from './wan/selection.ts';
import { defaultPolicyName, resolvePolicies } from './config/policies.ts';

export function wanView(w: WanRuntime): WanView {
  return {
    name: w.name, device: w.config.device, config: w.config, id: w.ids.id, mark: w.ids.mark, table: w.ids.table,
    weight: w.config.weight, tier: w.config.tier, address: w.facts.address, prefixLength: w.facts.prefixLength,
    network: wanNetwork(w.facts), gateway: w.facts.gateway, pointToPoint: w.facts.pointToPoint,
    state: w.state, inService: w.inService, routable: canRoute(w.facts), rttMs: w.figures.rttMs, lossPct: w.figures.lossPct,
  };
}

export function buildWorld(loaded: LoadedConfig, wans: WanRuntime[], links: LinkState[], adaptive: WorldView['adaptive'] = {}): WorldView {
  const views = wans.map(wanView);
  const lans: LanView[] = loaded.config.lan.map((l) => {
    const link = links.find((x) => x.name === l.device);
    const addrs = link?.addresses ?? [];
    return {
      device: l.device,
      name: l.name ?? l.device,
      addresses: addrs.map((a) => a.address),
      networks: addrs.map((a) => networkOf(a.address, a.prefixLength)),
    };
  });
  const policies = resolvePolicies(loaded.config);
  const defaultPolicy = defaultPolicyName(loaded.config);
  const active = usableMembers(policies.get(defaultPolicy)!, views).map(({ member: _m, ...w }) => w);
  return { mode: loaded.config.mode, config: loaded.config, layout: loaded.layout, wans: views, active, lans, policies, defaultPolicy, adaptive };
}
