// Renders one policy into nft: its chain (the strategy's choice, lookup layers, what to do when no WAN is usable) and its maps.
import type { ResolvedPolicy } from '../../core/config/policies.ts';
import type { ChainSpec, SetSpec } from '../../core/kernel/desired.ts';
import type { WorldView } from '../../core/plugin/types.ts';
import { usableMembers } from '../../core/wan/selection.ts';
import { randomChoice, roundRobinChoice } from './choice.ts';
import { learnedLayer, persistenceLayer } from './layers.ts';
import { fastestMap, persistMap, policyChain } from './names.ts';
import { kernelSlots } from './weights.ts';

export interface RenderedPolicy { chain: ChainSpec; extraChains: ChainSpec[]; sets: SetSpec[] }

/** What a packet meets when the policy has no usable member: an ICMP error, a silent drop, or nothing (unmarked). */
export function whenNoneRules(whenNone: ResolvedPolicy['whenNone']): string[] {
  if (whenNone === 'unreachable') return ['reject with icmpx type host-unreachable'];
  if (whenNone === 'blackhole') return ['drop'];
  return [];
}

/** The WANs of a policy usable now, as the kernel sees them. */
export function liveOf(policy: ResolvedPolicy, world: WorldView) {
  return usableMembers(policy, world.wans);
}

export function renderPolicy(policy: ResolvedPolicy, world: WorldView): RenderedPolicy {
  const name = policyChain(policy.name, policy.name === world.defaultPolicy);
  const usable = liveOf(policy, world);
  const slots = kernelSlots(policy, usable, world.adaptive[policy.name]);
  const choice = policy.strategy === 'round-robin' || policy.strategy === 'persistence' ? roundRobinChoice(slots) : randomChoice(slots);
  const base = choice ? [choice] : whenNoneRules(policy.whenNone);
  const mask = world.layout.mask;
  const live = usable.map((w) => ({ id: w.id, mark: w.mark }));
  if (policy.strategy === 'persistence') {
    const p = policy.persistence ?? { key: 'src' as const, timeoutSeconds: 600 };
    const layer = persistenceLayer({ map: persistMap(policy.name, p.key), key: p.key, timeoutSeconds: p.timeoutSeconds, mask, live, base });
    return { chain: { name, rules: layer.rules }, extraChains: layer.chains, sets: layer.sets };
  }
  if (policy.strategy === 'fastest-response') {
    const layer = learnedLayer({ map: fastestMap(policy.name), prefixLength: policy.fastest?.prefixLength ?? 24, mask, live, base });
    return { chain: { name, rules: layer.rules }, extraChains: layer.chains, sets: layer.sets };
  }
  return { chain: { name, rules: base }, extraChains: [], sets: [] };
}
