// Weighted balancing: 3:2:1 weights split a burst of new LAN connections 3:2:1, and `status --json` counts the same split.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { pct, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';

describe('mwan lab: weights 3:2:1', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  const weights = [0, 3, 2, 1];
  const total = 6;

  before(async function () {
    await skipWithoutLab(this, 'weights');
    lab = await createLab({ wans: 3 });
    const l = lab;
    mwan = mwanFor(l, (dir) => labConfig(l, dir, { wans: { 1: { weight: 3 }, 2: { weight: 2 }, 3: { weight: 1 } } }));
    await Promise.all([startServers(l), mwan.startDaemon()]);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  it('splits 1500 new connections by weight (±5 points) and status agrees with the server', async () => {
    const l = lab!;
    const count = 1500;
    const r = await burst(l, l.ns.client, { count, concurrency: 30 });
    assert.equal(r.ok, count, `not every connection succeeded: ${JSON.stringify(r)}`);
    assert.equal(r.other, 0, `connections from unknown sources: ${JSON.stringify(r.bySource)}`);

    const status = await statusOf(mwan!);
    const counted = status.wans.map((w) => w.newConnections);
    const countedTotal = counted.reduce((a, b) => a + b, 0);
    const lines: string[] = [];
    for (const i of [1, 2, 3]) {
      const seen = r.byIsp[i] / count;
      const w = status.wans.find((x) => x.name === `isp${i}`)!;
      lines.push(
        `isp${i}: weight ${weights[i]} want ${pct(weights[i] / total)} server saw ${pct(seen)} (${r.byIsp[i]}) status says ${w.share === null ? '-' : pct(w.share)} (${w.newConnections})`,
      );
    }
    console.log(`      ${count} connections in ${r.ms} ms\n      ${lines.join('\n      ')}`);

    assert.equal(countedTotal, count, `status counted ${countedTotal} new connections for ${count}`);
    for (const i of [1, 2, 3]) {
      const seen = r.byIsp[i] / count;
      const want = weights[i] / total;
      assert.ok(Math.abs(seen - want) <= 0.05, `isp${i}: server saw ${pct(seen)}, weight share is ${pct(want)}`);
      const w = status.wans.find((x) => x.name === `isp${i}`)!;
      assert.ok(w.share !== null, `isp${i}: status has no share`);
      assert.ok(
        Math.abs(w.share - seen) <= 0.02,
        `isp${i}: status share ${pct(w.share)} but the server saw ${pct(seen)}`,
      );
      // Each new LAN connection passes mwan's per-WAN counter exactly once, on the WAN it really leaves by.
      assert.equal(
        w.newConnections,
        r.byIsp[i],
        `isp${i}: status counted ${w.newConnections} new connections, the server saw ${r.byIsp[i]}`,
      );
    }
  });
});
