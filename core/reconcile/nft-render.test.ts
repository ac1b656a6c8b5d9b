// Tests the nft renderer: first apply, fingerprint no-op, flush and refill, deleting obsolete or re-hooked objects, set flushing, removal.
import assert from 'node:assert/strict';
import type { NftDesired } from './desired.ts';
import { emptyDesired } from './desired.ts';
import { MemoryKernel } from '../system/kernel/memory-adapter.ts';
import { parseNftTable } from '../system/kernel/nft-read.ts';
import { removalNft, renderNft } from './nft-render.ts';
import { FINGERPRINT_PREFIX, fingerprintOf } from './nft-table-block.ts';

const TABLE = 'mwan';

function desiredNft(): NftDesired {
  return {
    counters: ['new_wan1'],
    sets: [
      {
        name: 'local_nets',
        kind: 'set',
        type: 'ipv4_addr',
        flags: ['interval'],
        elements: ['192.168.1.0/24', '100.64.1.0/30'],
      },
      { name: 'recent', kind: 'set', type: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeout: '10m' },
    ],
    chains: [
      {
        name: 'mark_prerouting',
        base: { type: 'filter', hook: 'prerouting', priority: -150 },
        rules: [
          'iifname "wan1" ct state new ct mark set ct mark & 0xffff00ff | 0x100',
          'ct mark & 0xff00 != 0 meta mark set ct mark & 0xff00',
        ],
      },
      { name: 'to_wan1', rules: ['ct mark set ct mark & 0xffff00ff | 0x100 counter name "new_wan1"'] },
    ],
  };
}

/** `nft -j list table inet mwan` as the kernel would print it after applying `nft` with fingerprint `fp`. */
function listedJson(
  fp: string,
  o: { preroutingHook?: string; preroutingPrio?: number; preroutingRules?: number; extra?: object[] } = {},
): string {
  const rule = (chain: string, handle: number) => ({
    rule: { family: 'inet', table: TABLE, chain, handle, expr: [{ accept: null }] },
  });
  const prerouting = Array.from({ length: o.preroutingRules ?? 2 }, (_, i) => rule('mark_prerouting', 20 + i));
  return JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
      { table: { family: 'inet', name: TABLE, handle: 12 } },
      { chain: { family: 'inet', table: TABLE, name: `${FINGERPRINT_PREFIX}${fp}`, handle: 1 } },
      {
        chain: {
          family: 'inet',
          table: TABLE,
          name: 'mark_prerouting',
          handle: 2,
          type: 'filter',
          hook: o.preroutingHook ?? 'prerouting',
          prio: o.preroutingPrio ?? -150,
          policy: 'accept',
        },
      },
      { chain: { family: 'inet', table: TABLE, name: 'to_wan1', handle: 3 } },
      {
        set: {
          family: 'inet',
          name: 'local_nets',
          table: TABLE,
          type: 'ipv4_addr',
          handle: 4,
          flags: ['interval'],
          elem: [{ prefix: { addr: '192.168.1.0', len: 24 } }],
        },
      },
      {
        set: {
          family: 'inet',
          name: 'recent',
          table: TABLE,
          type: 'ipv4_addr',
          handle: 5,
          flags: ['timeout', 'dynamic'],
          timeout: 600,
          elem: [{ elem: { val: '100.64.7.7', expires: 412 } }],
        },
      },
      { counter: { family: 'inet', name: 'new_wan1', table: TABLE, handle: 6, packets: 1234, bytes: 98765 } },
      ...prerouting,
      rule('to_wan1', 30),
      ...(o.extra ?? []),
    ],
  });
}

const lines = (script: string) => script.split('\n');

