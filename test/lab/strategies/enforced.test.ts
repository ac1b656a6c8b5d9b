// Enforced rules in the lab: traffic pinned to one WAN fails while that WAN is down (admin, carrier, upstream, device down) and never leaks out another.
import assert from 'node:assert/strict';
import { burst, openLongLived } from '../../kit/lab/traffic.ts';
import { ctlOk, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { startStrategyLab, type StrategyLab } from '../../kit/lab/strategies.ts';
import { waitFor } from '../../kit/time.ts';

const PROBES = [
  { method: 'icmp', target: '203.0.113.10' },
  { method: 'icmp', target: '203.0.113.11' },
];

describe('mwan lab: enforced rules', function () {
  this.timeout(60000);
  let s: StrategyLab | undefined;

  before(async function () {
    await skipWithoutLab(this, 'strategies-enforced');
    s = await startStrategyLab(
      {
        // Probes, so that mwan also sees an upstream cut behind a live link.
        // Four ways down in a minute would rightly be held down by flap damping: this test is about leaks, not flaps.
        health: { intervalMs: 150, flapPenalty: 0 },
        // Control: a plain policy over isp2 alone falls back to the other WANs (whenNone: main) when isp2 is down.
        policies: { prefer2: { strategy: 'priority', members: [{ wan: 'isp2' }] } },
        rules: [
          { name: 'bank', proto: 'tcp', dport: 8080, enforce: 'isp2' },
          { name: 'soft', dst: ['203.0.113.11'], policy: 'prefer2' },
        ],
      },
      { wans: { 1: { probes: PROBES }, 2: { probes: PROBES }, 3: { probes: PROBES } } as never },
    );
  });
  after(async () => {
    await s?.stop();
  });

  /** Enforced traffic (server:8080), the control (server2:80) and other traffic (server:80) while isp2 is in `state`. */
  const check = async (state: string) => {
    const { lab } = s!;
    const [enforced, control, other] = await Promise.all([
      burst(lab, lab.ns.client, { count: 20, concurrency: 20, port: 8080, timeoutMs: 1500 }),
      burst(lab, lab.ns.client, { count: 20, concurrency: 20, to: lab.addr.server2, timeoutMs: 1500 }),
      burst(lab, lab.ns.client, { count: 20, concurrency: 20, timeoutMs: 1500 }),
    ]);
    console.log(
      `      isp2 ${state}: enforced ${enforced.ok}/20 ${JSON.stringify(enforced.byIsp.slice(1))}, control ${JSON.stringify(control.byIsp.slice(1))}, other ${JSON.stringify(other.byIsp.slice(1))}`,
    );
    return { enforced, control, other };
  };
  const assertBlocked = (r: Awaited<ReturnType<typeof check>>, state: string) => {
    assert.equal(
      r.enforced.ok,
      0,
      `${state}: enforced connections got through: ${JSON.stringify(r.enforced.bySource)}`,
    );
    assert.equal(r.other.ok, 20, `${state}: other traffic should flow: ${JSON.stringify(r.other)}`);
    assert.equal(r.other.byIsp[2], 0, `${state}: other traffic used isp2`);
  };

  it('uses the enforced WAN while it is up', async () => {
    const r = await check('up');
    assert.deepEqual(r.enforced.byIsp.slice(1), [0, 20, 0]);
    assert.deepEqual(r.control.byIsp.slice(1), [0, 20, 0]);
  });

  it('never leaks while the WAN is down: taken down by hand, carrier lost, upstream cut, device down', async () => {
    const { lab, mwan } = s!;
    // Every packet to port 8080 that isp1 or isp3 forwards is counted (new connections and established ones alike).
    for (const i of [1, 3]) {
      await lab.exec(lab.ns.isp(i), ['nft', '-f', '-'], {
        input:
          'table ip watch {\n chain count8080 {\n  type filter hook forward priority -10; policy accept;\n  tcp dport 8080 counter\n }\n}\n',
      });
    }
    // An established enforced connection that lives through the phases: its packets must not leak either.
    const held = await openLongLived(lab, lab.ns.client, { port: 8080 });
    assert.equal(lab.ispForPublicAddress(held.seenAs), 2);
    const outOfService = () =>
      waitFor(
        async () => !(await statusOf(mwan)).wans.find((w) => w.name === 'isp2')!.inService,
        20000,
        'isp2 out of service',
      );
    const phases: [string, () => Promise<void>, () => Promise<void>][] = [
      [
        'taken down by hand',
        () => ctlOk(mwan, ['wan', 'down', 'isp2']).then(() => undefined),
        () => ctlOk(mwan, ['wan', 'up', 'isp2']).then(() => undefined),
      ],
      ['without carrier', () => lab.cutCarrier(2), () => lab.restoreCarrier(2)],
      ['cut upstream (probes fail)', () => lab.cutUpstream(2), () => lab.restoreUpstream(2)],
      [
        'device set down',
        () => lab.exec(lab.ns.router, ['ip', 'link', 'set', 'wan2', 'down']).then(() => undefined),
        () => lab.exec(lab.ns.router, ['ip', 'link', 'set', 'wan2', 'up']).then(() => undefined),
      ],
    ];
    for (const [state, down, up] of phases) {
      await down();
      await outOfService();
      const r = await check(state);
      assertBlocked(r, state);
      // The control: a plain policy over isp2 lets its traffic fall back to the other WANs.
      assert.equal(r.control.ok, 20, `${state}: control ${JSON.stringify(r.control)}`);
      assert.equal(r.control.byIsp[2], 0);
      await up();
      await waitFor(
        async () => (await statusOf(mwan)).wans.find((w) => w.name === 'isp2')!.inService,
        20000,
        'isp2 back in service',
      );
      const back = await burst(lab, lab.ns.client, { count: 10, concurrency: 10, port: 8080 });
      assert.deepEqual(back.byIsp.slice(1), [0, 10, 0], `after ${state}: ${JSON.stringify(back)}`);
      await held.check(1000).catch(() => undefined); // sends a packet whether or not the connection survived
    }
    await held.close();
    for (const i of [1, 3]) {
      const listed = (await lab.exec(lab.ns.isp(i), ['nft', 'list', 'table', 'ip', 'watch'])).stdout;
      const packets = Number(/counter packets (\d+)/.exec(listed)?.[1]);
      console.log(`      packets to port 8080 through isp${i} over all phases: ${packets}`);
      assert.equal(packets, 0, `isp${i} forwarded enforced traffic`);
    }
  });
});
