// Tests stable kernel identifiers: ids, marks, tables and priorities independent of WAN order, explicit ids, collisions and range checks.
import assert from 'node:assert/strict';
import { MwanError } from '../../core/errors.ts';
import { assignIds, computeLayout, type WanIds } from './identifiers.ts';
import { parseConfig } from './parse.ts';
import type { MwanConfig } from './schema.ts';

type WanInput = { name: string; device: string; id?: number };

const WANS: WanInput[] = [
  { name: 'isp1', device: 'wan1' },
  { name: 'isp2', device: 'wan2' },
  { name: 'fibre', device: 'eth3' },
  { name: 'lte', device: 'wwan0' },
  { name: 'backup', device: 'ppp0' },
];

function layoutOf(wans: WanInput[], kernel: Record<string, unknown> = {}) {
  return parseConfig({ wans, kernel }).layout;
}

function idsByName(wans: WanInput[], kernel: Record<string, unknown> = {}): Record<string, WanIds> {
  return Object.fromEntries(layoutOf(wans, kernel).wans);
}

/** Every ordering of `items` (Heap's algorithm). */
function permutations<T>(items: T[]): T[][] {
  const out: T[][] = [];
  const a = [...items];
  const c = a.map(() => 0);
  out.push([...a]);
  let i = 0;
  while (i < a.length) {
    if (c[i] < i) {
      const j = i % 2 === 0 ? 0 : c[i];
      [a[j], a[i]] = [a[i], a[j]];
      out.push([...a]);
      c[i]++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return out;
}

function expectInvalid(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MwanError, String(error));
    assert.equal(error.code, 'MWAN_CONFIG_INVALID');
    for (const p of patterns) assert.match(error.message, p);
    return true;
  });
}

