// Tests the status layout: 100 columns with 4 WANs and the longest names, the wide details with -v, no stale figures.
import assert from 'node:assert/strict';
import { formatStatus, STATUS_WIDTH, wrap } from './status-format.ts';
import type { StatusReport, WanStatus } from './status.ts';

const now = Date.parse('2026-12-03T12:00:00Z');
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();

function wan(i: number, o: Partial<WanStatus> = {}): WanStatus {
  return {
    name: `uplink-${i}-with-a-long-nam`.slice(0, 24),
    state: 'online',
    inService: true,
    active: true,
    reason: '2/2 targets answering',
    device: `enp3s0f${i}.1000@x`.slice(0, 15),
    address: `100.100.100.${100 + i}`,
    gateway: `100.100.100.${200 + i}`,
    weight: 1000,
    tier: 16,
    mark: '0xff00',
    table: 2147483000 + i,
    since: iso(400 * 86400000),
    newConnections: 123456789,
    share: 0.25,
    rttMs: 1234.5,
    lossPct: 100,
    targets: [
      { target: '203.0.113.250', method: 'icmp', ok: true, rttMs: 1234 },
      { target: 'probe.example.net', method: 'https', ok: false, rttMs: null },
    ],
    rpFilter: { device: 2, all: 0, mode: 'loose' },
    flaps: 12345,
    flaps24h: 1234,
    quota: { usedBytes: 19_500_000_000, limitBytes: 20_000_000_000, percent: 97.5, state: 'warned' },
    lastFailure: { at: iso(3 * 86400000), reason: 'offline: fewer than 1 of 2 targets answered in 4 rounds' },
    ...o,
  };
}

const report: StatusReport = {
  mode: 'failover',
  daemon: true,
  pid: 4242,
  wans: [
    wan(1),
    wan(2, {
      state: 'degraded',
      active: false,
      reason: 'loss 40% above 20%, rtt 3000 ms above 500 ms (trigger loss-or-latency: out of service) and more words',
    }),
    wan(3, {
      state: 'link-down',
      inService: false,
      active: false,
      rttMs: null,
      lossPct: null,
      reason: 'no carrier',
      share: null,
    }),
    wan(4, {
      state: 'admin-down',
      inService: false,
      active: false,
      reason: 'taken out of service by an administrator',
      lastFailure: null,
      flaps: 0,
    }),
  ],
  policies: [
    {
      name: 'fewest',
      strategy: 'least-connections',
      isDefault: true,
      usable: ['uplink-1-with-a-long-nam', 'uplink-2-with-a-long-nam'],
      weights: { 'uplink-1-with-a-long-nam': 1000, 'uplink-2-with-a-long-nam': 1000 },
      reason: 'open connections uplink-1-with-a-long-nam 12345, uplink-2-with-a-long-nam 0; 4 expected',
    },
  ],
  lastReconcile: {
    at: iso(5000),
    reason: 'uplink-3-with-a-long-nam offline: no carrier on enp3s0f3.1000@ after a very long time',
    ms: 31.2,
    changed: true,
  },
  confirmPending: { secondsLeft: 30 },
};

describe('status layout', () => {
  it('fits 100 columns with 4 WANs, the longest names and wide figures', () => {
    const text = formatStatus(report, now);
    const wide = text.split('\n').filter((l) => l.length > STATUS_WIDTH);
    assert.deepEqual(wide, []);
    assert.match(text, /^WAN {23}STATE {15}SINCE {5}RTT {6}LOSS {2}FLAPS 24H {2}LAST FAIL {2}SHARE$/m);
    assert.match(text, /^ {2}uplink-1-with-a-long-nam: 19.5 GB of 20.0 GB \(97.5 %\), warned$/m);
    assert.match(
      text,
      /^uplink-2-with-a-long-nam {2}degraded \(standby\) {2}400d ago {2}1235 ms {2}100% {2}1234 {7}3d ago {5}25\.0%$/m,
    );
    assert.match(
      text,
      /^uplink-3-with-a-long-nam {2}link-down {11}400d ago {2}- {8}- {5}/m,
      'no RTT or loss on a link-down WAN',
    );
    assert.ok(!text.includes('enp3s0f1'), 'the device is a wide detail');
    assert.ok(!text.includes('probes (last round)'), 'so are the probe answers');
  });

  it('-v shows the wide details: device, address, gateway, mark, table, rp_filter, new connections, probes, last failures', () => {
    const text = formatStatus(report, now, { verbose: true });
    assert.match(
      text,
      /^WAN +STATE +DEVICE +ADDRESS +GATEWAY +WEIGHT +TIER +MARK +TABLE +SINCE +RTT +LOSS +FLAPS +FLAPS 24H +LAST FAILURE +RP_FILTER +NEW CONNS +SHARE$/m,
    );
    assert.match(
      text,
      /^uplink-1-with-a-long-nam +online +enp3s0f1\.1000@x +100\.100\.100\.101 +100\.100\.100\.201 +1000 +16 +0xff00 +2147483001 .* loose +123456789 +25\.0%$/m,
    );
    assert.match(
      text,
      /\nprobes \(last round\):\n {2}uplink-1-with-a-long-nam: icmp 203\.0\.113\.250 1234 ms, https probe\.example\.net no answer\n/,
    );
    assert.match(
      text,
      /\nlast failure:\n {2}uplink-1-with-a-long-nam: 2026-11-30T12:00:00\.000Z offline: fewer than 1 of 2 targets/,
    );
    assert.ok(
      text.split('\n').some((l) => l.length > STATUS_WIDTH),
      'the wide table is wider than 100 columns',
    );
  });

  it('a loss not yet measured (fresh window) shows as -, not 0% or a guess', () => {
    const text = formatStatus({ ...report, wans: [wan(1, { lossPct: null, rttMs: 11.4 })] }, now);
    assert.match(text, /^uplink-1-with-a-long-nam {2}online {2}400d ago {2}11 ms {2}- {4}/m);
  });

  it('wraps long lines at spaces with an indent, and leaves a line without spaces whole', () => {
    assert.deepEqual(wrap('aaaa bbbb cccc', 9, '  '), ['aaaa bbbb', '  cccc']);
    assert.deepEqual(wrap('x'.repeat(12), 9), ['x'.repeat(12)]);
  });
});
