// Tests the NFQUEUE layout: tags in their own mark field, queues stable under reordering, fixed queues, and the checks that name the field.
import assert from 'node:assert/strict';
import { MwanError } from '../../../core/errors.ts';
import { parseConfig } from '../../../cli/config.ts';
import { NFQ_DONE_BIT } from '../../../plugin-api/index.ts';

const WANS = [
  { name: 'isp1', device: 'wan1' },
  { name: 'isp2', device: 'wan2' },
];
const layoutOf = (extra: Record<string, unknown>) => parseConfig({ wans: WANS, ...extra }).layout.nfqueue;

function rejected(extra: Record<string, unknown>): string {
  try {
    parseConfig({ wans: WANS, ...extra });
  } catch (error) {
    assert.ok(error instanceof MwanError, String(error));
    return error.message;
  }
  assert.fail('expected the configuration to be rejected');
}

describe('NFQUEUE layout', () => {
  it('without NFQUEUE policies there is nothing, and any mark mask is fine', () => {
    assert.equal(layoutOf({ kernel: { markMask: 0xff000000 } }).policies.size, 0);
  });

  it('gives each policy a tag inside 0x7f000000 and queue 2000 + slot; only policies that rules or the default use are in use', () => {
    const l = layoutOf({
      policies: {
        a: { strategy: 'nfqueue:round-robin' },
        b: { strategy: 'nfqueue:least-connections' },
        idle: { strategy: 'nfqueue:round-robin' },
        w: { strategy: 'weighted' },
      },
      rules: [{ dport: 80, policy: 'b' }],
      defaultPolicy: 'a',
    });
    assert.deepEqual([...l.policies.keys()], ['a', 'b', 'idle']);
    assert.equal(l.doneBit, NFQ_DONE_BIT);
    const tags = new Set<number>();
    for (const p of l.policies.values()) {
      assert.equal(p.tag & ~0x7f000000, 0);
      assert.ok(p.tag !== 0);
      assert.equal(p.queue, 2000 + p.slot);
      tags.add(p.tag);
    }
    assert.equal(tags.size, 3);
    assert.deepEqual(
      [...l.policies].map(([n, p]) => [n, p.strategy, p.inUse]),
      [
        ['a', 'round-robin', true],
        ['b', 'least-connections', true],
        ['idle', 'round-robin', false],
      ],
    );
  });

  it('reordering the config changes no tag and no queue', () => {
    const names = ['alpha', 'beta', 'gamma', 'delta', 'eps'];
    const cfg = (order: string[]) =>
      layoutOf({
        policies: Object.fromEntries(order.map((n) => [n, { strategy: 'nfqueue:round-robin' }])),
        kernel: { nfqueueTagMask: 0x07000000 },
      });
    const a = cfg(names);
    const b = cfg([...names].reverse());
    for (const n of names) assert.deepEqual(b.policies.get(n), a.policies.get(n), n);
  });

  it('a fixed queue is kept, and automatic queues step around it', () => {
    const auto = layoutOf({ policies: { a: { strategy: 'nfqueue:round-robin' } } }).policies.get('a')!;
    const l = layoutOf({
      policies: {
        a: { strategy: 'nfqueue:round-robin' },
        z: { strategy: 'nfqueue:round-robin', nfqueue: { queue: auto.queue } },
      },
    });
    assert.equal(l.policies.get('z')!.queue, auto.queue);
    assert.notEqual(l.policies.get('a')!.queue, auto.queue);
  });

  it('refuses overlapping fields, a full tag field and duplicate queues, naming the field', () => {
    const q = { strategy: 'nfqueue:round-robin' };
    assert.match(
      rejected({ policies: { q }, kernel: { markMask: 0xff000000 } }),
      /^kernel\.markMask: 0xff000000 includes 0x80000000/,
    );
    assert.match(
      rejected({ policies: { q }, kernel: { nfqueueTagMask: 0xff0000, markMask: 0xfff000 } }),
      /^kernel\.nfqueueTagMask: 0xff0000 overlaps kernel\.markMask 0xfff000/,
    );
    assert.match(
      rejected({ policies: { q }, kernel: { nfqueueTagMask: 0xc0000000 } }),
      /^kernel\.nfqueueTagMask: 0xc0000000 includes 0x80000000/,
    );
    assert.match(
      rejected({ policies: { q, r: q }, kernel: { nfqueueTagMask: 0x10000 } }),
      /^policies: 2 NFQUEUE policies do not fit kernel\.nfqueueTagMask 0x10000 \(room for 1\)/,
    );
    assert.match(
      rejected({ policies: { q: { ...q, nfqueue: { queue: 5 } }, r: { ...q, nfqueue: { queue: 5 } } } }),
      /^policies\.r\.nfqueue\.queue: 5 is also the queue of policy q/,
    );
    assert.match(
      rejected({ policies: { q }, kernel: { nfqueueBase: 65535 } }),
      /^kernel\.nfqueueBase: no free queue number for policy q/,
    );
  });
});