describe('identifiers', () => {
  describe('order independence', () => {
    it('gives every WAN the same id, mark, table and priorities in every order of the WAN list', () => {
      const reference = idsByName(WANS);
      const orders = permutations(WANS);
      assert.equal(orders.length, 120);
      for (const order of orders) assert.deepEqual(idsByName(order), reference, order.map((w) => w.name).join(','));
    });

    it('stays order-independent when a small mask forces collisions', () => {
      // Capacity 3 for 3 WANs: isp1 and fibre hash to the same slot, so one of them must probe.
      const wans = WANS.slice(0, 3);
      const kernel = { markMask: 0x3 };
      const reference = idsByName(wans, kernel);
      const solo = wans.map((w) => assignIds([{ name: w.name }], 3).get(w.name));
      assert.ok(
        wans.some((w, i) => reference[w.name].id !== solo[i]),
        'expected at least one collision to be resolved',
      );
      assert.deepEqual(
        Object.values(reference)
          .map((w) => w.id)
          .sort(),
        [1, 2, 3],
      );
      for (const order of permutations(wans)) assert.deepEqual(idsByName(order, kernel), reference);
    });

    it('stays order-independent with explicit ids mixed in', () => {
      const wans = WANS.map((w, i) => (i % 2 === 0 ? { ...w, id: 10 + i } : w));
      const reference = idsByName(wans);
      for (const order of permutations(wans)) assert.deepEqual(idsByName(order), reference);
    });
  });

  describe('derived numbers', () => {
    it('derives mark and table from the id and the layout bases, and priorities at a fixed offset from the id', () => {
      const layout = layoutOf(WANS, { markMask: 0xff00, tableBase: 2000, rulePriorityBase: 5000 });
      assert.equal(layout.capacity, 255);
      const all = [...layout.wans.values()];
      for (const ids of all) {
        assert.ok(ids.id >= 1 && ids.id <= 255);
        assert.equal(ids.mark, ids.id << 8);
        assert.equal(ids.mark & ~0xff00, 0, 'mark stays inside the mask');
        assert.equal(ids.table, 2000 + ids.id);
      }
      assert.equal(new Set(all.map((w) => w.fwmarkPriority - w.id)).size, 1, 'fwmark priority = constant + id');
      assert.equal(new Set(all.map((w) => w.fromPriority - w.id)).size, 1, 'source priority = constant + id');
      assert.equal(layout.balanceTable, 2000);
      assert.deepEqual(layout.tableRange, [2000, 2255]);
      assert.equal(layout.priorityRange[0], 5000);
      assert.equal(layout.suppressPriority, 5000);
      assert.equal(layout.balancePriority, layout.priorityRange[1]);
    });

    it('orders the rules: main without its default first, then the WAN rules, the balance table last', () => {
      const layout = layoutOf(WANS);
      for (const w of layout.wans.values()) {
        for (const p of [w.fwmarkPriority, w.fromPriority]) {
          assert.ok(
            layout.suppressPriority < p && p < layout.balancePriority,
            `${p} between ${layout.suppressPriority} and ${layout.balancePriority}`,
          );
        }
      }
    });

    it('shifts every priority with rulePriorityBase', () => {
      const a = layoutOf(WANS, { rulePriorityBase: 1000 });
      const b = layoutOf(WANS, { rulePriorityBase: 3000 });
      assert.equal(b.balancePriority - a.balancePriority, 2000);
      for (const [name, w] of a.wans) {
        assert.equal(b.wans.get(name)!.fwmarkPriority - w.fwmarkPriority, 2000);
        assert.equal(b.wans.get(name)!.fromPriority - w.fromPriority, 2000);
      }
    });

    it('keeps every WAN number distinct and inside the owned ranges', () => {
      const layout = layoutOf(WANS);
      const all = [...layout.wans.values()];
      for (const key of ['id', 'mark', 'table', 'fwmarkPriority', 'fromPriority'] as const) {
        assert.equal(new Set(all.map((w) => w[key])).size, all.length, key);
      }
      const priorities = new Set([
        layout.suppressPriority,
        layout.balancePriority,
        ...all.flatMap((w) => [w.fwmarkPriority, w.fromPriority]),
      ]);
      assert.equal(priorities.size, 2 + 2 * all.length, 'no priority is shared');
      for (const p of priorities) assert.ok(p >= layout.priorityRange[0] && p <= layout.priorityRange[1], String(p));
      for (const w of all) assert.ok(w.table > layout.tableRange[0] && w.table <= layout.tableRange[1]);
    });

    it('caps the number of ids at 1023 for a wide mask', () => {
      assert.equal(layoutOf(WANS, { markMask: 0xffff0000 }).capacity, 1023);
    });
  });

  describe('explicit ids and collisions', () => {
    it('keeps explicit ids', () => {
      const ids = idsByName([
        { name: 'isp1', device: 'wan1', id: 7 },
        { name: 'isp2', device: 'wan2', id: 1 },
        { name: 'isp3', device: 'wan3' },
      ]);
      assert.equal(ids.isp1.id, 7);
      assert.equal(ids.isp1.table, 1007);
      assert.equal(ids.isp2.id, 1);
      assert.notEqual(ids.isp3.id, 7);
      assert.notEqual(ids.isp3.id, 1);
    });

    it('moves a hashed id that collides with an explicit one to a free id', () => {
      const alone = assignIds([{ name: 'isp1' }], 255).get('isp1')!;
      const ids = assignIds([{ name: 'isp1' }, { name: 'isp2', id: alone }], 255);
      assert.equal(ids.get('isp2'), alone);
      assert.notEqual(ids.get('isp1'), alone);
      assert.ok(ids.get('isp1')! >= 1 && ids.get('isp1')! <= 255);
    });

    it('fills every id when there are exactly as many WANs as the mask allows', () => {
      const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name) => ({ name }));
      const ids = assignIds(names, 7);
      assert.deepEqual([...ids.values()].sort(), [1, 2, 3, 4, 5, 6, 7]);
    });

    it('a hashed id does not depend on the other WANs present', () => {
      // Without collisions, adding WANs leaves an existing WAN's id alone.
      const alone = assignIds([{ name: 'isp1' }], 1023).get('isp1');
      const together = assignIds([{ name: 'zz-other' }, { name: 'isp1' }], 1023);
      assert.notEqual(together.get('zz-other'), alone, 'fixture: the two names must not collide');
      assert.equal(together.get('isp1'), alone);
    });
  });

  describe('range checks', () => {
    it('rejects more WANs than the mark mask can carry, saying how many fit', () => {
      const wans = WANS.slice(0, 4);
      expectInvalid(() => layoutOf(wans, { markMask: 0x3 }), /4 WANs/, /room for 3/, /markMask/);
    });

    it('rejects an explicit id larger than the mask allows', () => {
      expectInvalid(
        () => layoutOf([{ name: 'isp1', device: 'wan1', id: 8 }], { markMask: 0x7 }),
        /isp1/,
        /\b8\b/,
        /at most 7/,
      );
    });

    it('rejects a tableBase whose range overlaps the kernel tables 253-255', () => {
      expectInvalid(() => layoutOf(WANS, { tableBase: 200 }), /kernel\.tableBase/, /200-455/, /253-255/);
      expectInvalid(() => layoutOf(WANS, { tableBase: 1, markMask: 0xff }), /kernel\.tableBase/);
    });

    it('accepts a low tableBase whose range ends below 253', () => {
      const layout = layoutOf(WANS, { tableBase: 100, markMask: 0xf });
      assert.deepEqual(layout.tableRange, [100, 115]);
    });

    it('accepts a tableBase just above the kernel tables', () => {
      assert.deepEqual(layoutOf(WANS, { tableBase: 256 }).tableRange, [256, 511]);
    });

    it('rejects rule priorities that would reach 32766 (the main table rule)', () => {
      // The schema caps rulePriorityBase; computeLayout must still refuse a layout that crosses 32765.
      const { config, layout } = parseConfig({ wans: WANS, kernel: { markMask: 0xffff0000 } });
      const span = layout.priorityRange[1] - layout.priorityRange[0];
      const highest = 32765 - span;
      const justFits: MwanConfig = { ...config, kernel: { ...config.kernel, rulePriorityBase: highest } };
      assert.deepEqual(computeLayout(justFits).priorityRange, [highest, 32765]);
      const tooHigh: MwanConfig = { ...config, kernel: { ...config.kernel, rulePriorityBase: highest + 1 } };
      expectInvalid(
        () => computeLayout(tooHigh),
        /kernel\.rulePriorityBase/,
        new RegExp(`${highest + 1}-32766`),
        /below the main table's rule \(32766\)/,
      );
    });
  });
});
