// Renders one policy into nft: its chain (the strategy's choice, lookup layers, what to do when no WAN is usable) and its maps.
import { policiesOf, type ResolvedPolicy } from './resolve.ts';
import { type ChainSpec, hex, inServiceFor, type SetSpec, type WorldView } from '../../plugin-api/index.ts';
import { usableMembers } from './selection.ts';
import { cycleChoice, randomChoice } from './choice.ts';
import { learnedLayer, persistenceLayer } from './layers.ts';
import { chainFor, counterFor, type Family, fastestMap, persistMap, policyChain, setChainFor } from './names.ts';
import { choiceKind, kernelSlots } from './weights.ts';

export interface RenderedPolicy {
  chain: ChainSpec;
  extraChains: ChainSpec[];
  sets: SetSpec[];
}

/** What a packet meets when the policy has no usable member: an ICMP error, a silent drop, or nothing (unmarked). */
export function whenNoneRules(whenNone: ResolvedPolicy['whenNone']): string[] {
  if (whenNone === 'unreachable') return ['reject with icmpx type host-unreachable'];
  if (whenNone === 'blackhole') return ['drop'];
  return [];
}

/** The prefix length fastest-response learns destinations by, per family. */
export function fastestPrefixLength(policy: ResolvedPolicy, family: Family): number {
  return family === 'ipv6' ? (policy.fastest?.prefixLength6 ?? 48) : (policy.fastest?.prefixLength ?? 24);
}

/** The WANs as one family sees them: for IPv6, in service when in service for IPv6. */
export function wansOf(world: WorldView, family: Family = 'ipv4') {
  return family === 'ipv4' ? world.wans : world.wans.map((w) => ({ ...w, inService: inServiceFor(w, 'ipv6') }));
}

/** The WANs of a policy usable now for a family, as the kernel sees them. */
export function liveOf(policy: ResolvedPolicy, world: WorldView, family: Family = 'ipv4') {
  return usableMembers(policy, wansOf(world, family));
}

/**
 * After the kernel's choice, an NFQUEUE policy tags the packet for its queue: the policy's tag goes into the tag
 * field of the packet mark (the host's bits stay), and `return` leaves the policy before its counters; the
 * marker's restore then sets mwan's bits from the connection mark, keeping the tag. The nat hook then queues the
 * packet (iptables rule matching the tag); the verdict may override the WAN. Only forwarded packets are tagged
 * (`iif != 0`): the router's own connections keep the kernel's choice.
 */
export function queueTag(tagMask: number, tag: number): string {
  return `meta iif != 0 meta mark set meta mark & ${hex(~tagMask >>> 0)} | ${hex(tag)} return`;
}

/** Counts a connection for the WAN its mark names (one rule per WAN). */
export function countByMark(match: string, mask: number, live: { id: number; mark: number }[]): string[] {
  return live.map((w) => `${match}ct mark & ${hex(mask)} == ${hex(w.mark)} counter name "${counterFor(w.id)}"`);
}

/**
 * An NFQUEUE policy: the kernel's choice (the exact cycle by member weight) marks the connection without counting it
 * (`set_wan<id>`); a forwarded packet is tagged for the queue and counted in mark_postrouting once the verdict is
 * known; the router's own connections (never queued) are counted here.
 */
function nfqueueRules(
  choice: string,
  mask: number,
  tagMask: number,
  tag: number,
  live: { id: number; mark: number }[],
): string[] {
  return [choice, queueTag(tagMask, tag), ...countByMark('', mask, live)];
}

/**
 * One policy's chain for one family. IPv6's twin (ipv6.mode npt) chooses among the members in service for IPv6,
 * keeps its persistence keys in `ipv6_addr` sets and tags NFQUEUE policies' connections for the same queue (ip6tables
 * queues them) and consults fastest-response's `ipv6_addr` map of learned choices (`fastest6_<policy>`).
 */
export function renderPolicy(policy: ResolvedPolicy, world: WorldView, family: Family = 'ipv4'): RenderedPolicy {
  const name = policyChain(policy.name, policy.name === policiesOf(world.config).defaultPolicy, family);
  const usable = liveOf(policy, world, family);
  const adaptive = world.runtimeWeights[policy.name];
  const slots = kernelSlots(policy, usable, adaptive);
  const choose = choiceKind(policy, adaptive) === 'cycle' ? cycleChoice : randomChoice;
  const choice = choose(slots, chainFor);
  const base = choice ? [choice] : whenNoneRules(policy.whenNone);
  const mask = world.layout.mask;
  const live = usable.map((w) => ({ id: w.id, mark: w.mark }));
  if (policy.strategy === 'persistence') {
    const p = policy.persistence ?? { key: 'src' as const, timeoutSeconds: 600 };
    const all = world.wans.map((w) => ({ id: w.id, mark: w.mark }));
    const layer = persistenceLayer({
      map: persistMap(policy.name, p.key, family),
      key: p.key,
      family,
      timeoutSeconds: p.timeoutSeconds,
      mask,
      live,
      all,
      base,
    });
    return { chain: { name, rules: layer.rules }, extraChains: layer.chains, sets: layer.sets };
  }
  if (policy.strategy === 'fastest-response') {
    const layer = learnedLayer({
      map: fastestMap(policy.name, family),
      prefixLength: fastestPrefixLength(policy, family),
      family,
      mask,
      live,
      base,
    });
    return { chain: { name, rules: layer.rules }, extraChains: layer.chains, sets: layer.sets };
  }
  const nfq = world.layout.nfqueue.policies.get(policy.name);
  if (nfq && slots.length)
    return {
      chain: {
        name,
        rules: nfqueueRules(choose(slots, setChainFor)!, mask, world.layout.nfqueue.tagMask, nfq.tag, live),
      },
      extraChains: [],
      sets: [],
    };
  return { chain: { name, rules: base }, extraChains: [], sets: [] };
}
