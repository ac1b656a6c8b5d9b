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

  it('shows the peer channel: matches, differs since when and where, unreachable, copied choices', () => {
    const since = '2026-12-03T10:00:00.000Z';
    const base = { node: 'r2', peer: 'r1', role: 'backup', since, sync: null };
    const link = (l: Record<string, unknown>) =>
      haLines(
        report({ ...base, peerLink: { sections: [], role: null, problem: null, mirrored: null, since, ...l } }),
        0,
      )[2];
    assert.equal(
      link({ config: 'matches', role: 'master', mirrored: { sets: 2, elements: 8, at: since } }),
      `  peer channel: config matches peer; peer is master; 8 remembered choices copied from it (2 sets, ${since})`,
    );
    assert.equal(
      link({ config: 'matches', role: 'master', upnpLeases: { leases: 3, at: since } }),
      `  peer channel: config matches peer; peer is master; 3 UPnP leases copied from it (${since})`,
    );
    assert.equal(
      link({ config: 'differs', sections: ['policies', 'wans'] }),
      `  peer channel: config differs from peer since ${since} (sections: policies, wans)`,
    );
    assert.equal(
      link({ config: 'unreachable', problem: 'ECONNREFUSED' }),
      `  peer channel: peer unreachable since ${since} (ECONNREFUSED)`,
    );
    assert.equal(link({ config: null, since: null }), '  peer channel: peer not heard from yet');
  });

  it('prints nothing without an HA pair', () => {
    assert.deepEqual(haLines(report(), Date.now()), []);
  });
});
