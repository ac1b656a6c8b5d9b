// Policies resolved from the configuration: the implicit default policy, members with their weights and tiers filled in.
import type { MwanConfig } from '../../plugin-api/index.ts';
import {
  defaultPolicyName,
  IMPLICIT_DEFAULT,
  type MemberConfig,
  type PolicyConfig,
  type PolicyStrategy,
  type StrategyName,
} from './options.ts';

/** Strategies whose kernel weights the daemon rewrites from measurements. */
export const ADAPTIVE: readonly PolicyStrategy[] = ['overflow', 'least-used', 'lowest-latency', 'least-connections'];
/** Strategies whose members are an ordered list (tiers default to the member's position). */
const ORDERED: readonly StrategyName[] = ['priority', 'overflow'];

/** A policy with its members resolved (weights and tiers filled in). */
export interface ResolvedMember {
  wan: string;
  weight: number;
  tier: number;
  capacityMbps?: number;
}
export interface ResolvedPolicy extends Omit<PolicyConfig, 'members' | 'strategy'> {
  name: string;
  strategy: PolicyStrategy;
  members: ResolvedMember[];
}

interface ResolveInput {
  mode: 'balanced' | 'failover';
  wans: { name: string; weight: number; tier: number }[];
  policies: Record<string, PolicyConfig>;
  defaultPolicy?: string;
}

/**
 * Every policy, with the implicit `default` one (from `mode`: balanced = weighted, failover = priority over the WANs'
 * own tiers) unless the configuration defines a policy of that name. Members inherit the WAN's weight; in ordered
 * strategies (priority, overflow) without explicit tiers, the member order is the priority order.
 */
export function resolvePolicies(cfg: ResolveInput): Map<string, ResolvedPolicy> {
  const out = new Map<string, ResolvedPolicy>();
  const wan = (name: string) => cfg.wans.find((w) => w.name === name)!;
  if (!cfg.policies[IMPLICIT_DEFAULT]) {
    out.set(IMPLICIT_DEFAULT, {
      name: IMPLICIT_DEFAULT,
      strategy: cfg.mode === 'failover' ? 'priority' : 'weighted',
      whenNone: 'main',
      intervalMs: 1000,
      members: cfg.wans.map((w) => ({ wan: w.name, weight: w.weight, tier: w.tier })),
    });
  }
  for (const [name, p] of Object.entries(cfg.policies)) {
    const listed = p.members ?? cfg.wans.map((w) => ({ wan: w.name }) as MemberConfig);
    const strategy = p.strategy as PolicyStrategy;
    const byOrder = (ORDERED as readonly string[]).includes(strategy) && listed.every((m) => m.tier === undefined);
    const members = listed.map((m, i) => ({
      wan: m.wan,
      weight: m.weight ?? wan(m.wan).weight,
      tier: byOrder ? Math.min(i + 1, 16) : (m.tier ?? wan(m.wan).tier),
      ...(m.capacityMbps !== undefined ? { capacityMbps: m.capacityMbps } : {}),
    }));
    out.set(name, { ...p, name, strategy, members });
  }
  return out;
}

/** Every policy and the default rule's policy of a configuration, resolved once per configuration object. */
export interface Policies {
  policies: Map<string, ResolvedPolicy>;
  defaultPolicy: string;
}

const resolved = new WeakMap<MwanConfig, Policies>();

export function policiesOf(config: MwanConfig): Policies {
  let p = resolved.get(config);
  if (!p) resolved.set(config, (p = { policies: resolvePolicies(config), defaultPolicy: defaultPolicyName(config) }));
  return p;
}
