// NFQUEUE least connections: the WAN with the fewest open connections per unit of member weight (conntrack, kept incrementally); ties in turn.
import type { StrategyFactory } from '../../../plugin-api/index.ts';

/**
 * Chooses argmin (open + 1) / weight: the WAN where one more connection leaves the lowest load per unit of weight, so
 * with weights 4:2:1 an idle router fills 4, 2 and 1 connections in that ratio. Equal weights give the plain least
 * connections (the same order as comparing open counts).
 */
export const leastConnections: StrategyFactory = (ctx) => {
  let turn = 0;
  return {
    name: 'least-connections',
    usesConnections: true,
    decide() {
      const wans = ctx.wans();
      const n = wans.length;
      if (n === 0) return undefined;
      // Start the scan at a rotating WAN so that ties (an idle router) are shared in turn, not all given to the first.
      const start = turn++ % n;
      let best: string | undefined;
      let bestLoad = 0;
      let bestWeight = 1;
      for (let k = 0; k < n; k++) {
        const w = wans[(start + k) % n];
        const load = ctx.connections(w) + 1;
        const weight = ctx.weight(w);
        // load / weight < bestLoad / bestWeight, without division (exact for integer counts and weights)
        if (best === undefined || load * bestWeight < bestLoad * weight) {
          best = w;
          bestLoad = load;
          bestWeight = weight;
        }
      }
      return best;
    },
  };
};
