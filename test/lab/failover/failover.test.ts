// Failover mode: tiers 1,2,3 — everything on tier 1; carrier loss moves new connections to tier 2; restoring moves them back.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { balancedIds, layoutOf, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

describe('mwan lab: failover mode with tiers 1,2,3', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let idOf: (i: number) => number;

  before(async function () {
    await skipWithoutLab(this, 'failover');
    lab = await createLab({ wans: 3 });
    const l = lab;
    mwan = mwanFor(l, (dir) =>
      labConfig(l, dir, { mode: 'failover', wans: { 1: { tier: 1 }, 2: { tier: 2 }, 3: { tier: 3 } } }),
    );
    const layout = layoutOf(mwan);
    idOf = (i) => layout.wans.get(`isp${i}`)!.id;
    await Promise.all([startServers(l), mwan.startDaemon()]);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  /** Time until the balance chain points at isp`to` only, and until a short burst gets through isp`to` only. */
  async function measureSwitch(
    to: number,
    change: () => Promise<void>,
  ): Promise<{ controlMs: number; trafficMs: number }> {
    const l = lab!;
    const t0 = performance.now();
    await change();
    const [controlMs, trafficMs] = await Promise.all([
      waitFor(
        async () => JSON.stringify(await balancedIds(l)) === JSON.stringify([idOf(to)]),
        20000,
        `balance chain to point at isp${to}`,
      ).then(() => performance.now() - t0),
      waitFor(
        async () => {
          const b = await burst(l, l.ns.client, { count: 4, concurrency: 4, timeoutMs: 400 });
          return b.ok === 4 && b.byIsp[to] === 4;
        },
        20000,
        `a burst to get through isp${to} only`,
      ).then(() => performance.now() - t0),
    ]);
    return { controlMs, trafficMs };
  }

  it('puts 100% of new connections on tier 1', async () => {
    const l = lab!;
    const r = await burst(l, l.ns.client, { count: 60, concurrency: 10 });
    assert.equal(r.ok, 60, JSON.stringify(r));
    assert.equal(r.byIsp[1], 60, `all on isp1: ${JSON.stringify(r.byIsp)}`);
  });

  it('moves new connections to tier 2 when tier 1 loses carrier', async () => {
    const l = lab!;
    const t = await measureSwitch(2, () => l.cutCarrier(1));
    console.log(
      `      failover isp1 -> isp2: control plane ${Math.round(t.controlMs)} ms, first clean burst via isp2 ${Math.round(t.trafficMs)} ms`,
    );
    const r = await burst(l, l.ns.client, { count: 60, concurrency: 10 });
    assert.equal(r.ok, 60, JSON.stringify(r));
    assert.equal(r.byIsp[2], 60, `all on isp2: ${JSON.stringify(r.byIsp)}`);
  });

  it('moves new connections back to tier 1 when its carrier returns', async () => {
    const l = lab!;
    const t = await measureSwitch(1, () => l.restoreCarrier(1));
    console.log(
      `      recovery isp2 -> isp1: control plane ${Math.round(t.controlMs)} ms, first clean burst via isp1 ${Math.round(t.trafficMs)} ms`,
    );
    const r = await burst(l, l.ns.client, { count: 60, concurrency: 10 });
    assert.equal(r.ok, 60, JSON.stringify(r));
    assert.equal(r.byIsp[1], 60, `all on isp1: ${JSON.stringify(r.byIsp)}`);
  });
});
