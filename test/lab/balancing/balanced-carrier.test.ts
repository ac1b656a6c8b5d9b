// Balanced mode and link loss: a WAN without carrier (or set down, as ifdown does) gets no new connections; once back it gets them again.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServers } from '../../kit/lab/traffic.ts';
import { mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { balancedIds, layoutOf, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

describe('mwan lab: balanced mode and link loss', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'balanced-carrier');
    lab = await createLab({ wans: 3 });
    mwan = mwanFor(lab);
    await Promise.all([startServers(lab), mwan.startDaemon()]);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  it('spreads over all three WANs to begin with', async () => {
    const l = lab!;
    const r = await burst(l, l.ns.client, { count: 60, concurrency: 10 });
    assert.equal(r.ok, 60, JSON.stringify(r));
    assert.ok(
      [1, 2, 3].every((i) => r.byIsp[i] > 0),
      JSON.stringify(r.byIsp),
    );
  });

  it('sends new connections only to isp1 and isp3 while wan2 has no carrier', async () => {
    const l = lab!;
    const t0 = performance.now();
    await l.cutCarrier(2);
    const ms = await waitFor(
      async () => {
        const b = await burst(l, l.ns.client, { count: 9, concurrency: 9, timeoutMs: 400 });
        return b.ok === 9 && b.byIsp[2] === 0;
      },
      20000,
      'a clean burst that avoids isp2',
    );
    console.log(
      `      isp2 left the balance ${Math.round(performance.now() - t0)} ms after carrier loss (burst check ${Math.round(ms)} ms)`,
    );
    const r = await burst(l, l.ns.client, { count: 90, concurrency: 10 });
    console.log(`      without isp2: ${JSON.stringify(r.byIsp.slice(1))}`);
    assert.equal(r.ok, 90, JSON.stringify(r));
    assert.equal(r.byIsp[2], 0, JSON.stringify(r.byIsp));
    assert.ok(r.byIsp[1] > 0 && r.byIsp[3] > 0, JSON.stringify(r.byIsp));
  });

  it('gives isp2 new connections again once its carrier is back', async () => {
    const l = lab!;
    const t0 = performance.now();
    await l.restoreCarrier(2);
    await waitFor(
      async () => {
        const b = await burst(l, l.ns.client, { count: 12, concurrency: 12, timeoutMs: 400 });
        return b.ok === 12 && b.byIsp[2] > 0;
      },
      20000,
      'isp2 to take new connections again',
    );
    console.log(`      isp2 back in the balance within ${Math.round(performance.now() - t0)} ms`);
    const r = await burst(l, l.ns.client, { count: 90, concurrency: 10 });
    console.log(`      with isp2 back: ${JSON.stringify(r.byIsp.slice(1))}`);
    assert.equal(r.ok, 90, JSON.stringify(r));
    assert.ok(
      [1, 2, 3].every((i) => r.byIsp[i] > 0),
      JSON.stringify(r.byIsp),
    );
  });

  it('takes a WAN whose device is set down (ifdown) out of the balance without a failed reconcile, and back when set up', async () => {
    const l = lab!;
    const m = mwan!;
    const layout = layoutOf(m);
    const id2 = layout.wans.get('isp2')!.id;
    const table2 = layout.wans.get('isp2')!.table;
    const logFrom = m.daemon!.lines.length;
    const failures = () => m.daemon!.lines.slice(logFrom).filter((x) => x.includes('reconcile failed'));

    // Setting a device down makes the kernel flush every route through it, mwan's own included.
    await l.exec(l.ns.router, ['ip', 'link', 'set', 'wan2', 'down']);
    await waitFor(async () => !(await balancedIds(l)).includes(id2), 20000, 'isp2 to leave the balance chain');
    const down = await burst(l, l.ns.client, { count: 45, concurrency: 9, timeoutMs: 1000 });
    assert.equal(down.ok, 45, JSON.stringify(down));
    assert.equal(down.byIsp[2], 0, JSON.stringify(down.byIsp));
    const s1 = await statusOf(m);
    assert.equal(s1.wans.find((w) => w.name === 'isp2')?.state, 'link-down');
    assert.deepEqual(failures(), [], 'a reconcile failed after wan2 was set down');
    assert.equal(s1.lastReconcile?.error, undefined, JSON.stringify(s1.lastReconcile));

    await l.exec(l.ns.router, ['ip', 'link', 'set', 'wan2', 'up']);
    await waitFor(async () => (await balancedIds(l)).includes(id2), 20000, 'isp2 to rejoin the balance chain');
    await waitFor(
      async () =>
        /default via 100\.64\.2\.1 dev wan2/.test(
          (await l.exec(l.ns.router, ['ip', 'route', 'show', 'table', String(table2)])).stdout,
        ),
      20000,
      `isp2's table ${table2} to get its default route back`,
    );
    const up = await burst(l, l.ns.client, { count: 60, concurrency: 10 });
    assert.equal(up.ok, 60, JSON.stringify(up));
    assert.ok(
      [1, 2, 3].every((i) => up.byIsp[i] > 0),
      JSON.stringify(up.byIsp),
    );
    assert.deepEqual(failures(), [], 'a reconcile failed after wan2 was set up');
  });
});
