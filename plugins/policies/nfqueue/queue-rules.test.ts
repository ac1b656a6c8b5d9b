// Tests the NFQUEUE queue rules as kernel extras: one rule per policy in use, applied once, retried after a failure, again after forget.
import assert from 'node:assert/strict';
import { parseConfig } from '../../../cli/config.ts';
import { silentLogger } from '../../../core/log.ts';
import type { NfqRulesSpec, PluginServices } from '../../../plugin-api/index.ts';
import { nfqRulesSpec, queueRules } from './queue-rules.ts';

const layoutWith = (policies: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseConfig({ wans: [{ name: 'isp1', device: 'wan1' }], policies, ...extra }).layout;
const USED = { rr: { strategy: 'nfqueue:round-robin' } };

/** A System's nfqueue service that records the specs it is asked to apply; `failures` applies throw first. */
function fakeNfqueue(failures = 0) {
  const applied: NfqRulesSpec[] = [];
  const nfqueue: NonNullable<PluginServices['nfqueue']> = {
    start: () => Promise.reject(new Error('no listeners here')),
    planRules: async (spec) => spec.bindings.map((b) => ['iptables', 'plan', String(b.queue)]),
    applyRules: async (spec) => {
      if (failures-- > 0) throw new Error('iptables: lock held');
      applied.push(spec);
      return [['iptables', 'applied']];
    },
  };
  return { applied, system: { nfqueue } as unknown as PluginServices };
}

describe('NFQUEUE queue rules (kernel extras of the policies plugin)', () => {
  it('one binding per policy in use, matching its tag in the tag field; none without a policy in use', () => {
    const layout = layoutWith(USED, { defaultPolicy: 'rr' });
    const spec = nfqRulesSpec(layout)!;
    const rr = layout.nfqueue.policies.get('rr')!;
    assert.deepEqual(spec.bindings, [
      { queue: rr.queue, match: ['-m', 'mark', '--mark', `0x${rr.tag.toString(16)}/0x7f000000`] },
    ]);
    assert.equal(spec.mask, 0xff00);
    assert.equal(nfqRulesSpec(layoutWith({ idle: { strategy: 'nfqueue:round-robin' } })), null);
    assert.equal(queueRules(layoutWith({}), fakeNfqueue().system, silentLogger()), null);
  });

  it('applies once until forgotten; plan lists what apply would run', async () => {
    const { applied, system } = fakeNfqueue();
    const rules = queueRules(layoutWith(USED, { defaultPolicy: 'rr' }), system, silentLogger())!;
    assert.equal((await rules.plan()).length, 1);
    assert.equal(applied.length, 0);
    assert.deepEqual(await rules.ensure(), [['iptables', 'applied']]);
    assert.equal(rules.pending, false);
    assert.deepEqual(await rules.ensure(), []);
    rules.forget();
    assert.equal(rules.pending, true);
    await rules.ensure();
    assert.equal(applied.length, 2);
  });

  it('a failed apply is logged, runs nothing, and is retried with the next ensure', async () => {
    const { applied, system } = fakeNfqueue(1);
    const rules = queueRules(layoutWith(USED, { defaultPolicy: 'rr' }), system, silentLogger())!;
    assert.deepEqual(await rules.ensure(), []);
    assert.equal(rules.pending, true);
    assert.deepEqual(await rules.ensure(), [['iptables', 'applied']]);
    assert.equal(applied.length, 1);
  });
});