describe('parseNftTable', () => {
  it('reads chains with hooks, sets, maps, counters and rule counts', () => {
    const state = parseNftTable(
      listedJson('abc', {
        extra: [{ map: { family: 'inet', name: 'wan_of', table: TABLE, type: 'ipv4_addr', map: 'mark', handle: 9 } }],
      }),
    );
    assert.deepEqual([...state.chains.keys()].sort(), ['fingerprint_abc', 'mark_prerouting', 'to_wan1']);
    assert.deepEqual(state.chains.get('mark_prerouting'), {
      name: 'mark_prerouting',
      type: 'filter',
      hook: 'prerouting',
      priority: -150,
      policy: 'accept',
      rules: 2,
    });
    assert.equal(state.chains.get('to_wan1')!.rules, 1);
    assert.equal(state.chains.get('to_wan1')!.hook, undefined);
    assert.deepEqual([...state.sets].sort(), ['local_nets', 'recent', 'wan_of']);
    assert.deepEqual(state.counters.get('new_wan1'), { packets: 1234, bytes: 98765 });
  });
});

describe('renderNft', () => {
  it('first apply (no table yet) renders one table block and nothing else', () => {
    const plan = renderNft(TABLE, desiredNft(), null);
    assert.notEqual(plan.script, '');
    const script = lines(plan.script);
    assert.equal(script.filter((l) => /^table inet mwan \{$/.test(l)).length, 1);
    assert.ok(!script.some((l) => /^(flush|delete) /.test(l)), plan.script);
    for (const decl of [
      'counter new_wan1 {',
      'set local_nets {',
      'set recent {',
      'chain mark_prerouting {',
      'chain to_wan1 {',
      `chain ${FINGERPRINT_PREFIX}${plan.fingerprint} {`,
    ]) {
      assert.ok(
        script.some((l) => l.trim() === decl),
        `missing ${decl}`,
      );
    }
    assert.ok(plan.script.includes('type filter hook prerouting priority -150; policy accept;'));
    assert.ok(plan.script.includes('elements = { 192.168.1.0/24, 100.64.1.0/30 }'));
    assert.ok(plan.script.includes('counter name "new_wan1"'));
  });

  it('is a no-op against the table it produced, read back from `nft -j`', () => {
    const nft = desiredNft();
    const current = parseNftTable(listedJson(fingerprintOf(TABLE, nft)));
    assert.deepEqual(renderNft(TABLE, nft, current), {
      script: '',
      fingerprint: fingerprintOf(TABLE, nft),
    });
  });

  it('is a no-op against the memory kernel after applying its own first plan', async () => {
    const kernel = new MemoryKernel();
    const nft = desiredNft();
    const first = renderNft(TABLE, nft, null);
    await kernel.apply({ nft: first.script, ip: [], sysctl: [], target: { ...emptyDesired(), nft } });
    const again = renderNft(TABLE, desiredNft(), (await kernel.read()).nft);
    assert.equal(again.script, '');
  });

  it('flushes the table and renders the block again when a rule changes', () => {
    const old = desiredNft();
    const current = parseNftTable(listedJson(fingerprintOf(TABLE, old)));
    const changed = desiredNft();
    changed.chains[1].rules = ['ct mark set ct mark & 0xffff00ff | 0x200 counter name "new_wan1"'];
    const plan = renderNft(TABLE, changed, current);
    assert.notEqual(plan.script, '');
    assert.notEqual(plan.fingerprint, fingerprintOf(TABLE, old));
    const script = lines(plan.script);
    assert.equal(script[0], 'flush table inet mwan');
    assert.ok(script.includes('table inet mwan {'));
    assert.ok(plan.script.includes('| 0x200 counter name "new_wan1"'));
    // The objects are kept (counters keep counting); only the old fingerprint goes.
    assert.deepEqual(
      script.filter((l) => l.startsWith('delete ')),
      [`delete chain inet mwan ${FINGERPRINT_PREFIX}${fingerprintOf(TABLE, old)}`],
    );
  });

  it('renders again when the kernel has a different number of rules in a chain', () => {
    const nft = desiredNft();
    const current = parseNftTable(listedJson(fingerprintOf(TABLE, nft), { preroutingRules: 1 }));
    const plan = renderNft(TABLE, nft, current);
    assert.notEqual(plan.script, '');
    assert.equal(lines(plan.script)[0], 'flush table inet mwan');
  });

  it('deletes an obsolete chain, set and counter after the flush and before the block', () => {
    const current = parseNftTable(listedJson(fingerprintOf(TABLE, desiredNft())));
    const slim = desiredNft();
    slim.chains = slim.chains.filter((c) => c.name !== 'to_wan1');
    slim.sets = slim.sets.filter((s) => s.name !== 'recent');
    slim.counters = [];
    const script = lines(renderNft(TABLE, slim, current).script);
    const at = (line: string) => {
      const i = script.indexOf(line);
      assert.ok(i >= 0, `missing: ${line}\n${script.join('\n')}`);
      return i;
    };
    const flush = at('flush table inet mwan');
    const block = at('table inet mwan {');
    for (const del of [
      'delete chain inet mwan to_wan1',
      'delete set inet mwan recent',
      'delete counter inet mwan new_wan1',
    ]) {
      const i = at(del);
      assert.ok(flush < i && i < block, del);
    }
    assert.ok(!script.includes('delete chain inet mwan mark_prerouting'));
    assert.ok(!script.includes('delete set inet mwan local_nets'));
  });

  it('deletes and re-adds a base chain whose hook changed', () => {
    const current = parseNftTable(listedJson('0000', { preroutingHook: 'input' }));
    const plan = renderNft(TABLE, desiredNft(), current);
    const script = lines(plan.script);
    assert.ok(script.includes('delete chain inet mwan mark_prerouting'));
    assert.ok(script.indexOf('delete chain inet mwan mark_prerouting') < script.indexOf('table inet mwan {'));
    assert.ok(plan.script.includes('type filter hook prerouting priority -150;'));
  });

  it('deletes and re-adds a base chain whose priority changed', () => {
    const current = parseNftTable(listedJson(fingerprintOf(TABLE, desiredNft()), { preroutingPrio: 0 }));
    const plan = renderNft(TABLE, desiredNft(), current);
    assert.notEqual(plan.script, '');
    assert.ok(lines(plan.script).includes('delete chain inet mwan mark_prerouting'));
  });

  it('deletes a regular chain that became a base chain', () => {
    const nft = desiredNft();
    nft.chains[1].base = { type: 'filter', hook: 'output', priority: 0 };
    const plan = renderNft(TABLE, nft, parseNftTable(listedJson('0000')));
    assert.ok(lines(plan.script).includes('delete chain inet mwan to_wan1'));
  });

  it('keeps a base chain whose hook did not change', () => {
    const plan = renderNft(TABLE, desiredNft(), parseNftTable(listedJson('0000')));
    assert.ok(!lines(plan.script).includes('delete chain inet mwan mark_prerouting'));
  });

  it('flushes a static set before refilling it, but not a set filled at run time', () => {
    const script = lines(renderNft(TABLE, desiredNft(), parseNftTable(listedJson('0000'))).script);
    assert.ok(script.includes('flush set inet mwan local_nets'));
    assert.ok(!script.some((l) => l.startsWith('flush set inet mwan recent')));
    assert.ok(!script.some((l) => l.startsWith('delete set inet mwan recent')));
  });

  it('flushes a static set that is now empty', () => {
    const nft = desiredNft();
    nft.sets[0].elements = [];
    const script = lines(renderNft(TABLE, nft, parseNftTable(listedJson('0000'))).script);
    assert.ok(script.includes('flush set inet mwan local_nets'));
  });

  it('changes the fingerprint with the content, and only with it', () => {
    const a = desiredNft();
    const b = desiredNft();
    b.sets[0].elements = ['192.168.2.0/24'];
    assert.notEqual(fingerprintOf(TABLE, a), fingerprintOf(TABLE, b));
    assert.equal(fingerprintOf(TABLE, a), fingerprintOf(TABLE, desiredNft()));
  });
});

describe('removalNft', () => {
  it('deletes the whole table when it exists', () => {
    assert.equal(removalNft(TABLE, true).trim(), 'delete table inet mwan');
  });

  it('does nothing when there is no table', () => {
    assert.equal(removalNft(TABLE, false), '');
  });
});
