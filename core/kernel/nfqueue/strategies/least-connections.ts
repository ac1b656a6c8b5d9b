// NFQUEUE least connections: the WAN with the fewest open connections (conntrack, kept incrementally); ties in turn.
import type { StrategyFactory } from '../strategy.ts';

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
      let fewest = Infinity;
      for (let k = 0; k < n; k++) {
        const w = wans[(start + k) % n];
        const c = ctx.connections(w);
        if (c < fewest) { fewest = c; best = w; }
      }
      return best;
    },
  };
};
