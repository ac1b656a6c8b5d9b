// Tests the ping bookkeeping on scripted timelines: one outcome per request, losses declared on time, late replies.
import assert from 'node:assert/strict';
import { PingLedger } from './ping-ledger.ts';
import { parsePingLine } from './ping-output.ts';

const I = 200;
const T = 300;
const ledger = (preload = 2): PingLedger =>
  new PingLedger({ startAt: 1000, intervalMs: I, timeoutMs: T, preload, graceMs: 5 });
const reply = (seq: number, at: number, rtt: number) =>
  parsePingLine(`[${at / 1000}] 64 bytes from 203.0.113.10: icmp_seq=${seq} ttl=63 time=${rtt} ms`);
const noAnswer = (seq: number, at: number) => parsePingLine(`[${at / 1000}] no answer yet for icmp_seq=${seq}`);

describe('ping ledger', () => {
  it('places the preloaded burst at start and then one request per interval', () => {
    const l = ledger();
    assert.deepEqual(
      [1, 2, 3, 4].map((s) => l.sentAt(s)),
      [1000, 1000, 1200, 1400],
    );
    assert.deepEqual(ledger(1).sentAt(1), 1000);
    assert.deepEqual(ledger(1).sentAt(3), 1400);
  });

  it('reports a reply once, with sentAt = arrival − rtt, and ignores its duplicate', () => {
    const l = ledger();
    assert.deepEqual(l.observe(reply(1, 1004.5, 1.5), 1005), [{ seq: 1, sentAt: 1003, rttMs: 1.5 }]);
    assert.deepEqual(
      l.observe(parsePingLine('[1.0045] 64 bytes from 203.0.113.10: icmp_seq=1 ttl=63 time=1.5 ms (DUP!)'), 1006),
      [],
    );
    assert.deepEqual(l.observe(reply(1, 1004.5, 1.5), 1006), []);
  });

  it('declares an unanswered request lost at its send time + timeout + grace, not before', () => {
    const l = ledger();
    l.observe(reply(1, 1001, 1), 1001);
    l.observe(reply(2, 1001, 1), 1001);
    assert.equal(l.nextDeadline(), 1200 + T + 5);
    assert.deepEqual(l.due(1504), []);
    assert.deepEqual(l.due(1505), [{ seq: 3, sentAt: 1200, rttMs: null, error: 'no reply within 300 ms' }]);
    assert.deepEqual(l.due(1505), [], 'never twice');
  });

  it('counts a reply that comes after the timeout as a failure, and one after the loss was declared not at all', () => {
    const l = ledger();
    assert.deepEqual(l.observe(reply(1, 1350, 350), 1351), [
      { seq: 1, sentAt: 1000, rttMs: null, error: 'reply after 350 ms, over the 300 ms timeout' },
    ]);
    l.observe(reply(2, 1001, 1), 1001);
    assert.equal(l.due(1600).length, 1); // seq 3 lost
    assert.deepEqual(l.observe(reply(3, 1601, 401), 1601), []);
  });

  it('follows ping\'s real schedule from replies and "no answer yet" lines', () => {
    const l = ledger();
    // ping actually runs 20 ms behind the first guess.
    l.observe(reply(3, 1221, 1), 1221);
    assert.equal(l.sentAt(4), 1420);
    l.observe(noAnswer(4, 1620), 1620); // printed right before seq 5 leaves
    assert.equal(l.sentAt(5), 1620);
    // Jitter of a few ms moves the estimate only part of the way.
    l.observe(reply(5, 1625, 1), 1625);
    assert.ok(l.sentAt(6) > 1820 && l.sentAt(6) < 1824, String(l.sentAt(6)));
    // A jump of more than half an interval (ping was stalled) is taken at once.
    l.observe(noAnswer(6, 2200), 2200);
    assert.equal(l.sentAt(7), 2200);
  });

  it('reports ICMP errors at once, for their request', () => {
    const l = ledger();
    assert.deepEqual(l.observe(parsePingLine('[1.25] From 100.64.2.1 icmp_seq=3 Destination Host Unreachable'), 1250), [
      { seq: 3, sentAt: 1200, rttMs: null, error: 'Destination Host Unreachable (from 100.64.2.1)' },
    ]);
  });

  it('gives every request exactly one outcome over a long mixed run, across the 16-bit wrap', () => {
    const l = new PingLedger({ startAt: 0, intervalMs: 10, timeoutMs: 15, preload: 1, graceMs: 1 });
    const seen = new Map<number, number>();
    const take = (xs: { seq: number }[]) => {
      for (const x of xs) seen.set(x.seq, (seen.get(x.seq) ?? 0) + 1);
    };
    const N = 70000;
    for (let s = 1; s <= N; s++) {
      const sent = (s - 1) * 10 + (s % 3); // a little jitter
      take(l.due(sent));
      if (s % 7 === 0) take(l.observe(noAnswer((s - 1) % 65536, sent), sent));
      else if (s % 11 !== 0) take(l.observe(reply(s % 65536, sent + 2, 2), sent + 2));
    }
    take(l.due(N * 10 + 100)); // (this also declares lost the requests ping would have sent after N)
    assert.deepEqual(
      [...seen.keys()].filter((s) => s > N).sort((a, b) => a - b),
      Array.from({ length: 9 }, (_, k) => N + 1 + k),
    );
    assert.equal([...seen.keys()].filter((s) => s <= N).length, N);
    assert.ok([...seen.values()].every((n) => n === 1));
    assert.equal(seen.get(65536), 1);
  });

  it('on exit fails every request already sent and says when the next one was due', () => {
    const l = ledger();
    l.observe(reply(1, 1001, 1), 1001);
    const { samples, nextSlot } = l.close(1250, 'ping exited (exit code 2)');
    assert.deepEqual(
      samples.map((s) => [s.seq, s.sentAt, s.error]),
      [
        [2, 1000, 'ping exited (exit code 2)'],
        [3, 1200, 'ping exited (exit code 2)'],
      ],
    );
    assert.equal(nextSlot, 1400);
  });
});
