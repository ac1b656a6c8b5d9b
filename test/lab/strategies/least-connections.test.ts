// Least connections in the lab: 12 connections held on isp1; new long-lived connections go to isp2 and isp3 until the counts even out.
import assert from 'node:assert/strict';
import { skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { chainShares, holdConnections, startStrategyLab, tally, type StrategyLab } from '../../kit/lab/strategies.ts';
import type { ManagedProcess } from '../../kit/lab/topology.ts';
import { waitFor } from '../../kit/time.ts';

describe('mwan lab: least connections', function () {
  this.timeout(60000);
  let s: StrategyLab | undefined;
  const holders: ManagedProcess[] = [];

  before(async function () {
    await skipWithoutLab(this, 'strategies-least-connections');
    s = await startStrategyLab({
      policies: {
        fewest: { strategy: 'least-connections', intervalMs: 500 },
        pin1: { strategy: 'priority', members: [{ wan: 'isp1' }] },
      },
      rules: [{ name: 'pinned', proto: 'tcp', dport: 8080, policy: 'pin1' }],
      defaultPolicy: 'fewest',
    });
  });
  after(async () => {
    for (const h of holders) await h.kill();
    await s?.stop();
  });

  it('counts open connections per WAN from conntrack events and sends new ones where there are fewest', async () => {
    const { lab, mwan } = s!;
    const pinned = await holdConnections(lab, { port: 8080, count: 12, intervalMs: 20 });
    holders.push(pinned.proc);
    assert.deepEqual(tally(pinned.isps), [12, 0, 0]);
    // 12 open on isp1, none elsewhere: isp1 leaves the choice.
    await waitFor(
      async () => (await chainShares(lab, mwan, 'balance'))[1] === undefined,
      20000,
      'isp1 to leave the choice',
    );
    const policy = (await statusOf(mwan)).policies!.find((p) => p.name === 'fewest')!;
    console.log(
      `      12 held on isp1: shares ${JSON.stringify(await chainShares(lab, mwan, 'balance'))}; status: ${JSON.stringify(policy.weights)} (${policy.reason})`,
    );
    assert.equal(policy.weights!.isp1, 0);

    const t0 = Date.now();
    const fresh = await holdConnections(lab, { port: 80, count: 24, intervalMs: 150 });
    holders.push(fresh.proc);
    const [a, b, c] = tally(fresh.isps);
    const totals = [12 + a, b, c];
    console.log(
      `      24 new long-lived connections in ${Date.now() - t0} ms: ${JSON.stringify([a, b, c])} (order ${fresh.isps.join('')}); open per WAN now ${JSON.stringify(totals)}`,
    );
    assert.ok(a <= 2, `isp1 already had 12: it should get (almost) none of the new ones: ${JSON.stringify([a, b, c])}`);
    assert.ok(Math.abs(b - c) <= 4, `isp2 and isp3 share them evenly: ${JSON.stringify([a, b, c])}`);
    assert.ok(Math.max(...totals) - Math.min(...totals) <= 6, `counts even out: ${JSON.stringify(totals)}`);

    // Closing the pinned ones: isp1 becomes the emptiest and takes new connections again.
    await pinned.proc.kill();
    const backMs = await waitFor(
      async () => {
        const sh = await chainShares(lab, mwan, 'balance');
        return (sh[1] ?? 0) > Math.max(sh[2] ?? 0, sh[3] ?? 0);
      },
      20000,
      'isp1 to take the largest share',
    );
    console.log(
      `      ${Math.round(backMs)} ms after the 12 on isp1 closed: shares ${JSON.stringify(await chainShares(lab, mwan, 'balance'))}`,
    );
  });
});
