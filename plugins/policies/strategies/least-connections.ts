// Least connections: new connections go where the open connections are fewest (per unit of weight), by water-filling the expected arrivals.
import { scaleWeights } from '../choice.ts';
import type { AdaptiveStrategy, Decision, DecideInput } from './types.ts';

/** Arrivals assumed per interval at least, so an idle policy still leans towards the emptiest WAN. */
const MIN_ARRIVALS = 4;
/**
 * Arrivals come in bursts: connections that started together on one WAN end together and their clients reconnect
 * together. Planning for only the last interval's arrivals then pours a whole burst onto the member that was
 * emptiest a moment ago (and leaves the others to drain). So the fill plans for the most arrivals of the last
 * ARRIVAL_PEAK_DECISIONS intervals.
 */
export const ARRIVAL_PEAK_DECISIONS = 5;
export const LEAST_CONNECTIONS_STEPS = 20;

/**
 * Water-filling: with counts c_i and weights w_i, find the level L where Σ max(0, L·w_i − c_i) equals the arrivals
 * expected before the next decision (the most of the last few intervals); each member's share of the new connections is
 * its part of that fill. Members above the level get nothing until the others catch up.
 */
export function waterFill(counts: number[], weights: number[], arrivals: number): number[] {
  const order = counts.map((c, i) => ({ i, level: c / weights[i] })).sort((a, b) => a.level - b.level);
  let level = order[0].level;
  let left = arrivals;
  let k = 1;
  for (;;) {
    const width = order.slice(0, k).reduce((a, o) => a + weights[o.i], 0);
    const next = k < order.length ? order[k].level : Infinity;
    const need = (next - level) * width;
    if (need >= left) {
      level += left / width;
      break;
    }
    left -= need;
    level = next;
    k++;
  }
  return counts.map((c, i) => Math.max(0, level * weights[i] - c));
}

export function leastConnectionsStrategy(): AdaptiveStrategy {
  const recent: number[] = [];
  return {
    decide({ members, arrivals }: DecideInput): Decision | null {
      recent.push(arrivals);
      if (recent.length > ARRIVAL_PEAK_DECISIONS) recent.shift();
      if (members.length === 0) return null;
      const expected = Math.max(MIN_ARRIVALS, ...recent);
      const fill = waterFill(
        members.map((m) => m.connections),
        members.map((m) => m.weight),
        expected,
      );
      const weights = scaleWeights(fill, LEAST_CONNECTIONS_STEPS);
      return {
        weights: Object.fromEntries(members.map((m, i) => [m.wan, weights[i]])),
        reason: `open connections ${members.map((m) => `${m.wan} ${m.connections}`).join(', ')}; ${expected} expected`,
      };
    },
  };
}
