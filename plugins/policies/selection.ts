// Which WANs of a policy take new connections (those in service; for priority the lowest tier among them), and exact weight ranges.
import type { ResolvedMember, ResolvedPolicy } from './resolve.ts';

export interface Selectable {
  name: string;
  inService: boolean;
  weight: number;
  tier: number;
}

/**
 * Splits 0..total-1 into one contiguous range per WAN, sized by weight: the shares are exact and never overlap
 * (VyOS's overlapping ranges for equal weights are the bug this avoids).
 */
export function weightRanges<T extends { weight: number }>(wans: T[]): { wan: T; from: number; to: number }[] {
  let next = 0;
  return wans.map((wan) => {
    const from = next;
    next += wan.weight;
    return { wan, from, to: next - 1 };
  });
}

/**
 * The members of a policy that can take new connections now: those in service, and for `priority` only the
 * lowest tier among them. Each comes back as its WAN with the member's weight and tier.
 */
export function usableMembers<T extends Selectable>(
  policy: Pick<ResolvedPolicy, 'strategy' | 'members'>,
  wans: T[],
): (T & { member: ResolvedMember })[] {
  const byName = new Map(wans.map((w) => [w.name, w]));
  const live = policy.members.flatMap((m) => {
    const w = byName.get(m.wan);
    return w?.inService ? [{ ...w, weight: m.weight, tier: m.tier, member: m }] : [];
  });
  if (policy.strategy !== 'priority' || live.length === 0) return live;
  const best = Math.min(...live.map((w) => w.tier));
  return live.filter((w) => w.tier === best);
}
