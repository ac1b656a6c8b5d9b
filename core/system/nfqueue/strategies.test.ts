// The built-in NFQUEUE strategies, the registry, and the per-WAN connection counts least-connections reads.
import assert from 'node:assert/strict';
import { ConnectionCounts, type FlowEvent, type FlowFeed } from './conn-counts.ts';
import { NfqueueStrategyRegistry, nfqueueStrategyName, type NewConnection, type StrategyContext } from './strategy.ts';
import { createStrategyRegistry } from './strategies/index.ts';

const conn: NewConnection = { src: '10.0.0.2', dst: '192.0.2.1', sport: 1000, dport: 80, proto: 'tcp', iif: 'lan0', iifIndex: 2, mark: 0 };
const ctxOf = (wans: string[], counts: Record<string, number> = {}, weights: Record<string, number> = {}): StrategyContext & { wanList: string[] } => {
  const c = { wanList: wans, wans: () => c.wanList, connections: (w: string) => counts[w] ?? 0, weight: (w: string) => weights[w] ?? 1, options: {} };
  return c;
};
const ev = (type: FlowEvent['type'], id: number, mark: number, extra: Partial<FlowEvent> = {}): FlowEvent =>
  ({ type, id, mark, proto: 'tcp', src: '10.0.0.2', dst: '192.0.2.1', sport: 1000 + id, dport: 80, state: 'SYN_SENT', ...extra });

describe('nfqueue strategies', () => {
  const registry = createStrategyRegistry();

  it('round-robin goes through the WANs in order and follows a shrinking list', () => {
    const ctx = ctxOf(['a', 'b', 'c']);
    const rr = registry.create('round-robin', ctx);
    assert.deepEqual(Array.from({ length: 7 }, () => rr.decide(conn)), ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
    ctx.wanList = ['a', 'c'];
    assert.deepEqual(Array.from({ length: 4 }, () => rr.decide(conn)), ['c', 'a', 'c', 'a']);
    ctx.wanList = [];
    assert.equal(rr.decide(conn), undefined);
  });

  it('least-connections picks the WAN with the fewest connections, sharing ties in turn', () => {
    const counts: Record<string, number> = { a: 5, b: 2, c: 9 };
    const lc = registry.create('least-connections', ctxOf(['a', 'b', 'c'], counts));
    assert.equal(lc.decide(conn), 'b');
    counts.b = 7;
    assert.equal(lc.decide(conn), 'a');
    const tie = registry.create('least-connections', ctxOf(['a', 'b', 'c']));
    assert.deepEqual(Array.from({ length: 6 }, () => tie.decide(conn)), ['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('least-connections with member weights chooses argmin (open + 1) / weight', () => {
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const lc = registry.create('least-connections', ctxOf(['a', 'b', 'c'], counts, { a: 4, b: 2, c: 1 }));
    // Connections that stay open: 7 of them fill 4:2:1, 14 fill 8:4:2.
    const pick = () => { const w = lc.decide(conn)!; counts[w]++; return w; };
    Array.from({ length: 7 }, pick);
    assert.deepEqual(counts, { a: 4, b: 2, c: 1 });
    Array.from({ length: 7 }, pick);
    assert.deepEqual(counts, { a: 8, b: 4, c: 2 });
    // (5+1)/4 = (2+1)/2 = 1.5: a tie, the first from the rotating start wins (a, b, then a from c); (1+1)/1 = 2 never
    const tie = registry.create('least-connections', ctxOf(['a', 'b', 'c'], { a: 5, b: 2, c: 1 }, { a: 4, b: 2, c: 1 }));
    assert.deepEqual(Array.from({ length: 4 }, () => tie.decide(conn)), ['a', 'b', 'a', 'a']);
    assert.equal(registry.create('least-connections', ctxOf(['a', 'b'], { a: 3, b: 0 }, { a: 4, b: 1 })).decide(conn), 'a');
  });

  it('least-connections with equal weights decides exactly as unweighted, whatever the common weight', () => {
    const seq = (weights: Record<string, number>) => {
      const counts: Record<string, number> = { a: 3, b: 1, c: 2 };
      const lc = registry.create('least-connections', ctxOf(['a', 'b', 'c'], counts, weights));
      return Array.from({ length: 30 }, (_, i) => { const w = lc.decide(conn)!; counts[w] += i % 3 === 0 ? 2 : 1; if (i % 4 === 0) counts.a = Math.max(0, counts.a - 3); return w; });
    };
    assert.deepEqual(seq({ a: 7, b: 7, c: 7 }), seq({}));
  });

  it('the registry names the built-ins, refuses duplicates and bad names, and tells what exists for an unknown one', () => {
    assert.deepEqual(registry.names(), ['least-connections', 'round-robin']);
    const r = new NfqueueStrategyRegistry();
    r.register('by-port', (ctx) => ({ name: 'by-port', decide: (c) => (c.dport === 443 ? ctx.wans()[0] : undefined) }), 'my-plugin');
    assert.throws(() => r.register('by-port', () => ({ name: 'x', decide: () => undefined }), 'other'), /'by-port' from other is already registered by my-plugin/);
    assert.throws(() => r.register('By Port', () => ({ name: 'x', decide: () => undefined })), /lower-case letter/);
    assert.throws(() => r.create('nope', ctxOf([])), /unknown nfqueue strategy 'nope'; registered: by-port/);
    assert.equal(r.create('by-port', ctxOf(['z'])).decide({ ...conn, dport: 443 }), 'z');
  });

  it('reads a policy strategy of the form nfqueue:<name>', () => {
    assert.equal(nfqueueStrategyName('nfqueue:least-connections'), 'least-connections');
    assert.equal(nfqueueStrategyName('weighted'), undefined);
  });
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
    const feed: FlowFeed = { subscribe(s) { sub = s; return () => { sub = undefined; }; }, list: async () => listing };
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
    const feed: FlowFeed = { subscribe(s) { sub = s; return () => {}; }, list: () => new Promise((r) => { answer = r; }) };
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
