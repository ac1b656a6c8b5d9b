// How a policy's kernel choice is written: an exact `numgen inc` cycle in smooth weighted order, weighted `numgen random` ranges, weight scaling.
import { weightRanges } from './selection.ts';
import { chainFor } from './names.ts';

export interface Slot {
  id: number;
  weight: number;
}

/** A vmap key: one value, or an inclusive range. */
const span = (from: number, to: number) => (from === to ? String(from) : `${from}-${to}`);

/**
 * `numgen random mod Σw vmap { 0-2 : jump to_wanA, … }`: contiguous, non-overlapping ranges sized by weight;
 * one WAN is a plain `jump`. `target` names the chain per WAN id (default `to_wan<id>`, which also counts).
 */
export function randomChoice(slots: Slot[], target: (id: number) => string = chainFor): string | undefined {
  if (slots.length === 0) return undefined;
  if (slots.length === 1) return `jump ${target(slots[0].id)}`;
  const ranges = weightRanges(slots);
  const entries = ranges.map((r) => `${span(r.from, r.to)} : jump ${target(r.wan.id)}`);
  return `numgen random mod ${ranges[ranges.length - 1].to + 1} vmap { ${entries.join(', ')} }`;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Weights divided by their greatest common divisor: 200:100 → 2:1, so the cycle is as short as it can be. */
export function reduceWeights(weights: number[]): number[] {
  const g = weights.reduce(gcd, 0);
  return g > 1 ? weights.map((w) => w / g) : weights;
}

/** A run of consecutive cycle positions that go to one slot (one vmap entry). */
export interface Run {
  slot: number;
  count: number;
}

const push = (runs: Run[], slot: number, count: number) => {
  if (count === 0) return;
  const last = runs[runs.length - 1];
  if (last?.slot === slot) last.count += count;
  else runs.push({ slot, count });
};

/**
 * Smooth weighted round robin (as nginx does it) over reduced weights, as runs; undefined as soon as it needs more
 * than `maxRuns` (so a large sum such as 37:23:19:11 costs a few steps, not Σw).
 */
function smoothRuns(w: number[], maxRuns: number): Run[] | undefined {
  const total = w.reduce((a, b) => a + b, 0);
  const current = w.map(() => 0);
  const runs: Run[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < w.length; i++) {
      current[i] += w[i];
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    push(runs, best, 1);
    if (runs.length > maxRuns) return undefined;
  }
  return runs;
}

/**
 * The same cycle in `rounds` rounds: in round r slot i takes ⌊(r+1)·wᵢ/rounds⌋ − ⌊r·wᵢ/rounds⌋ consecutive
 * positions, so every slot still gets exactly wᵢ per cycle, in at most rounds × slots entries.
 */
function roundRuns(w: number[], rounds: number): Run[] {
  const runs: Run[] = [];
  for (let r = 0; r < rounds; r++)
    for (const [i, x] of w.entries()) push(runs, i, Math.floor(((r + 1) * x) / rounds) - Math.floor((r * x) / rounds));
  return runs;
}

/** At most this many vmap entries in a cycle (or one per WAN, when there are more WANs). */
export const MAX_CYCLE_ENTRIES = 64;

/**
 * The order in which `Σw` successive new connections (weights reduced by their gcd) visit the slots, each exactly
 * as often as its weight: the smooth weighted order (5:1:1 → a a b a c a a) when it fits in `maxEntries` runs,
 * else rounds of contiguous ranges that do.
 */
export function cycleRuns(weights: number[], maxEntries = MAX_CYCLE_ENTRIES): Run[] {
  const w = reduceWeights(weights);
  const limit = Math.max(maxEntries, w.length);
  return smoothRuns(w, limit) ?? roundRuns(w, Math.max(1, Math.floor(limit / w.length)));
}

/** The smooth weighted order itself, one position per connection (for tests and docs). */
export function roundRobinOrder(weights: number[]): number[] {
  return (smoothRuns(reduceWeights(weights), Number.POSITIVE_INFINITY) ?? []).flatMap((r) =>
    new Array<number>(r.count).fill(r.slot),
  );
}

/**
 * `numgen inc mod N vmap { … }`: every new connection takes the next position of the cycle, so any N successive
 * connections split exactly by weight, whatever the counter's phase (it restarts when the rule is replaced).
 */
export function cycleChoice(all: Slot[], target: (id: number) => string = chainFor): string | undefined {
  const slots = all.filter((s) => s.weight > 0);
  if (slots.length === 0) return undefined;
  if (slots.length === 1) return `jump ${target(slots[0].id)}`;
  const entries: string[] = [];
  let next = 0;
  for (const run of cycleRuns(slots.map((s) => s.weight))) {
    entries.push(`${span(next, next + run.count - 1)} : jump ${target(slots[run.slot].id)}`);
    next += run.count;
  }
  return `numgen inc mod ${next} vmap { ${entries.join(', ')} }`;
}

/**
 * Integer weights proportional to `values` summing to about `total`; zeros stay zero, any positive value gets at
 * least 1. All zeros (or nothing positive) give all zeros.
 */
export function scaleWeights(values: number[], total = 100): number[] {
  const sum = values.reduce((a, v) => a + Math.max(0, v), 0);
  if (!(sum > 0)) return values.map(() => 0);
  return values.map((v) => (v > 0 ? Math.max(1, Math.round((v * total) / sum)) : 0));
}
