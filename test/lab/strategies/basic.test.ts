// Round robin and persistence in the lab: `numgen inc` alternates WANs; a source keeps its WAN across 100 connections, a restart and an apply, and moves after the timeout.
import assert from 'node:assert/strict';
import { burst } from '../../kit/lab/traffic.ts';
import { labConfig } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { chainText, startStrategyLab, type StrategyLab } from '../../kit/lab/strategies.ts';
import { sleep } from '../../kit/time.ts';

// Long enough for a daemon restart and an apply on a loaded machine (the entry must outlive both).
const TIMEOUT_S = 15;
const POLICIES = {
  policies: {
    rr: { strategy: 'round-robin' },
    sticky: { strategy: 'persistence', persistence: { key: 'src', timeoutSeconds: TIMEOUT_S } },
  },
  rules: [{ dport: 8080, policy: 'rr' }],
  defaultPolicy: 'sticky',
};

describe('mwan lab: round robin and persistence', function () {
  this.timeout(60000);
  let s: StrategyLab | undefined;

  before(async function () {
    await skipWithoutLab(this, 'strategies-basic');
    s = await startStrategyLab(POLICIES);
    await s.lab.exec(s.lab.ns.client, ['ip', 'addr', 'add', '10.77.0.3/24', 'dev', 'eth0']);
  });
  after(async () => {
    await s?.stop();
  });

  it('round robin: 30 sequential connections alternate over the three WANs, 10 each', async () => {
    const { lab } = s!;
    const r = await burst(lab, lab.ns.client, { count: 30, concurrency: 1, port: 8080 });
    console.log(`      order: ${r.ispOrder.join('')}`);
    assert.equal(r.ok, 30, JSON.stringify(r));
    assert.deepEqual(r.byIsp.slice(1), [10, 10, 10]);
    for (let k = 1; k < r.ispOrder.length; k++)
      assert.notEqual(
        r.ispOrder[k],
        r.ispOrder[k - 1],
        `connections ${k - 1} and ${k} used the same WAN: ${r.ispOrder.join('')}`,
      );
    for (let k = 3; k < r.ispOrder.length; k++)
      assert.equal(r.ispOrder[k], r.ispOrder[k - 3], `the cycle repeats: ${r.ispOrder.join('')}`);
  });

  it('persistence: one WAN per source across 100 connections, a daemon restart and an apply; another after the timeout', async () => {
    const { lab, mwan } = s!;
    const a = await burst(lab, lab.ns.client, { count: 100, concurrency: 5 });
    const b = await burst(lab, lab.ns.client, { count: 20, concurrency: 5, bind: '10.77.0.3' });
    const wanA = a.byIsp.findIndex((n) => n > 0);
    const wanB = b.byIsp.findIndex((n) => n > 0);
    console.log(
      `      10.77.0.2: ${JSON.stringify(a.byIsp.slice(1))} in ${a.ms} ms; 10.77.0.3: ${JSON.stringify(b.byIsp.slice(1))}`,
    );
    assert.equal(a.ok, 100, JSON.stringify(a));
    assert.equal(a.byIsp[wanA], 100, `10.77.0.2 used more than one WAN: ${JSON.stringify(a.byIsp)}`);
    assert.equal(b.byIsp[wanB], 20, `10.77.0.3 used more than one WAN: ${JSON.stringify(b.byIsp)}`);
    assert.notEqual(wanA, wanB, 'the second source was assigned the next WAN in round-robin order');
    assert.match(await chainText(lab, 'balance'), /ip saddr @persist_sticky_src_\d+ goto keep_persist_sticky_src_\d+/);

    // The map is filled at run time: a daemon restart and an apply that rewrites the table keep it.
    const t0 = Date.now();
    await mwan.daemon!.kill();
    await mwan.startDaemon();
    const cfg = labConfig(lab, mwan.dir, { wans: { 3: { weight: 2 } }, extra: POLICIES });
    mwan.writeConfig(cfg);
    await ctlOk(mwan, ['apply']);
    const again = await burst(lab, lab.ns.client, { count: 20, concurrency: 5 });
    console.log(
      `      after a daemon restart and an apply (${Date.now() - t0} ms): ${JSON.stringify(again.byIsp.slice(1))}`,
    );
    assert.equal(again.byIsp[wanA], 20, `moved after restart/apply: ${JSON.stringify(again.byIsp)}`);

    await sleep(TIMEOUT_S * 1000 + 1500);
    // One set of sources per WAN (persist_sticky_src_<id>): list them all.
    const listed = JSON.parse((await lab.exec(lab.ns.router, ['nft', '-j', 'list', 'sets', 'inet'])).stdout) as {
      nftables: { set?: { name: string; elem?: unknown[] } }[];
    };
    const map = JSON.stringify(
      listed.nftables.flatMap((x) => (x.set?.name.startsWith('persist_sticky_src_') ? [x.set] : [])),
    );
    assert.ok(!map.includes('"10.77.0.2"'), `the entry did not expire:\n${map}`);
    const later = await burst(lab, lab.ns.client, { count: 20, concurrency: 5 });
    const wanLater = later.byIsp.findIndex((n) => n > 0);
    console.log(`      after ${TIMEOUT_S + 1.5} s idle: ${JSON.stringify(later.byIsp.slice(1))}`);
    assert.equal(later.byIsp[wanLater], 20, `not persistent after the move: ${JSON.stringify(later.byIsp)}`);
    // The apply rewrote the choice (isp3 weighs 2 now: slot 0 of the new round-robin order is isp3), so a new
    // assignment cannot land on isp1 again by chance.
    assert.notEqual(wanLater, wanA, 'the entry expired and the source was assigned anew');
  });
});
