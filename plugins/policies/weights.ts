// The weights a policy's kernel choice uses now (an adaptive strategy's last decision, else static weights), and whether it is a cycle or random.
import { ADAPTIVE, type ResolvedMember, type ResolvedPolicy } from './resolve.ts';
import type { RuntimeWeights, WanView } from '../../plugin-api/index.ts';
import { scaleWeights, type Slot } from './choice.ts';

/** An adaptive strategy's current choice for a policy, kept in the world view's run-time weights under the policy's name. */
export type AdaptiveWeights = RuntimeWeights;

export type UsableWan = WanView & { member: ResolvedMember };

/**
 * Static weights, used until an adaptive strategy has measured anything: overflow fills its first tier, least used
 * splits by capacity, every other strategy by member weight.
 */
export function staticSlots(policy: Pick<ResolvedPolicy, 'strategy'>, usable: UsableWan[]): Slot[] {
  if (usable.length === 0) return [];
  if (policy.strategy === 'overflow') {
    const first = Math.min(...usable.map((w) => w.tier));
    return usable.filter((w) => w.tier === first).map((w) => ({ id: w.id, weight: w.weight }));
  }
  if (policy.strategy === 'least-used') {
    const scaled = scaleWeights(usable.map((w) => w.member.capacityMbps ?? 0));
    return usable.map((w, i) => ({ id: w.id, weight: scaled[i] })).filter((s) => s.weight > 0);
  }
  return usable.map((w) => ({ id: w.id, weight: w.weight }));
}

/**
 * The slots the kernel gets: the adaptive decision restricted to WANs usable now (a WAN may have left service since
 * it was made); when that leaves nothing, the static weights.
 */
export function kernelSlots(
  policy: Pick<ResolvedPolicy, 'strategy'>,
  usable: UsableWan[],
  adaptive?: AdaptiveWeights,
): Slot[] {
  if (adaptive) {
    const slots = usable.map((w) => ({ id: w.id, weight: adaptive.weights[w.name] ?? 0 })).filter((s) => s.weight > 0);
    if (slots.length) return slots;
  }
  return staticSlots(policy, usable);
}

/**
 * How the kernel spreads a policy's new connections: an exact `numgen inc` cycle, or `numgen random`.
 * - `cycle` when the weights come from the config (weighted, priority, round robin, persistence's new sources, an
 *   NFQUEUE policy's pre-choice): the rule changes only when a WAN leaves or returns, so the counter runs whole cycles.
 * - `random` when a strategy rewrites its weights at run time (every replaced rule restarts the counter at the first
 *   slot: with fewer than Σw connections between two rewrites a cycle would favour the first WANs), and for
 *   fastest-response, whose exploring choice must not follow the order of connections (a client that alternates
 *   two destinations would always send each one by the same WAN, and it would never be compared).
 */
export function choiceKind(policy: Pick<ResolvedPolicy, 'strategy'>, adaptive?: AdaptiveWeights): 'cycle' | 'random' {
  if (adaptive || ADAPTIVE.includes(policy.strategy) || policy.strategy === 'fastest-response') return 'random';
  return 'cycle';
}
