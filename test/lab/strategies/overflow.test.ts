// Overflow in the lab: isp1 shaped to 2 Mbit/s fills with a bulk upload; new connections spill to isp2 and come back when it drains.
import assert from 'node:assert/strict';
import { burst } from '../../kit/lab/traffic.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';
import {
  chainShares,
  shapeUpload,
  startBulk,
  startSink,
  startStrategyLab,
  txMbps,
  type StrategyLab,
} from '../../kit/lab/strategies.ts';
import { waitFor } from '../../kit/time.ts';

describe('mwan lab: overflow', function () {
  this.timeout(60000);
  let s: StrategyLab | undefined;

  before(async function () {
    await skipWithoutLab(this, 'strategies-overflow');
    s = await startStrategyLab({
      policies: {
        fill: {
          strategy: 'overflow',
          overflow: { thresholdPct: 80 },
          members: [
            { wan: 'isp1', capacityMbps: 2 },
            { wan: 'isp2', capacityMbps: 100 },
            { wan: 'isp3', capacityMbps: 100 },
          ],
        },
      },
      defaultPolicy: 'fill',
    });
    await Promise.all([shapeUpload(s.lab, 1, 2), startSink(s.lab, 9000)]);
  });
  after(async () => {
    await s?.stop();
  });

  it('fills isp1 first, spills new connections to isp2 while a bulk upload fills it, and returns when it drains', async () => {
    const { lab, mwan } = s!;
    const before = await burst(lab, lab.ns.client, { count: 20, concurrency: 5 });
    assert.deepEqual(before.byIsp.slice(1), [20, 0, 0], 'an idle isp1 takes every new connection');

    const bulk = await startBulk(lab, 9000, 1_500_000, 12);
    assert.equal(bulk.isp, 1, 'the bulk upload fills isp1');
    const spillMs = await waitFor(
      async () => JSON.stringify(await chainShares(lab, mwan, 'balance')) === '{"2":1}',
      20000,
      'the policy to spill to isp2',
    );
    const rate = await txMbps(lab, 'wan1', 500);
    const during = await burst(lab, lab.ns.client, { count: 20, concurrency: 5 });
    console.log(
      `      isp1 at ${rate.toFixed(2)} Mbit/s of 2: spilled ${Math.round(spillMs)} ms after the upload began; new connections ${JSON.stringify(during.byIsp.slice(1))}`,
    );
    assert.deepEqual(during.byIsp.slice(1), [0, 20, 0]);

    const done = await bulk.done;
    const backMs = await waitFor(
      async () => JSON.stringify(await chainShares(lab, mwan, 'balance')) === '{"1":1}',
      20000,
      'the policy to come back to isp1',
    );
    const after = await burst(lab, lab.ns.client, { count: 20, concurrency: 5 });
    console.log(
      `      upload of ${done.sent} bytes took ${done.ms} ms (${((done.sent * 8) / done.ms / 1000).toFixed(2)} Mbit/s); back to isp1 ${Math.round(backMs)} ms after it ended: ${JSON.stringify(after.byIsp.slice(1))}`,
    );
    assert.deepEqual(after.byIsp.slice(1), [20, 0, 0]);
  });
});
