// Tests the kernel choice text: weighted random ranges, smooth round-robin order, and weight scaling.
import assert from 'node:assert/strict';
import { randomChoice, roundRobinChoice, roundRobinOrder, scaleWeights } from './choice.ts';

describe('policy choice', () => {
  it('random: exact ranges by weight, a single WAN is a jump, none is nothing', () => {
    assert.equal(
      randomChoice([
        { id: 1, weight: 3 },
        { id: 2, weight: 2 },
        { id: 3, weight: 1 },
      ]),
      'numgen random mod 6 vmap { 0-2 : jump to_wan1, 3-4 : jump to_wan2, 5 : jump to_wan3 }',
    );
    assert.equal(randomChoice([{ id: 7, weight: 5 }]), 'jump to_wan7');
    assert.equal(randomChoice([]), undefined);
  });

  it('round robin: each slot as often as its weight, spread evenly, weights reduced by their common divisor', () => {
    assert.deepEqual(roundRobinOrder([1, 1, 1]), [0, 1, 2]);
    assert.deepEqual(roundRobinOrder([2, 2]), [0, 1]);
    const order = roundRobinOrder([5, 1, 1]);
    assert.deepEqual(order, [0, 0, 1, 0, 2, 0, 0]);
    assert.equal(
      roundRobinChoice([
        { id: 1, weight: 1 },
        { id: 2, weight: 1 },
        { id: 3, weight: 1 },
      ]),
      'numgen inc mod 3 vmap { 0 : jump to_wan1, 1 : jump to_wan2, 2 : jump to_wan3 }',
    );
    assert.equal(
      roundRobinChoice([
        { id: 1, weight: 5 },
        { id: 2, weight: 1 },
        { id: 3, weight: 1 },
      ]),
      'numgen inc mod 7 vmap { 0-1 : jump to_wan1, 2 : jump to_wan2, 3 : jump to_wan1, 4 : jump to_wan3, 5-6 : jump to_wan1 }',
    );
    assert.equal(roundRobinChoice([{ id: 4, weight: 3 }]), 'jump to_wan4');
  });

  it('scales measurements to integer weights near a total; zero stays zero, any positive value gets at least 1', () => {
    assert.deepEqual(scaleWeights([30, 10, 0]), [75, 25, 0]);
    assert.deepEqual(scaleWeights([1000, 1, 0]), [100, 1, 0]);
    assert.deepEqual(scaleWeights([0, 0]), [0, 0]);
    assert.deepEqual(scaleWeights([2, 2], 10), [5, 5]);
  });
});
