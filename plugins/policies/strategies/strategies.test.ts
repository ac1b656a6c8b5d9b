// Tests the adaptive weight math: overflow spill and return, least used, lowest latency with hysteresis, least connections by water-filling.
import assert from 'node:assert/strict';
import { ARRIVAL_PEAK_DECISIONS, leastConnectionsStrategy, waterFill } from './least-connections.ts';
import { leastUsedStrategy } from './least-used.ts';
import { lowestLatencyStrategy } from './lowest-latency.ts';
import { overflowStrategy } from './overflow.ts';
import type { MemberInput } from './types.ts';

const m = (wan: string, x: Partial<MemberInput> = {}): MemberInput => ({
  wan,
  weight: 1,
  tier: Number(wan.slice(-1)),
  rttMs: null,
  mbps: null,
  connections: 0,
  ...x,
});

describe('adaptive strategies', () => {
  it('overflow: the first member takes everything until it passes the threshold, then the next; back below threshold - 15', () => {
    const s = overflowStrategy(80);
    const at = (a: number, b: number) =>
      s.decide({
        now: 0,
        arrivals: 0,
        members: [m('isp1', { capacityMbps: 10, mbps: a }), m('isp2', { capacityMbps: 10, mbps: b })],
      })!;
    assert.deepEqual(at(5, 0).weights, { isp1: 1, isp2: 0 });
    const spill = at(8.5, 0);
    assert.deepEqual(spill.weights, { isp1: 0, isp2: 1 });
    assert.match(spill.reason, /isp1 at 85% of 10 Mbit\/s: new connections to isp2/);
    assert.deepEqual(at(7, 1).weights, { isp1: 0, isp2: 1 }, '70 % is inside the hysteresis band');
    assert.deepEqual(at(6, 1).weights, { isp1: 1, isp2: 0 }, 'below 65 % it takes new connections again');
    assert.deepEqual(at(9, 9.5).weights, { isp1: 1, isp2: 0 }, 'everything full: the least loaded');
  });

  it('least used: shares follow free capacity; waits for a measurement; all full falls back to capacity', () => {
    const s = leastUsedStrategy();
    assert.equal(
      s.decide({
        now: 0,
        arrivals: 0,
        members: [m('isp1', { capacityMbps: 10 }), m('isp2', { capacityMbps: 10, mbps: 0 })],
      }),
      null,
    );
    const d = s.decide({
      now: 0,
      arrivals: 0,
      members: [m('isp1', { capacityMbps: 10, mbps: 9 }), m('isp2', { capacityMbps: 10, mbps: 1 })],
    })!;
    assert.deepEqual(d.weights, { isp1: 2, isp2: 18 });
    assert.match(d.reason, /free Mbit\/s isp1 1\.0, isp2 9\.0/);
    const full = s.decide({
      now: 0,
      arrivals: 0,
      members: [m('isp1', { capacityMbps: 30, mbps: 40 }), m('isp2', { capacityMbps: 10, mbps: 12 })],
    })!;
    assert.deepEqual(full.weights, { isp1: 15, isp2: 5 });
  });

  it('lowest latency: the fastest at first; a challenger needs a clear margin held for holdSeconds; a gone member is replaced at once', () => {
    const s = lowestLatencyStrategy({ hysteresisMs: 10, hysteresisPct: 20, holdSeconds: 3 });
    const at = (now: number, a: number | null, b: number | null, members = ['isp1', 'isp2']) =>
      s.decide({ now, arrivals: 0, members: members.map((w) => m(w, { rttMs: w === 'isp1' ? a : b })) })?.weights;
    assert.equal(at(0, null, null), undefined);
    assert.deepEqual(at(0, 50, 60), { isp1: 1, isp2: 0 });
    assert.deepEqual(at(1000, 50, 45), { isp1: 1, isp2: 0 }, '5 ms better is inside the hysteresis');
    assert.deepEqual(at(2000, 50, 30), { isp1: 1, isp2: 0 }, 'clearly better, but not for 3 s yet');
    assert.deepEqual(at(4000, 50, 30), { isp1: 1, isp2: 0 });
    assert.deepEqual(at(5000, 50, 30), { isp1: 0, isp2: 1 }, 'held for 3 s: switch');
    assert.deepEqual(at(6000, 29, 30), { isp1: 0, isp2: 1 }, 'no flapping back for 1 ms');
    assert.deepEqual(at(7000, 29, 30, ['isp1']), { isp1: 1 }, 'the current member left: the best remaining at once');
  });

  it('lowest latency: a round without RTT keeps the choice; a member without RTT is replaced only after holdSeconds', () => {
    const s = lowestLatencyStrategy({ hysteresisMs: 10, hysteresisPct: 20, holdSeconds: 3 });
    const at = (now: number, a: number | null, b: number | null) =>
      s.decide({ now, arrivals: 0, members: ['isp1', 'isp2'].map((w) => m(w, { rttMs: w === 'isp1' ? a : b })) })
        ?.weights;
    assert.deepEqual(at(0, 50, 60), { isp1: 1, isp2: 0 });
    assert.deepEqual(
      at(1000, null, null),
      { isp1: 1, isp2: 0 },
      'every round lost (a stall): kept, not static weights',
    );
    assert.deepEqual(at(2000, null, 60), { isp1: 1, isp2: 0 }, 'its own round lost once: kept');
    assert.deepEqual(at(3000, 50, 60), { isp1: 1, isp2: 0 }, 'measured again: the challenge ends');
    assert.deepEqual(at(4000, null, 60), { isp1: 1, isp2: 0 });
    assert.deepEqual(at(6000, null, 60), { isp1: 1, isp2: 0 }, 'no RTT for 2 s: still inside the hold');
    assert.deepEqual(at(7000, null, 60), { isp1: 0, isp2: 1 }, 'no RTT for holdSeconds: the measured one takes over');
  });

  it('least connections: water-filling sends new connections to the emptiest members, by weight', () => {
    assert.deepEqual(waterFill([12, 0, 0], [1, 1, 1], 12), [0, 6, 6]);
    assert.deepEqual(waterFill([12, 0, 3], [1, 1, 1], 6), [0, 4.5, 1.5]);
    assert.deepEqual(waterFill([4, 4], [1, 1], 2), [1, 1]);
    assert.deepEqual(waterFill([0, 0], [3, 1], 8), [6, 2]);
    const s = leastConnectionsStrategy();
    const d = s.decide({
      now: 0,
      arrivals: 10,
      members: [m('isp1', { connections: 12 }), m('isp2', { connections: 2 }), m('isp3', { connections: 4 })],
    })!;
    assert.deepEqual(d.weights, { isp1: 0, isp2: 12, isp3: 8 });
    assert.match(d.reason, /open connections isp1 12, isp2 2, isp3 4; 10 expected/);
  });

  it('least connections: plans for the most arrivals of the last few intervals, so a burst after a lull is spread', () => {
    const s = leastConnectionsStrategy();
    const at = (arrivals: number, counts: number[]) =>
      s.decide({ now: 0, arrivals, members: counts.map((c, i) => m(`isp${i + 1}`, { connections: c })) })!;
    assert.match(at(12, [4, 4, 4]).reason, /12 expected/);
    const lull = at(2, [6, 0, 6]);
    assert.match(lull.reason, /12 expected/, 'a quiet interval does not shrink the plan at once');
    assert.deepEqual(
      lull.weights,
      { isp1: 3, isp2: 13, isp3: 3 },
      'the emptiest member leads, the others keep a share (planning for 2 would give isp2 everything)',
    );
    for (let k = 0; k < ARRIVAL_PEAK_DECISIONS - 1; k++) at(2, [4, 4, 4]);
    assert.match(
      at(2, [4, 4, 4]).reason,
      /4 expected/,
      'the burst is forgotten after ARRIVAL_PEAK_DECISIONS quiet intervals',
    );
  });
});
