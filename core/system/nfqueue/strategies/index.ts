// The built-in NFQUEUE strategies and the shared registry they are registered in.
import { NfqueueStrategyRegistry } from '../strategy.ts';
import { leastConnections } from './least-connections.ts';
import { roundRobin } from './round-robin.ts';

export { roundRobin, leastConnections };

/** A registry holding the built-in strategies (`round-robin`, `least-connections`). */
export function createStrategyRegistry(): NfqueueStrategyRegistry {
  const r = new NfqueueStrategyRegistry();
  r.register('round-robin', roundRobin, 'mwan');
  r.register('least-connections', leastConnections, 'mwan');
  return r;
}

/** The process-wide registry: user plugins register their strategies here. */
export const nfqueueStrategies = createStrategyRegistry();
