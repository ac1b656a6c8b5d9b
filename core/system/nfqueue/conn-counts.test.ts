// The per-WAN connection counts the NFQUEUE service keeps for strategies that read them: conntrack events and unconfirmed decisions.
import assert from 'node:assert/strict';
import { ConnectionCounts, type FlowEvent, type FlowFeed } from './conn-counts.ts';

const ev = (type: FlowEvent['type'], id: number, mark: number, extra: Partial<FlowEvent> = {}): FlowEvent => ({
  type,
  id,
  mark,
  proto: 'tcp',
  src: '10.0.0.2',
  dst: '192.0.2.1',
  sport: 1000 + id,
  dport: 80,
  state: 'SYN_SENT',
  ...extra,
});

describe('connection counts', () => {
  const MASK = 0xff00;

  it('counts NEW per mark, drops closing and destroyed flows, follows a mark change', () => {
    const c = new ConnectionCounts(MASK);
    c.event(ev('NEW', 1, 0x100));
    c.event(ev('NEW', 2, 0x100 | 0x80000000));
    c.event(ev('NEW', 3, 0x200));
    assert.deepEqual([c.count(0x100), c.count(0x200)], [2, 1]);
    c.event(ev('UPDATE', 1, 0x100, { state: 'TIME_WAIT' }));
    c.event(ev('DESTROY', 3, 0x200));
    c.event(ev('UPDATE', 2, 0x200, { state: 'ESTABLISHED' }));
    assert.deepEqual([c.count(0x100), c.count(0x200)], [0, 1]);
    c.event(ev('DESTROY', 1, 0x100));
    c.event(ev('NEW', 2, 0x200));
    assert.deepEqual([c.count(0x100), c.count(0x200)], [0, 1]);
  });

  it('counts a decision at once and does not count it twice when its NEW event arrives; unconfirmed ones expire', () => {
    let now = 1000;
    const c = new ConnectionCounts(MASK, 3000, () => now);
    c.decided({ proto: 'tcp', src: '10.0.0.2', sport: 1001, dst: '192.0.2.1', dport: 80 }, 0x100);
    c.decided({ proto: 'tcp', src: '10.0.0.2', sport: 1002, dst: '192.0.2.1', dport: 80 }, 0x100);
    assert.equal(c.count(0x100), 2);
    c.event(ev('NEW', 1, 0x100));
    assert.equal(c.count(0x100), 2);
    now += 3001;
    assert.equal(c.count(0x100), 1);
  });

  it('follows a feed: a listing first, events after, a new listing on resync', async () => {
    let sub: { event(r: FlowEvent): void; resync?(): void } | undefined;
    let listing = [ev('LIST', 7, 0x100, { state: 'ESTABLISHED' }), ev('LIST', 8, 0x100, { state: 'TIME_WAIT' })];
    const feed: FlowFeed = {
      subscribe(s) {
        sub = s;
        return () => {
          sub = undefined;
        };
      },
      list: async () => listing,
    };
    const c = new ConnectionCounts(MASK);
    const { stop, listed } = c.follow(feed);
    await listed;
    assert.equal(c.count(0x100), 1);
    sub!.event(ev('NEW', 9, 0x100));
    assert.equal(c.count(0x100), 2);
    listing = [];
    sub!.resync!();
    await new Promise((r) => setImmediate(r));
    assert.equal(c.count(0x100), 0);
    stop();
    assert.equal(sub, undefined);
  });
});

describe('connection counts during a listing', () => {
  it('keeps events that arrive while the listing is on its way (the listing may be older than them)', async () => {
    let sub: { event(r: FlowEvent): void } | undefined;
    let answer: (l: FlowEvent[]) => void = () => {};
    const feed: FlowFeed = {
      subscribe(s) {
        sub = s;
        return () => {};
      },
      list: () =>
        new Promise((r) => {
          answer = r;
        }),
    };
    const c = new ConnectionCounts(0xff00);
    c.follow(feed);
    sub!.event(ev('NEW', 1, 0x100));
    sub!.event(ev('NEW', 2, 0x100));
    assert.equal(c.count(0x100), 2);
    answer([ev('LIST', 1, 0x100, { state: 'ESTABLISHED' }), ev('LIST', 5, 0x200, { state: 'ESTABLISHED' })]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual([c.count(0x100), c.count(0x200)], [2, 1]);
  });
});
