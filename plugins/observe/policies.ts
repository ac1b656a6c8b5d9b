// The policies as the status page and the share metric show them: strategy, members, and the share of new connections each WAN gets now.
import type { MwanConfig, WorldView } from '../../plugin-api/index.ts';

export interface PolicyShare {
  name: string;
  strategy: string;
  /** WAN → share of the policy's new connections (0 to 1) among its usable members now. */
  shares: Record<string, number>;
  /** Run-time weights an adaptive strategy set, and why (null: the configured weights). */
  reason: string | null;
}

interface MemberLike {
  wan: string;
  weight?: number;
  tier?: number;
}
interface PolicyLike {
  strategy?: string;
  members?: MemberLike[];
}

/** Strategies that use only the best tier in service (the rest waits), member order being the tier when none is given. */
const ORDERED = new Set(['priority', 'overflow']);

function normalise(weights: Record<string, number>): Record<string, number> {
  const total = Object.values(weights).reduce((a, b) => a + Math.max(0, b), 0);
  return Object.fromEntries(Object.entries(weights).map(([w, n]) => [w, total > 0 ? Math.max(0, n) / total : 0]));
}

/** One policy's shares from its members in service (tiers applied), with run-time weights when an adaptive strategy set them. */
function sharesOf(name: string, p: PolicyLike, world: WorldView): Record<string, number> {
  const runtime = world.runtimeWeights[name];
  const byName = new Map(world.wans.map((w) => [w.name, w]));
  const ordered = ORDERED.has(p.strategy ?? '') && (p.members ?? []).every((m) => m.tier === undefined);
  const listed: MemberLike[] = p.members ?? world.wans.map((w) => ({ wan: w.name }));
  const members = listed.map((m, i) => ({
    wan: m.wan,
    weight: runtime?.weights[m.wan] ?? m.weight ?? byName.get(m.wan)?.weight ?? 1,
    tier: ordered ? i : (m.tier ?? byName.get(m.wan)?.tier ?? 0),
  }));
  const usable = members.filter((m) => byName.get(m.wan)?.inService);
  const best = Math.min(...usable.map((m) => m.tier));
  return normalise(Object.fromEntries(usable.filter((m) => m.tier === best).map((m) => [m.wan, m.weight])));
}

/** Every configured policy and the default one (the WANs that take new connections by default, with their weights). */
export function policyShares(world: WorldView): PolicyShare[] {
  const config = world.config as MwanConfig & { policies?: Record<string, PolicyLike>; defaultPolicy?: string };
  const policies = config.policies ?? {};
  const out: PolicyShare[] = [];
  if (!policies.default)
    out.push({
      name: 'default',
      strategy: world.mode === 'failover' ? 'priority' : 'weighted',
      shares: normalise(Object.fromEntries(world.active.map((w) => [w.name, w.weight]))),
      reason: world.runtimeWeights.default?.reason ?? null,
    });
  for (const [name, p] of Object.entries(policies))
    out.push({
      name,
      strategy: p.strategy ?? 'weighted',
      shares: sharesOf(name, p, world),
      reason: world.runtimeWeights[name]?.reason ?? null,
    });
  return out;
}
