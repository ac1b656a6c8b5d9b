// Tests the fast path's nft delta: only changed chains and set elements, the safety fallbacks, and a WAN state change through the Engine.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { NftDesired } from './desired.ts';
import { renderNftDelta } from './nft-delta.ts';
import { renderNft } from './nft-render.ts';
import { FINGERPRINT_PREFIX, fingerprintOf } from './nft-table-block.ts';
import type { CurrentNft } from '../system/kernel/nft-read.ts';
import { builtinPlugins } from '../../plugins/index.ts';
import { parseConfig } from '../../cli/config.ts';
import { Engine } from '../engine.ts';
import { MemoryKernel } from '../system/kernel/memory-adapter.ts';
import { MemorySystem } from '../system/memory.ts';
import { silentLogger } from '../log.ts';
import { link } from '../../test/kit/link.ts';

const TABLE = 'mwan';

function nft(jumps: string, wans: string[]): NftDesired {
  return {
    counters: ['c1'],
    sets: [
      { name: 'wan_marks', kind: 'map', type: 'ifname : mark', elements: wans.map((w, k) => `"${w}" : 0x${k + 1}00`) },
      { name: 'seen', kind: 'set', type: 'ipv4_addr', flags: ['dynamic'] },
    ],
    chains: [
      { name: 'pre', base: { type: 'filter', hook: 'prerouting', priority: -150 }, rules: ['jump balance'] },
      { name: 'balance', rules: [jumps] },
      { name: 'firewall', rules: ['ct state established accept', 'iifname "lan0" accept'] },
    ],
  };
}

/** What the kernel holds after applying `d` (as `nft -j list` would show it). */
function held(d: NftDesired): CurrentNft {
  const chains: CurrentNft['chains'] = new Map(
    d.chains.map((c) => [
      c.name,
      { name: c.name, ...c.base, policy: c.base && (c.base.policy ?? 'accept'), rules: c.rules.length },
    ]),
  );
  const fp = `${FINGERPRINT_PREFIX}${fingerprintOf(TABLE, d)}`;
  chains.set(fp, { name: fp, hook: undefined, rules: 0 });
  return { chains, sets: new Set(d.sets.map((s) => s.name)), counters: new Map([['c1', { packets: 0, bytes: 0 }]]) };
}

describe('nft delta (the fast path for state changes)', () => {
  const before = nft('numgen random mod 2 vmap { 0 : jump a, 1 : jump b }', ['wan1', 'wan2']);
  const after = nft('numgen random mod 1 vmap { 0 : jump a }', ['wan1', 'wan3']);

  it('flushes and refills only the changed chain, changes only the changed elements, renames the fingerprint', () => {
    const d = renderNftDelta(TABLE, after, before, held(before));
    assert.ok(d);
    const lines = d.script.trim().split('\n');
    assert.deepEqual(lines.slice(0, 4), [
      'delete element inet mwan wan_marks { "wan2" }',
      'add element inet mwan wan_marks { "wan3" : 0x200 }',
      'flush chain inet mwan balance',
      `delete chain inet mwan ${FINGERPRINT_PREFIX}${fingerprintOf(TABLE, before)}`,
    ]);
    assert.ok(d.script.includes(`chain ${FINGERPRINT_PREFIX}${fingerprintOf(TABLE, after)} {`));
    assert.ok(d.script.includes('numgen random mod 1 vmap { 0 : jump a }'));
    for (const untouched of ['pre', 'firewall', 'seen', 'counter', 'flush table', 'type filter'])
      assert.ok(!d.script.includes(untouched), `${untouched} is not in the delta:\n${d.script}`);
    assert.equal(d.fingerprint, fingerprintOf(TABLE, after));
  });

  it('nothing changed: an empty script', () => {
    assert.equal(renderNftDelta(TABLE, before, before, held(before))?.script, '');
  });

  it('falls back to the full render when the kernel does not hold the previous table, or definitions changed', () => {
    const tampered = held(before);
    tampered.chains.get('firewall')!.rules = 1;
    assert.equal(renderNftDelta(TABLE, after, before, tampered), null, 'a rule deleted behind mwan');
    assert.equal(renderNftDelta(TABLE, after, after, held(before)), null, 'another fingerprint');
    const retyped = structuredClone(after);
    retyped.sets[0].type = 'ifname : verdict';
    assert.equal(renderNftDelta(TABLE, retyped, before, held(before)), null, 'a set type changed');
    const rehooked = structuredClone(after);
    rehooked.chains[0].base!.priority = -100;
    assert.equal(renderNftDelta(TABLE, rehooked, before, held(before)), null, 'a base chain changed');
    const full = renderNft(TABLE, rehooked, held(before), { nft: before, fingerprint: fingerprintOf(TABLE, before) });
    assert.match(full.script, /^flush table inet mwan$/m, 'renderNft falls back to the whole table');
  });

  it('a WAN losing carrier (firewall, forwards, rules on): the plan touches only the chains that depend on it', async () => {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'mwan-delta-'));
    try {
      const loaded = parseConfig({
        stateDir,
        lan: [{ device: 'lan0' }],
        wans: [1, 2, 3].map((i) => ({ name: `isp${i}`, device: `wan${i}`, weight: i })),
        firewall: { enabled: true },
        forwards: [{ name: 'web', port: 8080, proto: 'tcp', to: '192.168.1.10:80' }],
        rules: [{ name: 'dns', proto: 'udp', dport: [53], policy: 'backup' }],
        policies: {
          backup: {
            strategy: 'priority',
            members: [
              { wan: 'isp1', tier: 1 },
              { wan: 'isp2', tier: 2 },
            ],
          },
        },
      });
      const kernel = new MemoryKernel({
        links: [
          link('wan1', '100.64.1.2'),
          link('wan2', '100.64.2.2'),
          link('wan3', '100.64.3.2'),
          link('lan0', '192.168.1.1', 24),
        ],
        defaults: [1, 2, 3].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254, metric: 100 * i })),
      });
      const engine = await Engine.create({
        loaded,
        system: new MemorySystem(kernel),
        log: silentLogger(),
        plugins: builtinPlugins,
      });
      await engine.observe();
      const first = await engine.reconcile('start');
      assert.match(first!.plan.nft, /^table inet mwan \{/m, 'the first apply writes the whole table');
      const chains = engine.desired().nft.chains.length;
      kernel.network.links[1].carrier = false;
      await engine.observe();
      const result = await engine.reconcile('wan2 down');
      const script = result!.plan.nft;
      assert.ok(!/flush table|delete table/.test(script), script);
      const refilled = [...script.matchAll(/^flush chain inet mwan (\S+)$/gm)].map((m) => m[1]);
      assert.ok(
        refilled.length >= 1 && refilled.length < chains / 2,
        `${refilled.length} of ${chains} chains:\n${script}`,
      );
      assert.ok(
        result!.plan.ip.some((l) => l.startsWith('route replace default')),
        result!.plan.ip.join('\n'),
      );
      assert.equal((await engine.reconcile('settled'))?.changed, false, 'the delta left exactly the desired table');
      // A fresh read (the safety net) agrees: nothing to do.
      assert.equal((await engine.repair('check', () => true))?.changed, false);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
