// Lowest latency: all new connections to the member with the lowest probe RTT; a challenger must be clearly and lastingly faster (hysteresis).
import { fmt, type AdaptiveStrategy, type Decision, type DecideInput } from './types.ts';

export interface LatencyOptions {
  hysteresisMs: number;
  hysteresisPct: number;
  holdSeconds: number;
}

/**
 * Switches from the current member to a faster one only when its RTT is lower by more than
 * max(hysteresisMs, hysteresisPct % of the current RTT), and has stayed so for holdSeconds. A current member that is
 * no longer usable is replaced at once. One whose round measured no RTT (its probes lost: on a loaded router a stall
 * loses every WAN's round at once) is kept: nothing measured keeps it as it is, and a measured challenger replaces it
 * only after holdSeconds, as a faster one would; a dead WAN leaves service by its health verdict, and is replaced then.
 */
export function lowestLatencyStrategy(o: LatencyOptions): AdaptiveStrategy {
  let current: string | undefined;
  let challenger: { wan: string; since: number } | undefined;
  return {
    decide({ now, members }: DecideInput): Decision | null {
      const measured = members.filter((m) => m.rttMs !== null);
      const usable = members.find((m) => m.wan === current);
      const choose = (reason: string): Decision => ({
        weights: Object.fromEntries(members.map((m) => [m.wan, m.wan === current ? 1 : 0])),
        reason,
      });
      if (measured.length === 0) return usable ? choose(`${usable.wan}: no RTT measured this round, kept`) : null;
      const best = measured.reduce((a, b) => (b.rttMs! < a.rttMs! ? b : a));
      const cur = measured.find((m) => m.wan === current);
      if (usable && !cur) {
        if (challenger?.wan !== best.wan) challenger = { wan: best.wan, since: now };
        if (now - challenger.since < o.holdSeconds * 1000)
          return choose(`${usable.wan} kept: no RTT this round (${best.wan} ${fmt(best.rttMs!)} ms)`);
      }
      let reason: string;
      if (!cur) {
        reason = `${best.wan} has the lowest RTT (${fmt(best.rttMs!)} ms)${current ? `; ${current} has none` : ''}`;
        current = best.wan;
        challenger = undefined;
      } else if (
        best.wan !== cur.wan &&
        cur.rttMs! - best.rttMs! > Math.max(o.hysteresisMs, (cur.rttMs! * o.hysteresisPct) / 100)
      ) {
        if (challenger?.wan !== best.wan) challenger = { wan: best.wan, since: now };
        if (now - challenger.since >= o.holdSeconds * 1000) {
          reason = `${best.wan} (${fmt(best.rttMs!)} ms) beat ${cur.wan} (${fmt(cur.rttMs!)} ms) for ${o.holdSeconds} s`;
          current = best.wan;
          challenger = undefined;
        } else {
          reason = `${cur.wan} (${fmt(cur.rttMs!)} ms); ${best.wan} (${fmt(best.rttMs!)} ms) is faster since ${((now - challenger.since) / 1000).toFixed(1)} s`;
        }
      } else {
        challenger = undefined;
        reason = `${cur.wan} (${fmt(cur.rttMs!)} ms) within the hysteresis of the fastest`;
      }
      return choose(reason);
    },
  };
}
