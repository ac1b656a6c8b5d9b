// The router's own connections follow the rules that can apply to them (port, network, enforced WAN) and leave with the chosen WAN's address; health probes keep their WAN.
import assert from 'node:assert/strict';
import { burst } from '../../kit/lab/traffic.ts';
import { skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { startStrategyLab, type StrategyLab } from '../../kit/lab/strategies.ts';
import { waitFor } from '../../kit/time.ts';

// Every WAN probes 203.0.113.11, which an enforced rule pins to isp3: the probes must still leave by their own WAN.
const PROBES = [{ method: 'icmp', target: '203.0.113.11' }];

describe("mwan lab: rules for the router's own connections", function () {
  this.timeout(60000);
  let s: StrategyLab | undefined;

  before(async function () {
    await skipWithoutLab(this, 'strategies-router');
    s = await startStrategyLab(
      {
        policies: { via2: { strategy: 'priority', members: [{ wan: 'isp2' }] } },
        rules: [
          { name: 'alt-port', proto: 'tcp', dport: 8080, policy: 'via2' },
          { name: 'server2', dst: ['203.0.113.11/32'], enforce: 'isp3' },
          { name: 'lan-only', src: ['10.77.0.0/24'], proto: 'tcp', dport: 80, policy: 'via2' },
        ],
      },
      { wans: { 1: { probes: PROBES }, 2: { probes: PROBES }, 3: { probes: PROBES } } as never },
    );
  });
  after(async () => {
    await s?.stop();
  });

  it("classifies unbound router connections by port and network, with the chosen WAN's source address", async () => {
    const { lab } = s!;
    const [byPort, byNet, rest] = await Promise.all([
      burst(lab, lab.ns.router, { count: 30, concurrency: 10, port: 8080 }),
      burst(lab, lab.ns.router, { count: 30, concurrency: 10, to: lab.addr.server2 }),
      burst(lab, lab.ns.router, { count: 60, concurrency: 10 }),
    ]);
    console.log(
      `      router → 8080: ${JSON.stringify(byPort.byIsp.slice(1))}; → 203.0.113.11: ${JSON.stringify(byNet.byIsp.slice(1))}; → 80 (a LAN-only rule, so the multipath route): ${JSON.stringify(rest.byIsp.slice(1))}`,
    );
    for (const r of [byPort, byNet, rest]) assert.equal(r.ok, r === rest ? 60 : 30, JSON.stringify(r));
    assert.deepEqual(byPort.byIsp.slice(1), [0, 30, 0]);
    assert.deepEqual(byNet.byIsp.slice(1), [0, 0, 30]);
    assert.ok(
      rest.byIsp.filter((n) => n > 0).length > 1,
      `a rule with a source network does not apply to the router: ${JSON.stringify(rest.byIsp)}`,
    );
    assert.ok(rest.other === 0 && byPort.other === 0 && byNet.other === 0, 'every connection left with an ISP address');
  });

  it("rewrites the source of a socket bound to another WAN's address; health probes keep their own WAN", async () => {
    const { lab, mwan } = s!;
    // nft cannot tell a bound socket from an unbound one (TCP looks the route up again with the source it chose):
    // the rule applies, and snat_local gives the connection the chosen WAN's address.
    const bound = await burst(lab, lab.ns.router, {
      count: 20,
      concurrency: 10,
      port: 8080,
      bind: lab.addr.routerWan(1),
    });
    console.log(`      bound to isp1's address → 8080: ${JSON.stringify(bound.byIsp.slice(1))}`);
    assert.deepEqual(bound.byIsp.slice(1), [0, 20, 0]);
    // Every WAN probes 203.0.113.11 (pinned to isp3 by rule) with ICMP; cut isp3's upstream: only isp3 goes offline,
    // so each WAN's probes still leave by that WAN.
    await lab.cutUpstream(3);
    try {
      await waitFor(
        async () => (await statusOf(mwan)).wans.find((w) => w.name === 'isp3')!.state === 'offline',
        20000,
        'isp3 offline',
      );
      const st = await statusOf(mwan);
      console.log(`      isp3 upstream cut: ${st.wans.map((w) => `${w.name} ${w.state}`).join(', ')}`);
      assert.deepEqual(
        st.wans.map((w) => w.inService),
        [true, true, false],
      );
      const blocked = await burst(lab, lab.ns.router, {
        count: 10,
        concurrency: 10,
        to: lab.addr.server2,
        timeoutMs: 1000,
      });
      assert.equal(
        blocked.ok,
        0,
        `the enforced rule fails the router's own connections too: ${JSON.stringify(blocked)}`,
      );
    } finally {
      await lab.restoreUpstream(3);
    }
  });
});
