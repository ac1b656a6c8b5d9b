// Tests the measurements behind adaptive strategies: open connections per WAN from conntrack events, interface rates, fastest-response learning.
import assert from 'node:assert/strict';
import type { ConntrackRecord } from '../../core/system/conntrack/parse.ts';
import { ConnCounter } from './conn-counter.ts';
import { RateMeter } from './rates.ts';
import { FastestLearner } from './strategies/fastest.ts';

const rec = (
  type: ConntrackRecord['type'],
  id: number,
  mark: number,
  x: Partial<ConntrackRecord> = {},
): ConntrackRecord => ({
  type,
  id,
  mark,
  proto: 'tcp',
  state: 'SYN_SENT',
  src: '10.0.0.2',
  dst: '203.0.113.10',
  unreplied: true,
  ...x,
});

describe('adaptive measurements', () => {
  it('counts open connections per WAN mark: NEW adds, a closing TCP state or DESTROY removes, once', () => {
    const c = new ConnCounter(0xff00);
    c.event(rec('NEW', 1, 0x3900));
    c.event(rec('NEW', 2, 0x13900)); // other bits outside mwan's mask do not matter
    c.event(rec('NEW', 3, 0xa300));
    c.event(rec('NEW', 4, 0)); // unmarked: not counted
    assert.deepEqual([c.count(0x3900), c.count(0xa300), c.arrivals], [2, 1, 4]);
    c.event(rec('UPDATE', 1, 0x3900, { state: 'TIME_WAIT', unreplied: false }));
    c.event(rec('DESTROY', 1, 0x3900, { state: 'CLOSE' }));
    c.event(rec('DESTROY', 3, 0xa300));
    c.event(rec('DESTROY', 99, 0xa300)); // never seen: ignored
    assert.deepEqual([c.count(0x3900), c.count(0xa300)], [1, 0]);
    c.event(rec('UPDATE', 2, 0xa300, { state: 'ESTABLISHED' })); // its mark changed: it moves
    assert.deepEqual([c.count(0x3900), c.count(0xa300)], [0, 1]);
  });

  it('loads a listing, leaving out connections that are closing', () => {
    const c = new ConnCounter(0xff00);
    c.event(rec('NEW', 7, 0x3900));
    c.load([
      rec('LIST', 1, 0x3900, { state: 'ESTABLISHED' }),
      rec('LIST', 2, 0x3900, { state: 'TIME_WAIT' }),
      rec('LIST', 3, 0xe00, { proto: 'udp', state: undefined }),
    ]);
    assert.deepEqual([c.count(0x3900), c.count(0xe00)], [1, 1]);
  });

  it('turns byte counters into Mbit/s over the last interval, the larger direction', () => {
    const m = new RateMeter();
    m.update(1000, { wan1: { rxBytes: 0, txBytes: 0 }, wan2: null });
    assert.equal(m.mbps('wan1'), null);
    m.update(2000, { wan1: { rxBytes: 125_000, txBytes: 250_000 }, wan2: { rxBytes: 5, txBytes: 5 } });
    assert.equal(m.mbps('wan1'), 2);
    assert.equal(m.mbps('wan2'), null, 'no earlier reading');
  });

  it('fastest response: times SYN → first reply per network and WAN, decides once both WANs answered, expires', () => {
    const wanOf = (mark: number) => (({ 256: 'isp1', 512: 'isp2' }) as Record<number, string>)[mark];
    const l = new FastestLearner({ prefixLength: 24, timeoutSeconds: 10 }, wanOf);
    const at = (s: number) => ({ ts: s });
    l.event(rec('NEW', 1, 0x100, at(100)));
    l.event(rec('NEW', 2, 0x200, at(100)));
    l.event(rec('UPDATE', 2, 0x200, { ...at(100.02), state: 'SYN_RECV', unreplied: false }));
    assert.deepEqual([...l.decide(100_050, ['isp1', 'isp2'])], [], 'only one WAN answered so far');
    l.event(rec('UPDATE', 1, 0x100, { ...at(101.01), state: 'SYN_RECV', unreplied: false }));
    assert.deepEqual([...l.decide(101_050, ['isp1', 'isp2'])], [['203.0.113.0', 'isp2']]);
    assert.deepEqual(l.snapshot()['203.0.113.0'], { chosen: 'isp2', ms: { isp1: 1010, isp2: 20 } });
    assert.deepEqual([...l.decide(101_100, ['isp1', 'isp2'])], [], 'no change, nothing to write');
    assert.deepEqual([...l.decide(101_100, ['isp1'])], [['203.0.113.0', null]], 'the chosen WAN left service: forget');
    assert.deepEqual([...l.decide(112_000, ['isp1', 'isp2'])], [], 'samples expired');
    assert.deepEqual(l.netOf('198.51.100.77'), '198.51.100.0');
    // An IPv6 connection on a WAN's mark is not this learner's (its map holds IPv4 networks).
    l.event(rec('NEW', 3, 0x100, { ...at(120), dst: '2001:db8::10' }));
    l.event(rec('UPDATE', 3, 0x100, { ...at(120.01), state: 'SYN_RECV', unreplied: false }));
    assert.deepEqual(Object.keys(l.snapshot()), [], 'no network recorded');
    assert.deepEqual([...l.decide(120_100, ['isp1', 'isp2'])], []);
  });

  it("fastest response for IPv6: learns IPv6 destinations by their /prefixLength6, ignores IPv4's and the router's own", () => {
    const wanOf = (mark: number) => (({ 256: 'isp1', 512: 'isp2' }) as Record<number, string>)[mark];
    const own = '2001:db8:1::2';
    const l = new FastestLearner({ prefixLength: 48, timeoutSeconds: 10, family: 'ipv6' }, wanOf, (d) => d === own);
    const at = (s: number) => ({ ts: s });
    const to = (dst: string) => ({ dst, src: 'fd00:77::2' });
    l.event(rec('NEW', 1, 0x100, { ...at(100), ...to('2001:db8:ff:1::10') }));
    l.event(rec('NEW', 2, 0x200, { ...at(100), ...to('2001:db8:ff:2::20') }));
    l.event(rec('NEW', 3, 0x100, { ...at(100) })); // IPv4: the other learner's
    l.event(rec('NEW', 4, 0x200, { ...at(100), ...to(own) }));
    for (const [id, mark, s] of [
      [1, 0x100, 101],
      [2, 0x200, 100.03],
      [3, 0x100, 100.001],
      [4, 0x200, 100.001],
    ])
      l.event(rec('UPDATE', id, mark, { ...at(s), state: 'SYN_RECV', unreplied: false }));
    assert.deepEqual(Object.keys(l.snapshot()), ['2001:db8:ff::'], 'one /48, nothing of IPv4 or the router');
    assert.deepEqual([...l.decide(101_050, ['isp1', 'isp2'])], [['2001:db8:ff::', 'isp2']]);
    assert.equal(l.netOf('2001:db8:ff:ffff::1'), '2001:db8:ff::');
    const l56 = new FastestLearner({ prefixLength: 56, timeoutSeconds: 10, family: 'ipv6' }, wanOf);
    assert.equal(l56.netOf('2001:db8:ff:12ab::1'), '2001:db8:ff:1200::');
  });

  it('fastest response: a challenger must be clearly faster to replace the choice', () => {
    const l = new FastestLearner({ prefixLength: 24, timeoutSeconds: 60 }, () => undefined);
    l.record('192.0.2.0', 'isp1', 50, 0);
    l.record('192.0.2.0', 'isp2', 60, 0);
    assert.deepEqual([...l.decide(1, ['isp1', 'isp2'])], [['192.0.2.0', 'isp1']]);
    for (let k = 0; k < 5; k++) l.record('192.0.2.0', 'isp2', 45, 10 + k);
    assert.deepEqual([...l.decide(20, ['isp1', 'isp2'])], [], '45 ms is not 20 % better than 50 ms');
    for (let k = 0; k < 10; k++) l.record('192.0.2.0', 'isp2', 20, 30 + k);
    assert.deepEqual([...l.decide(50, ['isp1', 'isp2'])], [['192.0.2.0', 'isp2']]);
  });
});

describe('adaptive measurements: a listing and the events around it', () => {
  it('replays events that came while the listing was read, on top of it', () => {
    const c = new ConnCounter(0xff00);
    c.beginLoad();
    c.event(rec('NEW', 5, 0x3900));
    c.event(rec('DESTROY', 1, 0x3900));
    c.load([rec('LIST', 1, 0x3900, { state: 'ESTABLISHED' }), rec('LIST', 2, 0x3900, { state: 'ESTABLISHED' })]);
    assert.equal(c.count(0x3900), 2, 'listed 1 and 2, then 5 new and 1 gone');
    assert.equal(c.arrivals, 1);
  });
});
