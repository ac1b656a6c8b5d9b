// Tests which policies get the exact numgen inc cycle and which keep numgen random.
import assert from 'node:assert/strict';
import { choiceKind } from './weights.ts';
import type { ResolvedPolicy } from './resolve.ts';

const kind = (strategy: string, adaptive = false) =>
  choiceKind(
    { strategy: strategy as ResolvedPolicy['strategy'] },
    adaptive ? { weights: { isp1: 1 }, reason: 'test' } : undefined,
  );

describe('choiceKind', () => {
  it('weights from the config count: weighted, priority, round robin, persistence, an NFQUEUE pre-choice', () => {
    for (const s of ['weighted', 'priority', 'round-robin', 'persistence', 'nfqueue:least-connections'])
      assert.equal(kind(s), 'cycle', s);
  });

  it('weights rewritten at run time, and the exploring choice of fastest response, stay random', () => {
    for (const s of ['least-used', 'least-connections', 'overflow', 'lowest-latency', 'fastest-response'])
      assert.equal(kind(s), 'random', s);
    assert.equal(kind('weighted', true), 'random', 'run-time weights on any policy');
  });
});
