// Tests exact non-overlapping weight ranges.
import assert from 'node:assert/strict';
import { weightRanges, type Selectable } from './selection.ts';

const w = (name: string, inService: boolean, tier = 1, weight = 1): Selectable => ({ name, inService, tier, weight });
const names = (ws: Selectable[]) => ws.map((x) => x.name);

describe('weightRanges', () => {
  const ranges = (weights: number[]) =>
    weightRanges(weights.map((weight, i) => w(`w${i}`, true, 1, weight))).map((r) => [r.wan.name, r.from, r.to]);

  it('gives 3:2:1 the ranges 0-2, 3-4, 5', () => {
    assert.deepEqual(ranges([3, 2, 1]), [
      ['w0', 0, 2],
      ['w1', 3, 4],
      ['w2', 5, 5],
    ]);
  });

  it('gives equal weights one slot each, with no overlap', () => {
    assert.deepEqual(ranges([1, 1, 1]), [
      ['w0', 0, 0],
      ['w1', 1, 1],
      ['w2', 2, 2],
    ]);
    assert.deepEqual(ranges([5, 5]), [
      ['w0', 0, 4],
      ['w1', 5, 9],
    ]);
  });

  it('for any weights, ranges are contiguous, exactly as wide as the weight and cover 0..total-1', () => {
    const samples = [[1], [2, 7], [1, 1, 1, 1], [10, 1, 3, 3], [1000, 1, 250]];
    for (const weights of samples) {
      const rs = weightRanges(weights.map((weight) => ({ weight })));
      let next = 0;
      rs.forEach((r, i) => {
        assert.equal(r.from, next, `weights ${weights}`);
        assert.equal(r.to - r.from + 1, weights[i]);
        next = r.to + 1;
      });
      assert.equal(
        next,
        weights.reduce((a, b) => a + b, 0),
      );
    }
  });

  it('is empty for no WANs', () => {
    assert.deepEqual(weightRanges([]), []);
  });
});
