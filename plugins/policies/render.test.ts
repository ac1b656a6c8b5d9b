// Tests each strategy's kernel rendering: weighted, priority, round robin, persistence, fastest response, adaptive weights, whenNone.
import assert from 'node:assert/strict';
import { chainRules, markOf, markerState, toWan, worldOf } from './testing.ts';

const members = (...wans: string[]) => wans.map((wan) => ({ wan }));

describe('policy rendering', () => {
  it('the default policy renders as the balance chain, exactly as the marker always did', () => {
    const world = worldOf({
      wans: [
        { name: 'isp1', device: 'wan1', weight: 3 },
        { name: 'isp2', device: 'wan2', weight: 2 },
        { name: 'isp3', device: 'wan3' },
      ],
    });
    const [a, b, c] = ['isp1', 'isp2', 'isp3'].map((n) => toWan(world, n));
    assert.deepEqual(chainRules(markerState(world), 'balance'), [
      `numgen inc mod 6 vmap { 0 : jump ${a}, 1 : jump ${b}, 2 : jump ${a}, 3 : jump ${c}, 4 : jump ${b}, 5 : jump ${a} }`,
    ]);
  });

  it('weighted is an exact numgen inc cycle: 3:2:1, 100:1 in three ranges, weights reduced by their gcd', () => {
    const of = (weights: number[], down: string[] = []) =>
      worldOf(
        {
          policies: {
            w: { strategy: 'weighted', members: weights.map((weight, i) => ({ wan: `isp${i + 1}`, weight })) },
          },
          defaultPolicy: 'w',
        },
        down,
      );
    const w321 = of([3, 2, 1]);
    const [a, b, c] = ['isp1', 'isp2', 'isp3'].map((n) => toWan(w321, n));
    const cycle321 = `numgen inc mod 6 vmap { 0 : jump ${a}, 1 : jump ${b}, 2 : jump ${a}, 3 : jump ${c}, 4 : jump ${b}, 5 : jump ${a} }`;
    assert.deepEqual(chainRules(markerState(w321), 'balance'), [cycle321]);
    assert.deepEqual(chainRules(markerState(of([100, 1])), 'balance'), [
      `numgen inc mod 101 vmap { 0-49 : jump ${a}, 50 : jump ${b}, 51-100 : jump ${a} }`,
    ]);
    assert.deepEqual(chainRules(markerState(of([300, 200, 100])), 'balance'), [cycle321]);
    assert.deepEqual(chainRules(markerState(of([1000, 500])), 'balance'), [
      `numgen inc mod 3 vmap { 0 : jump ${a}, 1 : jump ${b}, 2 : jump ${a} }`,
    ]);
  });

  it('weighted after WANs leave: the cycle over those in service; one left is a jump; none left is whenNone', () => {
    const cfg = (whenNone: string) => ({
      policies: {
        w: { strategy: 'weighted', whenNone, members: [3, 2, 1].map((weight, i) => ({ wan: `isp${i + 1}`, weight })) },
      },
      defaultPolicy: 'w',
    });
    const two = worldOf(cfg('main'), ['wan1']);
    const [b, c] = ['isp2', 'isp3'].map((n) => toWan(two, n));
    assert.deepEqual(chainRules(markerState(two), 'balance'), [
      `numgen inc mod 3 vmap { 0 : jump ${b}, 1 : jump ${c}, 2 : jump ${b} }`,
    ]);
    assert.deepEqual(chainRules(markerState(worldOf(cfg('main'), ['wan1', 'wan3'])), 'balance'), [`jump ${b}`]);
    const none = worldOf(cfg('unreachable'), ['wan1', 'wan2', 'wan3']);
    assert.deepEqual(chainRules(markerState(none), 'balance'), ['reject with icmpx type host-unreachable']);
    // All back: the full cycle again (a new rule: its counter restarts, and the split is exact again).
    const back = worldOf(cfg('main'));
    assert.match(chainRules(markerState(back), 'balance')![0], /^numgen inc mod 6 vmap/);
  });

  it('random stays where the weights are rewritten at run time or the choice explores: least used, any adaptive weights, fastest response', () => {
    const adaptive = { w: { weights: { isp1: 3, isp2: 1, isp3: 0 }, reason: 'test' } };
    const w = worldOf({ policies: { w: { strategy: 'weighted' } }, defaultPolicy: 'w' }, [], adaptive);
    assert.match(chainRules(markerState(w), 'balance')![0], /^numgen random mod 4 vmap/);
    const lc = worldOf({ policies: { lc: { strategy: 'least-connections' } }, defaultPolicy: 'lc' });
    assert.match(chainRules(markerState(lc), 'balance')![0], /^numgen random mod 3 vmap/);
    const f = worldOf({ policies: { f: { strategy: 'fastest-response' } }, defaultPolicy: 'f' });
    assert.match(chainRules(markerState(f), 'balance')![3], /^numgen random mod 3 vmap/);
  });

  it('a named default policy takes the balance chain and its strategy', () => {
    const world = worldOf({
      policies: { rr: { strategy: 'round-robin', members: members('isp3', 'isp1') } },
      defaultPolicy: 'rr',
    });
    assert.deepEqual(chainRules(markerState(world), 'balance'), [
      `numgen inc mod 2 vmap { 0 : jump ${toWan(world, 'isp3')}, 1 : jump ${toWan(world, 'isp1')} }`,
    ]);
    assert.deepEqual(
      world.active.map((w) => w.name),
      ['isp3', 'isp1'],
    );
  });

  it('priority: the first member in service takes everything; the next when it is out', () => {
    const cfg = {
      policies: { p: { strategy: 'priority', members: members('isp2', 'isp1', 'isp3') } },
      defaultPolicy: 'p',
    };
    assert.deepEqual(chainRules(markerState(worldOf(cfg)), 'balance'), [`jump ${toWan(worldOf(cfg), 'isp2')}`]);
    const down = worldOf(cfg, ['wan2']);
    assert.deepEqual(chainRules(markerState(down), 'balance'), [`jump ${toWan(down, 'isp1')}`]);
  });

  it('whenNone: unreachable rejects, blackhole drops, main leaves the connection unmarked', () => {
    const all = ['wan1', 'wan2', 'wan3'];
    const of = (whenNone: string) =>
      worldOf({ policies: { p: { strategy: 'weighted', whenNone } }, rules: [{ dport: 80, policy: 'p' }] }, all);
    assert.deepEqual(chainRules(markerState(of('unreachable')), 'policy_p'), [
      'reject with icmpx type host-unreachable',
    ]);
    assert.deepEqual(chainRules(markerState(of('blackhole')), 'policy_p'), ['drop']);
    assert.deepEqual(chainRules(markerState(of('main')), 'policy_p'), []);
  });

  it('persistence: a set of sources per WAN with a timeout, live WANs refreshed, stale entries dropped and replaced by a round-robin choice', () => {
    const world = worldOf(
      { policies: { s: { strategy: 'persistence', persistence: { timeoutSeconds: 30 } } }, defaultPolicy: 's' },
      ['wan3'],
    );
    const state = markerState(world);
    const [a, b] = ['isp1', 'isp2'];
    const [i1, i2, i3] = world.wans.map((w) => w.id);
    assert.deepEqual(chainRules(state, 'balance'), [
      `ip saddr @persist_s_src_${i1} goto keep_persist_s_src_${i1}`,
      `ip saddr @persist_s_src_${i2} goto keep_persist_s_src_${i2}`,
      `delete @persist_s_src_${i3} { ip saddr }`,
      `numgen inc mod 2 vmap { 0 : jump ${toWan(world, a)}, 1 : jump ${toWan(world, b)} }`,
      `ct mark & 0xff00 vmap { ${markOf(world, a)} : goto remember_persist_s_src_${i1}, ${markOf(world, b)} : goto remember_persist_s_src_${i2} }`,
    ]);
    assert.ok(
      !chainRules(state, 'balance')!.some((r) => r.includes('meta mark set')),
      "the lookup never writes the packet mark (the host's bits stay)",
    );
    assert.deepEqual(chainRules(state, `keep_persist_s_src_${i1}`), [
      `update @persist_s_src_${i1} { ip saddr }`,
      `jump ${toWan(world, a)}`,
    ]);
    assert.deepEqual(chainRules(state, `remember_persist_s_src_${i2}`), [`update @persist_s_src_${i2} { ip saddr }`]);
    assert.equal(chainRules(state, `keep_persist_s_src_${i3}`), undefined, 'no keep chain for a WAN out of service');
    const set = state.nft.sets.find((s) => s.name === `persist_s_src_${i3}`)!;
    assert.deepEqual(
      set,
      {
        name: `persist_s_src_${i3}`,
        kind: 'set',
        type: 'ipv4_addr',
        flags: ['dynamic', 'timeout'],
        timeout: '30s',
        owner: 'marker',
      },
      'every WAN has its set, in service or not',
    );
    assert.equal(set.elements, undefined, 'filled at run time, so it survives applies');
  });

  it('persistence by source and destination keys the sets on both', () => {
    const world = worldOf({
      policies: { s: { strategy: 'persistence', persistence: { key: 'src-dst' } } },
      defaultPolicy: 's',
    });
    const state = markerState(world);
    const id = world.wans[0].id;
    assert.ok(
      chainRules(state, 'balance')!.includes(
        `ip saddr . ip daddr @persist_s_pair_${id} goto keep_persist_s_pair_${id}`,
      ),
    );
    assert.equal(state.nft.sets.find((s) => s.name === `persist_s_pair_${id}`)!.type, 'ipv4_addr . ipv4_addr');
  });

  it('fastest response: a learned destination map in front of the weighted choice', () => {
    const world = worldOf({
      policies: { f: { strategy: 'fastest-response', fastest: { prefixLength: 16 } } },
      defaultPolicy: 'f',
    });
    const rules = chainRules(markerState(world), 'balance')!;
    assert.equal(rules[1], 'meta mark set ip daddr & 255.255.0.0 map @fastest_f');
    assert.match(
      rules[2],
      new RegExp(`^meta mark & 0xff00 vmap \\{ ${markOf(world, 'isp1')} : goto ${toWan(world, 'isp1')}, `),
    );
    assert.match(rules[3], /^numgen random mod 3 vmap/);
  });

  it('adaptive weights replace the static ones, restricted to WANs in service; nothing usable falls back to static', () => {
    const cfg = { policies: { lc: { strategy: 'least-connections' } }, defaultPolicy: 'lc' };
    const world = worldOf(cfg, ['wan3'], { lc: { weights: { isp1: 0, isp2: 7, isp3: 9 }, reason: 'test' } });
    assert.deepEqual(chainRules(markerState(world), 'balance'), [`jump ${toWan(world, 'isp2')}`]);
    const none = worldOf(cfg, ['wan2', 'wan3'], { lc: { weights: { isp1: 0, isp2: 7, isp3: 9 }, reason: 'test' } });
    assert.deepEqual(chainRules(markerState(none), 'balance'), [`jump ${toWan(none, 'isp1')}`]);
  });

  it('nfqueue:<name>: the weighted choice (uncounted), the queue tag (tag field only, return), local connections counted; nothing usable: whenNone and no tag', () => {
    const cfg = {
      policies: {
        q: {
          strategy: 'nfqueue:round-robin',
          members: [{ wan: 'isp1', weight: 2 }, { wan: 'isp3' }],
          whenNone: 'unreachable',
        },
      },
      rules: [{ dport: 80, policy: 'q' }],
    };
    const world = worldOf(cfg);
    const tag = world.layout.nfqueue.policies.get('q')!.tag;
    const [a, c] = ['isp1', 'isp3'].map((n) => world.wans.find((w) => w.name === n)!.id);
    assert.ok(tag > 0xffff && tag < 0x80000000);
    const tagRule = `meta iif != 0 meta mark set meta mark & 0x80ffffff | 0x${tag.toString(16)} return`;
    const count = (id: number, n: string) => `ct mark & 0xff00 == ${markOf(world, n)} counter name "new_wan${id}"`;
    const state = markerState(world);
    assert.deepEqual(chainRules(state, 'policy_q'), [
      `numgen inc mod 3 vmap { 0 : jump set_wan${a}, 1 : jump set_wan${c}, 2 : jump set_wan${a} }`,
      tagRule,
      count(a, 'isp1'),
      count(c, 'isp3'),
    ]);
    assert.deepEqual(chainRules(state, `set_wan${a}`), [`ct mark set ct mark & 0xffff00ff | ${markOf(world, 'isp1')}`]);
    const post = chainRules(state, 'mark_postrouting')!;
    for (const w of world.wans)
      assert.ok(
        post.includes(
          `meta mark & 0x7f000000 != 0 ct mark & 0xff00 == ${markOf(world, w.name)} counter name "new_wan${w.id}"`,
        ),
        w.name,
      );
    const one = worldOf(cfg, ['wan1']);
    assert.deepEqual(chainRules(markerState(one), 'policy_q')!.slice(0, 2), [`jump set_wan${c}`, tagRule]);
    assert.deepEqual(chainRules(markerState(worldOf(cfg, ['wan1', 'wan3'])), 'policy_q'), [
      'reject with icmpx type host-unreachable',
    ]);
    const plain = markerState(worldOf({ policies: { q: { strategy: 'nfqueue:round-robin' } } }));
    assert.ok(
      !plain.nft.chains.some((ch) => ch.name.startsWith('set_wan')),
      'without an NFQUEUE policy in use the table is as before',
    );
    assert.ok(!chainRules(plain, 'mark_postrouting')!.some((r) => r.includes('counter')));
  });

  it('static weights before any measurement: overflow fills its first member, least used splits by capacity', () => {
    const over = worldOf({
      policies: {
        o: {
          strategy: 'overflow',
          members: [
            { wan: 'isp2', capacityMbps: 10 },
            { wan: 'isp1', capacityMbps: 10 },
          ],
        },
      },
      defaultPolicy: 'o',
    });
    assert.deepEqual(chainRules(markerState(over), 'balance'), [`jump ${toWan(over, 'isp2')}`]);
    const used = worldOf({
      policies: {
        u: {
          strategy: 'least-used',
          members: [
            { wan: 'isp1', capacityMbps: 30 },
            { wan: 'isp2', capacityMbps: 10 },
          ],
        },
      },
      defaultPolicy: 'u',
    });
    assert.deepEqual(chainRules(markerState(used), 'balance'), [
      `numgen random mod 100 vmap { 0-74 : jump ${toWan(used, 'isp1')}, 75-99 : jump ${toWan(used, 'isp2')} }`,
    ]);
  });
});
