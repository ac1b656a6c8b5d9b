// The policies part of `mwanctl status`: each policy in use, its strategy, the WANs it can use now, and run-time weights.
import type { WorldView } from '../../plugin-api/index.ts';
import { policiesOf } from './resolve.ts';
import { usableMembers } from './selection.ts';

/** A policy in use: its strategy, the WANs it can use now, and an adaptive strategy's current weights and why. */
export interface PolicyStatus {
  name: string;
  strategy: string;
  isDefault: boolean;
  usable: string[];
  weights: Record<string, number> | null;
  reason: string | null;
}

/** The policies in use, the default one first. */
export function policyStatus(world: WorldView): PolicyStatus[] {
  const { policies, defaultPolicy } = policiesOf(world.config);
  const names = [...new Set([defaultPolicy, ...world.config.rules.flatMap((r) => (r.policy ? [r.policy] : []))])];
  return names.map((name) => {
    const p = policies.get(name)!;
    const adaptive = world.runtimeWeights[name];
    return {
      name,
      strategy: p.strategy,
      isDefault: name === defaultPolicy,
      usable: usableMembers(p, world.wans).map((w) => w.name),
      weights: adaptive?.weights ?? null,
      reason: adaptive?.reason ?? null,
    };
  });
}
