// NFQUEUE round robin: each new connection goes to the next WAN in service, in member order.
import type { StrategyFactory } from '../../../plugin-api/index.ts';

export const roundRobin: StrategyFactory = (ctx) => {
  let next = 0;
  return {
    name: 'round-robin',
    decide() {
      const wans = ctx.wans();
      if (wans.length === 0) return undefined;
      const i = next % wans.length;
      next = (i + 1) % wans.length;
      return wans[i];
    },
  };
};
