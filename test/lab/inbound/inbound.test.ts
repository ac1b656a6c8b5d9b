// Inbound connections: a port forwarded by ISP 2 to the router is answered through WAN 2, even when weights favour WAN 1.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServerInNs, startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';

describe('mwan lab: inbound connections through a WAN', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'inbound');
    lab = await createLab({ wans: 3, ispPortForward: [{ isp: 2, port: 2222 }] });
    const l = lab;
    // The report server on the router stands in for its SSH daemon on port 2222, which mwan's firewall lets in.
    mwan = mwanFor(l, (dir) =>
      labConfig(l, dir, {
        wans: { 1: { weight: 10 }, 2: { weight: 1 }, 3: { weight: 1 } },
        extra: { firewall: { ssh: { port: 2222 } } },
      }),
    );
    await Promise.all([startServers(l), startServerInNs(l, l.ns.router, '0.0.0.0', 2222), mwan.startDaemon()]);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  it('weights 10:1:1 send most new LAN connections to WAN 1', async () => {
    const l = lab!;
    const r = await burst(l, l.ns.client, { count: 60, concurrency: 10 });
    assert.equal(r.ok, 60, JSON.stringify(r));
    assert.ok(r.byIsp[1] > 40, `weights 10:1:1 should favour isp1: ${JSON.stringify(r.byIsp)}`);
  });

  it("answers every connection arriving through ISP 2's port forward (replies leave by WAN 2)", async () => {
    const l = lab!;
    const count = 40;
    const r = await burst(l, l.ns.inet, {
      count,
      concurrency: 10,
      to: l.addr.ispPublic(2),
      port: 2222,
      timeoutMs: 1500,
    });
    console.log(`      ${r.ok}/${count} inbound connections answered in ${r.ms} ms`);
    assert.equal(r.ok, count, JSON.stringify(r));
    assert.deepEqual(r.bySource, { [l.addr.inetPeer(2)]: count });
  });
});
