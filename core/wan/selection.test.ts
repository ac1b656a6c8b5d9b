// Tests WAN selection: which WANs are active in balanced and failover mode, and exact non-overlapping weight ranges.
import assert from 'node:assert/strict';
import { activeWans, weightRanges, type Selectable } from './selection.ts';

const w = (name: string, inService: boolean, tier = 1, weight = 1): Selectable => ({ name, inService, tier, weight });
const names = (ws: Selectable[]) => ws.map((x) => x.name);

describe('activeWans', () => {
  const wans = [w('a', true, 2), w('b', false, 1), w('c', true, 1), w('d', true, 3), w('e', true, 1)];

  it('balanced: every WAN in service, in config order, whatever its tier', () => {
    assert.deepEqual(names(activeWans('balanced', wans)), ['a', 'c', 'd', 'e']);
  });

  it('failover: only the lowest tier that has a WAN in service', () => {
    assert.deepEqual(names(activeWans('failover', wans)), ['c', 'e']);
  });

  it('failover: tier 2 takes over when tier 1 is out of service', () => {
    const t1Down = wans.map((x) => (x.tier === 1 ? { ...x, inService: false } : x));
    assert.deepEqual(names(activeWans('failover', t1Down)), ['a']);
  });

  it('failover: back to tier 1 when one of its WANs returns', () => {
    const back = wans.map((x) => (x.tier === 1 ? { ...x, inService: x.name === 'b' } : x));
    assert.deepEqual(names(activeWans('failover', back)), ['b']);
  });

  it('none when nothing is in service, in either mode', () => {
    const down = wans.map((x) => ({ ...x, inService: false }));
    assert.deepEqual(activeWans('balanced', down), []);
    assert.deepEqual(activeWans('failover', down), []);
  });
});

describe('weightRanges', () => {
  const ranges = (weights: number[]) => weightRanges(weights.map((weight, i) => w(`w${i}`, true, 1, weight))).map((r) => [r.wan.name, r.from, r.to]);

  it('gives 3:2:1 the ranges 0-2, 3-4, 5', () => {
    assert.deepEqual(ranges([3, 2, 1]), [['w0', 0, 2], ['w1', 3, 4], ['w2', 5, 5]]);
  });

  it('gives equal weights one slot each, with no overlap', () => {
    assert.deepEqual(ranges([1, 1, 1]), [['w0', 0, 0], ['w1', 1, 1], ['w2', 2, 2]]);
    assert.deepEqual(ranges([5, 5]), [['w0', 0, 4], ['w1', 5, 9]]);
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
      assert.equal(next, weights.reduce((a, b) => a + b, 0));
    }
  });

  it('is empty for no WANs', () => {
    assert.deepEqual(weightRanges([]), []);
  });
});
