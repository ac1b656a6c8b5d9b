// Stickiness: long-lived LAN connections keep their WAN, unbroken, through 50 reconciles that change the kernel state.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, openLongLived, startServers, type LongLived } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { NOTHING_TO_DO, balancedIds, ctlOk, layoutOf, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

interface Tracked {
  conn: LongLived;
  isp: number;
  probes: number;
}

describe('mwan lab: sticky connections', function () {
  this.timeout(90000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  const tracked: Tracked[] = [];

  before(async function () {
    await skipWithoutLab(this, 'sticky');
    lab = await createLab({ wans: 3 });
    mwan = mwanFor(lab);
    await Promise.all([startServers(lab), mwan.startDaemon()]);
  });

  after(async () => {
    try {
      await Promise.all(tracked.map((t) => t.conn.close()));
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  it('keeps WAN and source address through 50 reconciles: wan down/up, carrier loss, weight changes', async () => {
    const l = lab!;
    const m = mwan!;
    const ids = layoutOf(m).wans;
    const all = [1, 2, 3].map((i) => ids.get(`isp${i}`)!.id).sort((a, b) => a - b);
    assert.deepEqual(await balancedIds(l), all, 'before: all three WANs take new connections');

    // The connection under test, plus five more so that some sit on each WAN's share of the multipath hash.
    for (let k = 0; k < 6; k++) {
      const conn = await openLongLived(l, l.ns.client, { port: k % 2 ? 8080 : 80 });
      const isp = l.ispForPublicAddress(conn.seenAs);
      tracked.push({ conn, isp: isp ?? 0, probes: 0 });
      assert.ok(isp !== undefined, `the server saw ${conn.seenAs}, no ISP's address`);
    }
    const main = tracked[0];
    const other = (main.isp % 3) + 1; // a WAN that is not the main connection's
    const otherId = ids.get(`isp${other}`)!.id;
    const without = all.filter((id) => id !== otherId);
    console.log(`      connections by WAN: ${tracked.map((t) => `isp${t.isp}`).join(' ')}; toggling isp${other}`);
    /**
     * Checks every connection not on the toggled WAN: same source as at open, echo intact. (Connections on the toggled
     * WAN are not checked once it has been out of service: mwan deletes a dead WAN's conntrack entries on purpose.)
     */
    const checkAll = async (what: string, includeOther = false): Promise<void> => {
      for (const t of tracked.filter((x) => includeOther || x.isp !== other)) {
        const reply = await t.conn.check();
        assert.equal(
          reply,
          `${t.conn.seenAs} probe-${++t.probes}`,
          `${what}: the server saw a connection from isp${t.isp} as ${reply}`,
        );
      }
    };
    await checkAll('at start', true);

    const t0 = performance.now();
    let n = 0;
    let tAdmin = 0;
    // 1-8: `wan down|up` through the daemon (it answers after the reconcile); 9-44: carrier loss heard over netlink.
    while (n < 44) {
      n++;
      const down = n % 2 === 1;
      if (n === 9) tAdmin = performance.now();
      if (n <= 8) await ctlOk(m, ['wan', down ? 'down' : 'up', `isp${other}`]);
      else if (down) await l.cutCarrier(other);
      else await l.restoreCarrier(other);
      const want = down ? without : all;
      await waitFor(
        async () => JSON.stringify(await balancedIds(l)) === JSON.stringify(want),
        20000,
        `reconcile ${n}: the balance chain to use ids ${want.join(',')}`,
      );
      await checkAll(`after reconcile ${n}`);
    }
    const t1 = performance.now();

    // 45-50: the daemon stops on SIGTERM (kernel state stays), then one-shot applies of rewritten weights, which
    // move both the numgen ranges and the multipath route's hash boundaries every time.
    const exit = await m.daemon!.kill();
    assert.equal(exit.exitCode, 0, `daemon exit ${JSON.stringify(exit)}: ${m.daemon!.stderr()}`);
    await checkAll('after the daemon stopped');
    const rotations = [
      [5, 1, 1],
      [1, 5, 1],
      [1, 1, 5],
    ];
    while (n < 50) {
      n++;
      const w = rotations[n % 3];
      m.writeConfig(labConfig(l, m.dir, { wans: { 1: { weight: w[0] }, 2: { weight: w[1] }, 3: { weight: w[2] } } }));
      const printed = await ctlOk(m, ['apply', '--print']);
      assert.notEqual(printed, NOTHING_TO_DO, `reconcile ${n} changed nothing`);
      assert.match(printed, /numgen inc mod 7 /);
      await checkAll(`after reconcile ${n} (weights ${w.join(':')})`);
    }
    const t2 = performance.now();
    const ms = (a: number, b: number): string => `${Math.round(b - a)} ms`;
    console.log(
      `      50 reconciles: 8 wan down/up in ${ms(t0, tAdmin)}, 36 carrier changes in ${ms(tAdmin, t1)}, 6 one-shot weight changes in ${ms(t1, t2)}; ` +
        `${tracked.reduce((a, t) => a + t.probes, 0)} echo checks, no connection moved or broke`,
    );

    // every WAN is in service again and new connections spread (the lab is not degenerate)
    const r = await burst(l, l.ns.client, { count: 60, concurrency: 10 });
    assert.equal(r.ok, 60, JSON.stringify(r));
    assert.ok(
      [1, 2, 3].every((i) => r.byIsp[i] > 0),
      `new connections should use every WAN: ${JSON.stringify(r.byIsp)}`,
    );
    await checkAll('after a burst of new connections');
  });
});
