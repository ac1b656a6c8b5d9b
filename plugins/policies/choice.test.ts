// Tests the kernel choice text: the exact numgen inc cycle (smooth order, gcd, bounded size), weighted random ranges, weight scaling.
import assert from 'node:assert/strict';
import {
  cycleChoice,
  cycleRuns,
  MAX_CYCLE_ENTRIES,
  randomChoice,
  reduceWeights,
  roundRobinOrder,
  scaleWeights,
} from './choice.ts';

const slots = (...weights: number[]) => weights.map((weight, i) => ({ id: i + 1, weight }));

/** Every position of a cycle, expanded from its runs. */
const expand = (weights: number[]) => cycleRuns(weights).flatMap((r) => new Array<number>(r.count).fill(r.slot));
function countsOf(order: number[], n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const s of order) counts[s]++;
  return counts;
}

describe('policy choice', () => {
  it('random: exact ranges by weight, a single WAN is a jump, none is nothing', () => {
    assert.equal(
      randomChoice(slots(3, 2, 1)),
      'numgen random mod 6 vmap { 0-2 : jump to_wan1, 3-4 : jump to_wan2, 5 : jump to_wan3 }',
    );
    assert.equal(randomChoice([{ id: 7, weight: 5 }]), 'jump to_wan7');
    assert.equal(randomChoice([]), undefined);
  });

  it('cycle 3:2:1: numgen inc mod 6 in smooth order, each WAN as often as its weight', () => {
    assert.equal(
      cycleChoice(slots(3, 2, 1)),
      'numgen inc mod 6 vmap { 0 : jump to_wan1, 1 : jump to_wan2, 2 : jump to_wan1, 3 : jump to_wan3, 4 : jump to_wan2, 5 : jump to_wan1 }',
    );
    assert.equal(
      cycleChoice(slots(5, 1, 1)),
      'numgen inc mod 7 vmap { 0-1 : jump to_wan1, 2 : jump to_wan2, 3 : jump to_wan1, 4 : jump to_wan3, 5-6 : jump to_wan1 }',
    );
    assert.equal(
      cycleChoice(slots(1, 1, 1)),
      'numgen inc mod 3 vmap { 0 : jump to_wan1, 1 : jump to_wan2, 2 : jump to_wan3 }',
    );
  });

  it('cycle 100:1: three ranges, not 101 elements', () => {
    assert.equal(
      cycleChoice(slots(100, 1)),
      'numgen inc mod 101 vmap { 0-49 : jump to_wan1, 50 : jump to_wan2, 51-100 : jump to_wan1 }',
    );
  });

  it('cycle weights are reduced by their greatest common divisor: 200:100:100 is a cycle of 4', () => {
    assert.deepEqual(reduceWeights([200, 100, 100]), [2, 1, 1]);
    assert.deepEqual(reduceWeights([3, 2, 1]), [3, 2, 1]);
    assert.deepEqual(reduceWeights([7]), [1]);
    assert.equal(
      cycleChoice(slots(200, 100, 100)),
      'numgen inc mod 4 vmap { 0 : jump to_wan1, 1 : jump to_wan2, 2 : jump to_wan3, 3 : jump to_wan1 }',
    );
    assert.equal(cycleChoice(slots(6, 4, 2)), cycleChoice(slots(3, 2, 1)));
  });

  it('cycle of large sums and many WANs: still exact per cycle, never more than the entry bound', () => {
    const cases = [
      [1000, 999, 998],
      [37, 23, 19, 11],
      [997, 1, 500, 3, 250],
      Array.from({ length: 64 }, (_, i) => 1000 - i),
      Array.from({ length: 80 }, (_, i) => (i % 7) + 1),
    ];
    for (const w of cases) {
      const runs = cycleRuns(w);
      const reduced = reduceWeights(w);
      assert.ok(runs.length <= Math.max(MAX_CYCLE_ENTRIES, w.length), `${w.length} WANs: ${runs.length} entries`);
      assert.deepEqual(countsOf(expand(w), w.length), reduced, `cycle counts for ${w.slice(0, 5).join(':')}…`);
      const text = cycleChoice(slots(...w))!;
      assert.match(text, new RegExp(`^numgen inc mod ${reduced.reduce((a, b) => a + b, 0)} vmap \\{ 0`));
    }
    // 1000:999:998 does not fit in smooth order: 21 rounds of contiguous ranges, each about 47 connections per WAN.
    const rounds = cycleRuns([1000, 999, 998]);
    assert.equal(rounds.length, 63);
    assert.ok(rounds.every((r) => r.count === 47 || r.count === 48));
  });

  it('cycle: any Σw successive connections split exactly, from any phase of the counter', () => {
    for (const w of [
      [3, 2, 1],
      [3, 1],
      [100, 1],
      [37, 23, 19, 11],
    ]) {
      const order = expand(w);
      const reduced = reduceWeights(w);
      for (let phase = 0; phase < order.length; phase += Math.max(1, Math.floor(order.length / 7))) {
        const window = Array.from({ length: order.length * 3 }, (_, k) => order[(phase + k) % order.length]);
        assert.deepEqual(
          countsOf(window, w.length),
          reduced.map((x) => x * 3),
        );
      }
    }
  });

  it('cycle: a single WAN is a plain jump, none is nothing, zero weights take no slot', () => {
    assert.equal(cycleChoice([{ id: 4, weight: 3 }]), 'jump to_wan4');
    assert.equal(cycleChoice([]), undefined);
    assert.equal(cycleChoice(slots(2, 0)), 'jump to_wan1');
    assert.equal(
      cycleChoice(slots(1, 1), (id) => `set_wan${id}`),
      'numgen inc mod 2 vmap { 0 : jump set_wan1, 1 : jump set_wan2 }',
    );
  });

  it('round robin order: each slot as often as its weight, spread evenly, weights reduced by their common divisor', () => {
    assert.deepEqual(roundRobinOrder([1, 1, 1]), [0, 1, 2]);
    assert.deepEqual(roundRobinOrder([2, 2]), [0, 1]);
    assert.deepEqual(roundRobinOrder([5, 1, 1]), [0, 0, 1, 0, 2, 0, 0]);
  });

  it('scales measurements to integer weights near a total; zero stays zero, any positive value gets at least 1', () => {
    assert.deepEqual(scaleWeights([30, 10, 0]), [75, 25, 0]);
    assert.deepEqual(scaleWeights([1000, 1, 0]), [100, 1, 0]);
    assert.deepEqual(scaleWeights([0, 0]), [0, 0]);
    assert.deepEqual(scaleWeights([2, 2], 10), [5, 5]);
  });
});
