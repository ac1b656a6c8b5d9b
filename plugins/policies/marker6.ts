// The marker's IPv6 half (issue 13, ipv6.mode npt): new LAN IPv6 connections are marked for a WAN in service for IPv6, by the default policy's weights (chain `balance6`).
import { hex, inServiceFor, network6, type DesiredBuilder, type WorldView } from '../../core/plugin/api.ts';
import { cycleChoice, randomChoice } from './choice.ts';
import { policiesOf } from './resolve.ts';
import { usableMembers } from './selection.ts';
import { choiceKind, kernelSlots } from './weights.ts';

export const DEFAULT_CHAIN6 = 'balance6';

/** Whether mwan marks the LAN's IPv6 connections: `ipv6.mode` npt with at least one LAN prefix. */
export function marksIpv6(world: WorldView): boolean {
  return world.config.ipv6?.mode === 'npt' && world.config.ipv6.lan.length > 0;
}

/**
 * The entry rule for mark_prerouting (placed before the IPv4 one) and its objects: `balance6`, the default policy's
 * kernel choice (cycle or random, as for IPv4) among its members in service for IPv6, and `local_nets6` (the LAN
 * prefixes and the WANs' IPv6 networks, never balanced). Persistence and learning layers and rules are IPv4's for
 * now: IPv6 connections take the default policy's weights. No member in service for IPv6: no entry, the IPv6 connection
 * stays unmarked and follows the IPv6 multipath default (or the host's main table).
 */
export function ipv6Entry(d: DesiredBuilder, world: WorldView, lanDevices: string[]): string | undefined {
  if (!marksIpv6(world) || lanDevices.length === 0) return undefined;
  const { policies, defaultPolicy } = policiesOf(world.config);
  const policy = policies.get(defaultPolicy)!;
  const wans6 = world.wans.map((w) => ({ ...w, inService: inServiceFor(w, 'ipv6') }));
  const usable = usableMembers(policy, wans6);
  const adaptive = world.runtimeWeights[policy.name];
  const slots = kernelSlots(policy, usable, adaptive);
  const choice = (choiceKind(policy, adaptive) === 'cycle' ? cycleChoice : randomChoice)(slots);
  if (!choice) return undefined;
  const nets = [
    ...world.config.ipv6!.lan.map((l) => l.prefix),
    ...world.wans.flatMap((w) =>
      w.ipv6?.address && w.ipv6.prefixLength !== undefined
        ? [network6({ address: w.ipv6.address, length: w.ipv6.prefixLength })]
        : [],
    ),
  ];
  d.set({
    name: 'local_nets6',
    kind: 'set',
    type: 'ipv6_addr',
    flags: ['interval'],
    elements: [...new Set(nets)].sort(),
  });
  d.chain({ name: DEFAULT_CHAIN6, rules: [choice] });
  const devices = `{ ${lanDevices.map((n) => `"${n}"`).join(', ')} }`;
  return `iifname ${devices} ct state new ct mark & ${hex(world.layout.mask)} == 0 ip6 daddr != @local_nets6 jump ${DEFAULT_CHAIN6}`;
}
