// Which WANs take new connections: all in service (balanced) or the lowest tier with one in service (failover).
import type { MwanConfig } from '../config/schema.ts';

export interface Selectable { name: string; inService: boolean; weight: number; tier: number }

export function activeWans<T extends Selectable>(mode: MwanConfig['mode'], wans: T[]): T[] {
  const live = wans.filter((w) => w.inService);
  if (mode === 'balanced' || live.length === 0) return live;
  const best = Math.min(...live.map((w) => w.tier));
  return live.filter((w) => w.tier === best);
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
