// The built-in NFQUEUE strategies and the process-wide registry they are registered in (in-process registrations join them).
import { NfqueueStrategyRegistry } from './registry.ts';
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

/** The process-wide registry: code running in the daemon's process may register strategies here. */
export const nfqueueStrategies = createStrategyRegistry();
