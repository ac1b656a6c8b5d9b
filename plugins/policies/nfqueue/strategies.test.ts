// The built-in NFQUEUE strategies and the registry.
import assert from 'node:assert/strict';
import type { NewConnection, StrategyContext } from '../../../core/system/nfqueue/strategy.ts';
import { NfqueueStrategyRegistry, nfqueueStrategyName } from './registry.ts';
import { createStrategyRegistry } from './builtins.ts';

const conn: NewConnection = {
  family: 'ipv4',
  src: '10.0.0.2',
  dst: '192.0.2.1',
  sport: 1000,
  dport: 80,
  proto: 'tcp',
  iif: 'lan0',
  iifIndex: 2,
  mark: 0,
};
const ctxOf = (
  wans: string[],
  counts: Record<string, number> = {},
  weights: Record<string, number> = {},
): StrategyContext & { wanList: string[] } => {
  const c = {
    wanList: wans,
    wans: () => c.wanList,
    connections: (w: string) => counts[w] ?? 0,
    weight: (w: string) => weights[w] ?? 1,
    options: {},
  };
  return c;
};

describe('nfqueue strategies', () => {
  const registry = createStrategyRegistry();

  it('round-robin goes through the WANs in order and follows a shrinking list', () => {
    const ctx = ctxOf(['a', 'b', 'c']);
    const rr = registry.create('round-robin', ctx);
    assert.deepEqual(
      Array.from({ length: 7 }, () => rr.decide(conn)),
      ['a', 'b', 'c', 'a', 'b', 'c', 'a'],
    );
    ctx.wanList = ['a', 'c'];
    assert.deepEqual(
      Array.from({ length: 4 }, () => rr.decide(conn)),
      ['c', 'a', 'c', 'a'],
    );
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
    assert.deepEqual(
      Array.from({ length: 6 }, () => tie.decide(conn)),
      ['a', 'b', 'c', 'a', 'b', 'c'],
    );
  });

  it('least-connections with member weights chooses argmin (open + 1) / weight', () => {
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    const lc = registry.create('least-connections', ctxOf(['a', 'b', 'c'], counts, { a: 4, b: 2, c: 1 }));
    // Connections that stay open: 7 of them fill 4:2:1, 14 fill 8:4:2.
    const pick = () => {
      const w = lc.decide(conn)!;
      counts[w]++;
      return w;
    };
    Array.from({ length: 7 }, pick);
    assert.deepEqual(counts, { a: 4, b: 2, c: 1 });
    Array.from({ length: 7 }, pick);
    assert.deepEqual(counts, { a: 8, b: 4, c: 2 });
    // (5+1)/4 = (2+1)/2 = 1.5: a tie, the first from the rotating start wins (a, b, then a from c); (1+1)/1 = 2 never
    const tie = registry.create(
      'least-connections',
      ctxOf(['a', 'b', 'c'], { a: 5, b: 2, c: 1 }, { a: 4, b: 2, c: 1 }),
    );
    assert.deepEqual(
      Array.from({ length: 4 }, () => tie.decide(conn)),
      ['a', 'b', 'a', 'a'],
    );
    assert.equal(
      registry.create('least-connections', ctxOf(['a', 'b'], { a: 3, b: 0 }, { a: 4, b: 1 })).decide(conn),
      'a',
    );
  });

  it('least-connections with equal weights decides exactly as unweighted, whatever the common weight', () => {
    const seq = (weights: Record<string, number>) => {
      const counts: Record<string, number> = { a: 3, b: 1, c: 2 };
      const lc = registry.create('least-connections', ctxOf(['a', 'b', 'c'], counts, weights));
      return Array.from({ length: 30 }, (_, i) => {
        const w = lc.decide(conn)!;
        counts[w] += i % 3 === 0 ? 2 : 1;
        if (i % 4 === 0) counts.a = Math.max(0, counts.a - 3);
        return w;
      });
    };
    assert.deepEqual(seq({ a: 7, b: 7, c: 7 }), seq({}));
  });

  it('the registry names the built-ins, refuses duplicates and bad names, and tells what exists for an unknown one', () => {
    assert.deepEqual(registry.names(), ['least-connections', 'round-robin']);
    const r = new NfqueueStrategyRegistry();
    r.register(
      'by-port',
      (ctx) => ({ name: 'by-port', decide: (c) => (c.dport === 443 ? ctx.wans()[0] : undefined) }),
      'my-plugin',
    );
    assert.throws(
      () => r.register('by-port', () => ({ name: 'x', decide: () => undefined }), 'other'),
      /'by-port' from other is already registered by my-plugin/,
    );
    assert.throws(() => r.register('By Port', () => ({ name: 'x', decide: () => undefined })), /lower-case letter/);
    assert.throws(() => r.create('nope', ctxOf([])), /unknown nfqueue strategy 'nope'; registered: by-port/);
    assert.equal(r.create('by-port', ctxOf(['z'])).decide({ ...conn, dport: 443 }), 'z');
  });

  it('reads a policy strategy of the form nfqueue:<name>', () => {
    assert.equal(nfqueueStrategyName('nfqueue:least-connections'), 'least-connections');
    assert.equal(nfqueueStrategyName('weighted'), undefined);
  });
});
