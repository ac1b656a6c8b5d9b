// Tests the NFQUEUE kernel services: plans read and change nothing, applies report what ran, removal only what existed; dry runs bind nothing.
import assert from 'node:assert/strict';
import { MemoryNfqueue, SystemNfqueue } from './adapters.ts';
import type { NfqRulesSpec } from './rules.ts';
import { fakeIptables, inTurn } from './testing.ts';

const SPEC: NfqRulesSpec = {
  mask: 0xff00,
  doneBit: 0x80000000,
  bindings: [{ queue: 2001, match: ['-m', 'mark', '--mark', '0x1000000/0x7f000000'] }],
};

describe('NFQUEUE kernel services', () => {
  it('system: planRules reads the rules and lists the changes without making them', async () => {
    const ipt = fakeIptables();
    const planned = await new SystemNfqueue(ipt.run).planRules(SPEC);
    assert.deepEqual(ipt.writes, []);
    assert.deepEqual(
      planned.map((a) => a.slice(4, 6).join(' ')),
      [
        '-N MWAN_NFQ_DONE',
        '-A MWAN_NFQ_DONE',
        '-A MWAN_NFQ_DONE',
        '-N MWAN_NFQ',
        '-A MWAN_NFQ',
        '-A MWAN_NFQ',
        '-I PREROUTING',
      ],
    );
    assert.ok(planned[5].includes('NFQUEUE') && planned[5].includes('2001'));
  });

  it('system: applyRules returns what ran, then nothing; removeRules removes only what exists', async () => {
    const ipt = fakeIptables({ PREROUTING: ['-j SOMEONE_ELSE'] });
    const nfq = new SystemNfqueue(ipt.run);
    assert.equal((await nfq.applyRules(SPEC)).length, 7);
    assert.deepEqual(await nfq.applyRules(SPEC), []);
    assert.deepEqual(await nfq.planRules(SPEC), []);
    const removed = await nfq.removeRules();
    assert.deepEqual(
      removed.map((a) => a.slice(4, 6).join(' ')),
      ['-D PREROUTING', '-F MWAN_NFQ', '-F MWAN_NFQ_DONE', '-X MWAN_NFQ', '-X MWAN_NFQ_DONE'],
    );
    assert.deepEqual([...ipt.chains.keys()], ['PREROUTING']);
    assert.deepEqual(ipt.chains.get('PREROUTING'), ['-j SOMEONE_ELSE']);
    assert.deepEqual(await nfq.removeRules(), [], 'nothing left to remove: nothing reported');
  });

  it('dry run: applyRules and removeRules change nothing; start binds no queue but still builds the strategy (its failure rejects)', async () => {
    const ipt = fakeIptables();
    const dry = new SystemNfqueue(ipt.run, true);
    assert.equal((await dry.applyRules(SPEC)).length, 7);
    assert.deepEqual(ipt.writes, []);
    const svc = await dry.start({ queue: 1, strategy: 'in-turn', factory: inTurn, wans: () => [], mask: 0xff00 });
    assert.equal(svc.stats().packets, 0);
    await svc.close();
    const unknown = () => {
      throw new Error("unknown nfqueue strategy 'nope'");
    };
    await assert.rejects(
      dry.start({ queue: 1, strategy: 'nope', factory: unknown, wans: () => [], mask: 0xff00 }),
      /unknown nfqueue strategy 'nope'/,
    );
  });

  it('memory: one listener per queue, decisions among the WANs given', async () => {
    const m = new MemoryNfqueue();
    const wans = [
      { name: 'a', mark: 0x100 },
      { name: 'b', mark: 0x200 },
    ];
    const svc = await m.start({ queue: 3, strategy: 'in-turn', factory: inTurn, wans: () => wans, mask: 0xff00 });
    await assert.rejects(
      m.start({ queue: 3, strategy: 'in-turn', factory: inTurn, wans: () => wans, mask: 0xff00 }),
      /EPERM/,
    );
    assert.deepEqual([m.decide(3), m.decide(3), m.decide(3)], ['a', 'b', 'a']);
    await svc.close();
    assert.equal(m.queues.size, 0);
  });
});
