// Overflow: fill members in order; a member whose traffic passes the threshold of its capacity spills new connections to the next.
import { fmt, type AdaptiveStrategy, type Decision, type DecideInput } from './types.ts';

/** Points below the threshold a full member must fall before it takes new connections again. */
export const OVERFLOW_HYSTERESIS_PCT = 15;

export function overflowStrategy(thresholdPct: number): AdaptiveStrategy {
  const full = new Set<string>();
  return {
    decide({ members }: DecideInput): Decision | null {
      if (members.length === 0) return null;
      const util = (m: DecideInput['members'][number]) =>
        m.mbps === null || !m.capacityMbps ? 0 : (100 * m.mbps) / m.capacityMbps;
      for (const m of members) {
        const u = util(m);
        if (u >= thresholdPct) full.add(m.wan);
        else if (u < thresholdPct - OVERFLOW_HYSTERESIS_PCT) full.delete(m.wan);
      }
      const ordered = [...members].sort((a, b) => a.tier - b.tier);
      const open = ordered.find((m) => !full.has(m.wan));
      const target = open ?? ordered.reduce((best, m) => (util(m) < util(best) ? m : best));
      const spilled = ordered.filter(
        (m) => m !== target && full.has(m.wan) && ordered.indexOf(m) < ordered.indexOf(target),
      );
      const why = spilled.length
        ? `${spilled.map((m) => `${m.wan} at ${fmt(util(m))}% of ${fmt(m.capacityMbps ?? 0)} Mbit/s`).join(', ')}: new connections to ${target.wan}`
        : open
          ? `${target.wan} below ${thresholdPct}% (${fmt(util(target))}%)`
          : `every member above ${thresholdPct}%: the least loaded, ${target.wan}`;
      return { weights: Object.fromEntries(members.map((m) => [m.wan, m === target ? 1 : 0])), reason: why };
    },
  };
}
