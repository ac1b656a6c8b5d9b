// Least used: new connections split by the capacity each member has free now (capacity minus measured traffic).
import { scaleWeights } from '../choice.ts';
import { fmt, type AdaptiveStrategy, type Decision, type DecideInput } from './types.ts';

/** Weight granularity: shares move in steps of 1/STEPS, so noise in the counters does not rewrite the kernel every second. */
export const LEAST_USED_STEPS = 20;

export function leastUsedStrategy(): AdaptiveStrategy {
  return {
    decide({ members }: DecideInput): Decision | null {
      if (members.length === 0 || members.some((m) => m.mbps === null)) return null;
      const free = members.map((m) => Math.max(0, (m.capacityMbps ?? 0) - (m.mbps ?? 0)));
      let weights = scaleWeights(free, LEAST_USED_STEPS);
      if (weights.every((w) => w === 0))
        weights = scaleWeights(
          members.map((m) => m.capacityMbps ?? 0),
          LEAST_USED_STEPS,
        );
      return {
        weights: Object.fromEntries(members.map((m, i) => [m.wan, weights[i]])),
        reason: `free Mbit/s ${members.map((m, i) => `${m.wan} ${fmt(free[i])}`).join(', ')}`,
      };
    },
  };
}
