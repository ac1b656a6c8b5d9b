// Tests the conntrack line parser on real event and listing lines.
import assert from 'node:assert/strict';
import { parseConntrackLine } from './parse.ts';

describe('conntrack line parser', () => {
  it('reads a NEW tcp event with timestamp, state, original tuple, unreplied, mark and id', () => {
    const r = parseConntrackLine(
      '[1795452797.006350]\t    [NEW] tcp      6 120 SYN_SENT src=10.99.0.2 dst=10.99.0.1 sport=38486 dport=9 [UNREPLIED] src=10.99.0.1 dst=10.99.0.2 sport=9 dport=38486 mark=768 id=2602070065',
    );
    assert.deepEqual(r, {
      type: 'NEW',
      ts: 1795452797.00635,
      id: 2602070065,
      proto: 'tcp',
      state: 'SYN_SENT',
      src: '10.99.0.2',
      dst: '10.99.0.1',
      sport: 38486,
      dport: 9,
      unreplied: true,
      mark: 768,
    });
  });

  it('reads IPv6 flows (the event process reports both families) with their addresses as printed', () => {
    const r = parseConntrackLine(
      '[1796340531.023281]\t    [NEW] tcp      6 120 SYN_SENT src=fd00:77::2 dst=2001:db8:ff::10 sport=47786 dport=80 [UNREPLIED] src=2001:db8:ff::10 dst=2001:db8:1:100::2 sport=80 dport=47786 mark=512 id=4105078768',
    );
    assert.deepEqual(
      { src: r!.src, dst: r!.dst, dport: r!.dport, unreplied: r!.unreplied, mark: r!.mark, id: r!.id },
      { src: 'fd00:77::2', dst: '2001:db8:ff::10', dport: 80, unreplied: true, mark: 512, id: 4105078768 },
    );
  });

  it('reads UPDATE and DESTROY events, and icmp without ports or state', () => {
    const u = parseConntrackLine(
      '[1795452797.001305]\t [UPDATE] tcp      6 60 SYN_RECV src=10.77.0.2 dst=203.0.113.10 sport=4000 dport=80 src=203.0.113.10 dst=100.64.1.2 sport=80 dport=4000 mark=14592 id=7',
    );
    assert.equal(u!.type, 'UPDATE');
    assert.equal(u!.state, 'SYN_RECV');
    assert.equal(u!.unreplied, false);
    const d = parseConntrackLine(
      '[1795452797.001252]\t[DESTROY] icmp     1 30 src=10.99.0.2 dst=10.99.0.1 type=8 code=0 id=24988 [UNREPLIED] src=10.99.0.1 dst=10.99.0.2 type=0 code=0 id=24988 mark=768 id=2143803984',
    );
    assert.equal(d!.type, 'DESTROY');
    assert.equal(d!.state, undefined);
    assert.equal(d!.sport, undefined);
    // icmp's own `id=` (the echo id) comes first; the flow id is the last one
    assert.equal(d!.id, 2143803984);
    assert.equal(d!.mark, 768);
  });

  it('reads a listing line and skips non-flow lines', () => {
    const l = parseConntrackLine(
      'udp      17 29 src=10.77.0.2 dst=203.0.113.10 sport=5000 dport=5353 src=203.0.113.10 dst=100.64.2.2 sport=5353 dport=5000 mark=41728 use=1 id=99',
    );
    assert.equal(l!.type, 'LIST');
    assert.equal(l!.id, 99);
    assert.equal(l!.mark, 41728);
    assert.equal(parseConntrackLine('conntrack v1.4.7 (conntrack-tools): 4 flow events have been shown.'), null);
    assert.equal(parseConntrackLine('WARNING: We have hit ENOBUFS! We are losing events.'), null);
  });
});
