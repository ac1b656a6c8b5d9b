// How a policy's kernel choice is written: weighted `numgen random` ranges, interleaved `numgen inc` slots, weight scaling.
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

/**
 * Smooth weighted round robin (as nginx does it): the order in which `Σw` successive choices visit the slots, each
 * as often as its weight and as evenly spread as possible. Weights are reduced by their common divisor first.
 */
export function roundRobinOrder(weights: number[]): number[] {
  const g = weights.reduce(gcd);
  const w = weights.map((x) => x / g);
  const total = w.reduce((a, b) => a + b, 0);
  const current = w.map(() => 0);
  const order: number[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < w.length; i++) {
      current[i] += w[i];
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    order.push(best);
  }
  return order;
}

/** `numgen inc mod N vmap { … }`: every new connection takes the next slot, in smooth weighted order. */
export function roundRobinChoice(slots: Slot[]): string | undefined {
  if (slots.length === 0) return undefined;
  if (slots.length === 1) return `jump ${chainFor(slots[0].id)}`;
  const order = roundRobinOrder(slots.map((s) => s.weight));
  const entries: string[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1] === order[i]) j++;
    entries.push(`${span(i, j)} : jump ${chainFor(slots[order[i]].id)}`);
    i = j + 1;
  }
  return `numgen inc mod ${order.length} vmap { ${entries.join(', ')} }`;
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
