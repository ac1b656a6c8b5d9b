// Built-in plugin 'policies': the daemon side of policies — measures and rewrites the adaptive strategies' weights (strategies/), learns fastest-response choices, runs the NFQUEUE policies' listeners and keeps their queue rules (nfqueue/). The 'marker' plugin beside it (marker.ts) renders policies and rules; resolve.ts and selection.ts are shared by both.
import { type MwanPlugin, NO_OPTIONS } from '../../plugin-api/index.ts';
import { startAdaptive } from './adaptive.ts';
import { startFastest } from './fastest-runner.ts';
import { startNfqueuePolicies } from './nfqueue/listeners.ts';
import { checkNfqueueStrategies, strategyRegistry } from './nfqueue/wiring.ts';
import { nfqueueLayout } from './nfqueue/layout.ts';
import { queueRules } from './nfqueue/queue-rules.ts';
import { policyProblems, policySections } from './options.ts';

const plugin: MwanPlugin = {
  name: 'policies',
  options: NO_OPTIONS,
  events: ['policy.weights'],
  /** `policies`, `rules` and `defaultPolicy`, checked against the WANs; the NFQUEUE policies' tags and queues. */
  configuration: {
    sections: policySections,
    check: policyProblems,
    layout: (config) => ({ nfqueue: nfqueueLayout(config) }),
  },
  /** Every `nfqueue:<name>` policy names a strategy: built in, registered in-process, or one a plugin declares. */
  check(config, plugins) {
    checkNfqueueStrategies(config, strategyRegistry(plugins));
  },
  /** The NFQUEUE policies' queue rules (iptables), kept in place beside every reconcile. */
  kernelExtras: queueRules,
  async setup(ctx) {
    const closeQueues = await startNfqueuePolicies(ctx);
    const stops = [startAdaptive(ctx), startFastest(ctx)];
    return async () => {
      for (const stop of stops) stop();
      await closeQueues();
    };
  },
};

export default plugin;
