// The router's own connections: unbound ones spread over the WANs (L4 multipath hash); ones bound to a WAN address leave by that WAN.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServers } from '../../kit/lab/traffic.ts';
import { mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';

describe('mwan lab: traffic from the router itself', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'router-traffic');
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

  it('reaches the server and spreads over more than one WAN', async () => {
    const l = lab!;
    const count = 60;
    const r = await burst(l, l.ns.router, { count, concurrency: 10 });
    console.log(`      router's own ${count} connections by WAN: ${JSON.stringify(r.byIsp.slice(1))}`);
    assert.equal(r.ok, count, JSON.stringify(r));
    assert.equal(r.other, 0, JSON.stringify(r.bySource));
    const used = [1, 2, 3].filter((i) => r.byIsp[i] > 0);
    assert.ok(used.length > 1, `all router connections left by one WAN: ${JSON.stringify(r.byIsp)}`);
  });

  it("leaves by WAN 2 only when bound to the router's WAN 2 address", async () => {
    const l = lab!;
    const count = 30;
    const r = await burst(l, l.ns.router, { count, concurrency: 10, bind: l.addr.routerWan(2) });
    assert.equal(r.ok, count, JSON.stringify(r));
    assert.equal(r.byIsp[2], count, JSON.stringify(r.byIsp));
  });
});
