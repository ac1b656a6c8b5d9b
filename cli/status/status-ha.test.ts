// The HA lines of `mwanctl status`: role and age, peer, sync counters; nothing without a pair.
import assert from 'node:assert/strict';
import { haLines } from './status-ha.ts';
import type { StatusReport } from './status.ts';

const report = (ha?: unknown) => ({ plugins: ha ? { ha } : {} }) as unknown as StatusReport;

describe('status: HA lines', () => {
  it('shows role, age, peer and the sync counters', () => {
    const since = '2026-12-03T10:00:00.000Z';
    const sync = {
      internal: 21,
      external: 3,
      sentPackets: 10,
      receivedPackets: 4,
      sendErrors: 0,
      receiveErrors: 1,
      lostMessages: 2,
    };
    const lines = haLines(report({ node: 'r1', peer: 'r2', role: 'master', since, sync }), Date.parse(since) + 90_000);
    assert.deepEqual(lines, [
      `  r1: master for 90 s (since ${since}); peer r2`,
      '  sync: 21 connections here, 3 from the peer; 10 packets sent, 4 received, 1 errors, 2 lost',
    ]);
    const none = haLines(report({ node: 'r1', peer: 'r2', role: null, since, sync: null }), Date.parse(since));
    assert.match(none[0], /no role yet/);
    assert.equal(none[1], '  sync: conntrackd does not answer');
  });

  it('prints nothing without an HA pair', () => {
    assert.deepEqual(haLines(report(), Date.now()), []);
  });
});
