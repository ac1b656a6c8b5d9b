// Port forwards: a LAN server answers through every ISP (replies by the WAN they came in on), hairpin, and after a WAN goes offline.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServerInNs, startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, layoutOf, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

const WEB = 8080; // forwarded on every WAN to the LAN client's port 8080
const ONLY_ISP1 = 9090; // forwarded on isp1 only, to the LAN client's port 9191
const ROUTER_ONLY = 7070; // the ISPs forward it to the router, which listens on it; mwan forwards nothing there

describe('mwan lab: port forwards on every WAN, hairpin, a WAN going offline', function () {
  this.timeout(120000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let markOf: (i: number) => number;
  let mask: number;

  before(async function () {
    await skipWithoutLab(this, 'inbound-forward');
    lab = await createLab({
      wans: 3,
      ispPortForward: [1, 2, 3].flatMap((isp) => [WEB, ONLY_ISP1, ROUTER_ONLY].map((port) => ({ isp, port }))),
    });
    const l = lab;
    mwan = mwanFor(l, (dir) =>
      labConfig(l, dir, {
        wans: { 1: { weight: 10 }, 2: { weight: 1 }, 3: { weight: 1 } },
        extra: {
          forwards: [
            { name: 'web', port: WEB, to: l.addr.client },
            { port: ONLY_ISP1, to: `${l.addr.client}:9191`, wans: ['isp1'] },
          ],
        },
      }),
    );
    const layout = layoutOf(mwan);
    mask = layout.mask;
    markOf = (i) => layout.wans.get(`isp${i}`)!.mark;
    await Promise.all([
      startServers(l),
      startServerInNs(l, l.ns.client, '0.0.0.0', [WEB, 9191]),
      startServerInNs(l, l.ns.router, '0.0.0.0', ROUTER_ONLY),
      mwan.startDaemon(),
    ]);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  /** conntrack lines in `ns` for connections from `src` to port `port` (original direction). */
  async function flows(ns: string, src: string, port: number): Promise<string[]> {
    const r = await lab!.exec(
      ns,
      ['conntrack', '-L', '-p', 'tcp', '--orig-src', src, '--orig-port-dst', String(port)],
      { reject: false },
    );
    return r.stdout.split('\n').filter((line) => line.includes(`dport=${port} `));
  }

  /** `count` connections from inet through ISP `i`'s public address; returns the burst result. */
  const viaIsp = (i: number, port: number, count = 20, timeoutMs = 1500) =>
    burst(lab!, lab!.ns.inet, { count, concurrency: 10, to: lab!.addr.ispPublic(i), port, timeoutMs });

  it('with weights 10:1:1 the balancing policy sends most new LAN connections to isp1', async () => {
    const r = await burst(lab!, lab!.ns.client, { count: 60, concurrency: 10 });
    assert.equal(r.ok, 60, JSON.stringify(r));
    assert.ok(r.byIsp[1] > 40, `weights 10:1:1 should favour isp1: ${JSON.stringify(r.byIsp)}`);
  });

  for (const i of [1, 2, 3]) {
    it(`a server on the LAN answers through isp${i}; the replies leave by WAN ${i} (assured at isp${i}, marked for WAN ${i} in the router)`, async () => {
      const l = lab!;
      const count = 20;
      const r = await viaIsp(i, WEB, count);
      assert.equal(r.ok, count, JSON.stringify(r));
      assert.deepEqual(
        r.bySource,
        { [l.addr.inetPeer(i)]: count },
        'the LAN server sees the remote address (no SNAT inbound)',
      );
      // The ISP only un-NATs what comes back through it: every flow assured there means every reply took WAN i.
      const atIsp = await flows(l.ns.isp(i), l.addr.inetPeer(i), WEB);
      assert.equal(atIsp.length, count, atIsp.join('\n'));
      assert.ok(
        atIsp.every((f) => f.includes('[ASSURED]') && !f.includes('UNREPLIED')),
        atIsp.join('\n'),
      );
      const atRouter = await flows(l.ns.router, l.addr.inetPeer(i), WEB);
      assert.equal(atRouter.length, count, atRouter.join('\n'));
      for (const f of atRouter) {
        const mark = Number(/mark=(\d+)/.exec(f)?.[1]);
        assert.equal(mark & mask, markOf(i), `router flow not marked for WAN ${i}: ${f}`);
      }
    });
  }

  it('a forward limited to isp1 answers there, translated to another port, and not through isp2', async () => {
    const l = lab!;
    const ok = await viaIsp(1, ONLY_ISP1, 5);
    assert.equal(ok.ok, 5, JSON.stringify(ok));
    const refused = await viaIsp(2, ONLY_ISP1, 3, 800);
    assert.equal(refused.ok, 0, JSON.stringify(refused));
    assert.equal(
      (await flows(l.ns.isp(2), l.addr.inetPeer(2), ONLY_ISP1)).filter((f) => f.includes('[ASSURED]')).length,
      0,
    );
  });

  for (const i of [1, 2, 3]) {
    it(`hairpin: the LAN client reaches the LAN server through WAN ${i}'s address (masqueraded to the router's LAN address)`, async () => {
      const l = lab!;
      const r = await burst(l, l.ns.client, { count: 10, to: l.addr.routerWan(i), port: WEB, timeoutMs: 1500 });
      assert.equal(r.ok, 10, JSON.stringify(r));
      assert.deepEqual(r.bySource, { [l.addr.routerLan]: 10 });
    });
  }

  it('with isp2 taken out of service (`wan down`), forwards through WAN 2 still answer and the firewall still drops an unforwarded port', async () => {
    const l = lab!;
    await ctlOk(mwan!, ['wan', 'down', 'isp2']);
    try {
      const s = await statusOf(mwan!);
      assert.equal(s.wans.find((w) => w.name === 'isp2')?.inService, false);
      const r = await viaIsp(2, WEB, 10);
      assert.equal(r.ok, 10, JSON.stringify(r));
      assert.ok(
        (await flows(l.ns.isp(2), l.addr.inetPeer(2), WEB)).filter((f) => f.includes('[ASSURED]')).length >= 10,
      );
      const hairpin = await burst(l, l.ns.client, { count: 5, to: l.addr.routerWan(2), port: WEB, timeoutMs: 1500 });
      assert.equal(hairpin.ok, 5, JSON.stringify(hairpin));
      const blocked = await viaIsp(2, ROUTER_ONLY, 3, 800);
      assert.equal(
        blocked.ok,
        0,
        `the router's port ${ROUTER_ONLY} must stay closed from the WANs: ${JSON.stringify(blocked)}`,
      );
      const lanOut = await burst(l, l.ns.client, { count: 30, concurrency: 10 });
      assert.equal(lanOut.ok, 30, JSON.stringify(lanOut));
      assert.equal(
        lanOut.byIsp[2],
        0,
        `no new LAN connection through isp2 while it is down: ${JSON.stringify(lanOut.byIsp)}`,
      );
    } finally {
      await ctlOk(mwan!, ['wan', 'up', 'isp2']);
    }
  });

  it('while WAN 2 has no carrier the other forwards answer; once it returns, forwards through it answer again and the firewall holds', async () => {
    const l = lab!;
    await l.cutCarrier(2);
    try {
      await waitFor(
        async () => (await statusOf(mwan!)).wans.find((w) => w.name === 'isp2')?.state === 'link-down',
        20000,
        'isp2 to be link-down',
      );
      for (const i of [1, 3]) {
        const r = await viaIsp(i, WEB, 10);
        assert.equal(r.ok, 10, `isp${i}: ${JSON.stringify(r)}`);
      }
    } finally {
      await l.restoreCarrier(2);
    }
    await waitFor(
      async () => (await statusOf(mwan!)).wans.find((w) => w.name === 'isp2')?.inService === true,
      20000,
      'isp2 back in service',
    );
    const back = await viaIsp(2, WEB, 10);
    assert.equal(back.ok, 10, JSON.stringify(back));
    assert.deepEqual(back.bySource, { [l.addr.inetPeer(2)]: 10 });
    const blocked = await viaIsp(2, ROUTER_ONLY, 3, 800);
    assert.equal(blocked.ok, 0, JSON.stringify(blocked));
    const hairpin = await burst(l, l.ns.client, { count: 5, to: l.addr.routerWan(2), port: WEB, timeoutMs: 1500 });
    assert.equal(hairpin.ok, 5, JSON.stringify(hairpin));
  });
});
