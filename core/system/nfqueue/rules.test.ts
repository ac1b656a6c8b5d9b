// The queue chain rules: exact argv, idempotent apply and removal of mwan's own rules only, against an in-memory iptables.
import assert from 'node:assert/strict';
import { fakeIptables } from './testing.ts';
import { applyCommands, applyNfqRules, removeNfqRules, renderNfqRules, type NfqRulesSpec } from './rules.ts';

const SPEC: NfqRulesSpec = { mask: 0xff00, doneBit: 0x80000000, bindings: [{ queue: 0, match: ['-i', 'lan0'] }] };

describe('nfqueue rules', () => {
  it('renders the chain: saved-and-done first, then the queue rule with bypass; the done chain saves mwan bits and clears the bit', () => {
    assert.deepEqual(
      applyCommands(SPEC).map((a) => a.join(' ')),
      [
        'iptables -w -t nat -N MWAN_NFQ_DONE',
        'iptables -w -t nat -N MWAN_NFQ',
        'iptables -w -t nat -A MWAN_NFQ_DONE -j CONNMARK --save-mark --nfmask 0xff00 --ctmask 0xff00',
        'iptables -w -t nat -A MWAN_NFQ_DONE -j MARK --set-xmark 0x0/0x80000000',
        'iptables -w -t nat -A MWAN_NFQ -m mark --mark 0x80000000/0x80000000 -g MWAN_NFQ_DONE',
        'iptables -w -t nat -A MWAN_NFQ -i lan0 -m conntrack --ctstate NEW -j NFQUEUE --queue-num 0 --queue-bypass',
        'iptables -w -t nat -I PREROUTING 1 -m comment --comment mwan-nfqueue -j MWAN_NFQ',
      ],
    );
  });

  it('refuses a done bit inside the mask, or more than one bit, and a bad queue number', () => {
    assert.throws(() => renderNfqRules({ ...SPEC, doneBit: 0x100 }), /one bit outside the mark mask 0xff00/);
    assert.throws(() => renderNfqRules({ ...SPEC, doneBit: 0x30000 }), /one bit outside/);
    assert.throws(() => renderNfqRules({ ...SPEC, bindings: [{ queue: 70000, match: [] }] }), /queue number 70000/);
  });

  it('applies once, then a second apply changes nothing', async () => {
    const ipt = fakeIptables({ PREROUTING: ['-i eth9 -j ACCEPT'] });
    assert.equal(await applyNfqRules(ipt.run, SPEC), true);
    assert.deepEqual(ipt.chains.get('PREROUTING'), [
      '-m comment --comment mwan-nfqueue -j MWAN_NFQ',
      '-i eth9 -j ACCEPT',
    ]);
    const before = ipt.writes.length;
    assert.equal(await applyNfqRules(ipt.run, SPEC), false);
    assert.equal(ipt.writes.length, before);
  });

  it('rewrites the chain when the bindings change, keeping one jump', async () => {
    const ipt = fakeIptables();
    await applyNfqRules(ipt.run, SPEC);
    await applyNfqRules(ipt.run, {
      ...SPEC,
      bindings: [{ queue: 1, match: ['-m', 'mark', '--mark', '0x10000/0x10000'] }],
    });
    assert.deepEqual(ipt.chains.get('MWAN_NFQ')!.slice(1), [
      '-m mark --mark 0x10000/0x10000 -m conntrack --ctstate NEW -j NFQUEUE --queue-num 1 --queue-bypass',
    ]);
    assert.equal(ipt.chains.get('PREROUTING')!.length, 1);
  });

  it('removes its jump and chains only, and is a no-op when nothing is there', async () => {
    const ipt = fakeIptables({ PREROUTING: ['-i eth9 -j ACCEPT'] });
    await applyNfqRules(ipt.run, SPEC);
    await removeNfqRules(ipt.run);
    assert.deepEqual([...ipt.chains.keys()], ['PREROUTING']);
    assert.deepEqual(ipt.chains.get('PREROUTING'), ['-i eth9 -j ACCEPT']);
    await removeNfqRules(ipt.run);
    assert.deepEqual(ipt.chains.get('PREROUTING'), ['-i eth9 -j ACCEPT']);
  });
});
