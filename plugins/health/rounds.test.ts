// Tests the grouping of probe samples into rounds by send time, and when a round closes.
import assert from 'node:assert/strict';
import { RoundCollector } from './rounds.ts';

const targets = [
  { target: 'a', method: 'icmp' },
  { target: 'b', method: 'tcp' },
];

describe('RoundCollector', () => {
  it('closes an incomplete slot only after its end plus the timeout', () => {
    const c = new RoundCollector(targets, 200, 300, 1000);
    c.add({ target: 'a', method: 'icmp', sentAt: 1010, rttMs: 5 });
    assert.deepEqual(c.close(1450), [], 'slot [1000,1200) waits for b until 1200 + 300 + grace');
    const [r] = c.close(1540);
    assert.deepEqual([r.answered, r.probed, r.rttMs, r.sentAt], [1, 1, 5, 1010]);
    assert.deepEqual(
      r.targets.map((t) => t.ok),
      [true, null],
    );
  });

  it('closes a slot as soon as every target has reported, in order', () => {
    const c = new RoundCollector(targets, 200, 300, 1000);
    c.add({ target: 'a', method: 'icmp', sentAt: 1210, rttMs: 4 });
    c.add({ target: 'b', method: 'tcp', sentAt: 1220, rttMs: 6 });
    c.add({ target: 'a', method: 'icmp', sentAt: 1010, rttMs: 5 });
    assert.deepEqual(c.close(1230), [], 'slot 1 is complete but slot 0 still waits for b');
    c.add({ target: 'b', method: 'tcp', sentAt: 1020, rttMs: null });
    const rounds = c.close(1320);
    assert.deepEqual(
      rounds.map((r) => [r.answered, r.probed]),
      [
        [1, 2],
        [2, 2],
      ],
    );
    assert.deepEqual(
      rounds[0].targets.map((t) => t.ok),
      [true, false],
    );
  });

  it('reports a target without a sample in the slot as not probed, and rounds in order', () => {
    const c = new RoundCollector(targets, 100, 50, 0);
    c.add({ target: 'a', method: 'icmp', sentAt: 150, rttMs: 3 });
    c.add({ target: 'a', method: 'icmp', sentAt: 20, rttMs: null });
    const rounds = c.close(10_000);
    assert.equal(rounds.length, 2);
    assert.deepEqual(
      rounds.map((r) => [r.answered, r.probed]),
      [
        [0, 1],
        [1, 1],
      ],
    );
    assert.equal(rounds[0].targets[1].ok, null);
  });

  it('a slot with two samples of one target counts it as answering if either answered', () => {
    const c = new RoundCollector(targets.slice(0, 1), 100, 50, 0);
    c.add({ target: 'a', method: 'icmp', sentAt: 1, rttMs: null });
    c.add({ target: 'a', method: 'icmp', sentAt: 99, rttMs: 7 });
    assert.equal(c.close(1000)[0].answered, 1);
  });
});
