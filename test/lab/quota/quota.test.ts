// Data quotas with real packets: a 2 MB quota on the preferred WAN, bounded uploads through it: warnings, then standby
// and new connections elsewhere; the kernel counters match the bytes sent; a daemon restart keeps the use.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServers } from '../../kit/lab/traffic.ts';
import { startBulk, startSink } from '../../kit/lab/strategies.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, layoutOf, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';
import type { ManagedProcess } from '../../kit/lab/processes.ts';

const SINK_PORT = 9100;
const QUOTA = 2_000_000;

describe('mwan lab: data quotas', function () {
  this.timeout(300000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let sink: ManagedProcess | undefined;

  before(async function () {
    await skipWithoutLab(this, 'quota');
    lab = await createLab({ wans: 2 });
    await startServers(lab);
    sink = await startSink(lab, SINK_PORT);
  });
  after(async () => {
    await sink?.kill();
    await mwan?.cleanup();
    await lab?.teardown();
  });

  const counters = async (l: Lab) => {
    const r = await l.exec(l.ns.router, ['nft', '-j', 'list', 'counters', 'table', 'inet', 'mwan']);
    const items = (JSON.parse(r.stdout) as { nftables: { counter?: { name: string; bytes: number } }[] }).nftables;
    return Object.fromEntries(items.flatMap((i) => (i.counter ? [[i.counter.name, i.counter.bytes]] : [])));
  };
  const history = async (m: Mwan, wan: string) =>
    (await ctlOk(m, ['history', '--wan', wan, '--json']))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; wan?: string; reason: string });

  it('warns at each threshold, then puts the WAN on standby: new connections go elsewhere; counters match; a restart keeps the use', async () => {
    const l = lab!;
    mwan = mwanFor(l);
    const cfg = labConfig(l, mwan.dir, { mode: 'failover', wans: { 1: { tier: 1 }, 2: { tier: 2 } } });
    (cfg.wans as Record<string, unknown>[])[0].quota = { bytes: '2MB', warnAt: [40, 80], action: 'standby' };
    mwan.writeConfig(cfg);
    await mwan.startDaemon();
    const before = await burst(l, l.ns.client, { count: 6 });
    assert.equal(before.byIsp[1], 6, `failover: isp1 first (${JSON.stringify(before.byIsp)})`);
    await waitFor(async () => (await statusOf(mwan!)).wans[0].quota !== null, 20000, 'the first quota reading');
    const start = await counters(l);

    // 1.0 MB up through isp1: 50 % with the headers and the bursts, past the 40 % warning
    const first = await startBulk(l, SINK_PORT, 1_000_000, 30);
    assert.equal(first.isp, 1);
    const sent1 = (await first.done).sent;
    await waitFor(async () => ((await statusOf(mwan!)).wans[0].quota?.percent ?? 0) >= 40, 20000, 'isp1 past 40 %');
    const now = await counters(l);
    const name = `tx_wan${layoutOf(mwan).wans.get('isp1')!.id}`;
    const tx = now[name] - start[name];
    assert.ok(tx >= sent1 && tx <= sent1 * 1.08, `${name} counted ${tx} bytes for ${sent1} sent`);
    const status1 = await statusOf(mwan);
    assert.equal(status1.wans[0].inService, true);
    assert.equal(status1.wans[0].quota?.state, 'warned');

    // 1.2 MB more: past 80 %, then 100 %: isp1 on standby, new connections go to isp2
    const second = await startBulk(l, SINK_PORT, 1_200_000, 30);
    assert.equal(second.isp, 1);
    await second.done;
    await waitFor(async () => (await statusOf(mwan!)).wans[0].quota?.state === 'exhausted', 20000, 'isp1 used up');
    const used = await statusOf(mwan);
    assert.equal(used.wans[0].inService, false, 'standby while isp2 is in service');
    assert.ok(used.wans[0].quota!.usedBytes >= QUOTA);
    const after = await burst(l, l.ns.client, { count: 6 });
    assert.equal(after.byIsp[2], 6, `new connections on isp2 (${JSON.stringify(after.byIsp)})`);
    const text = await ctlOk(mwan, ['status']);
    assert.match(text, /isp1: 2\.\d MB of 2\.0 MB \(1\d\d\.\d %\), used up/, text);

    const events = await history(mwan, 'isp1');
    const quotaReasons = events.filter((e) => e.event === 'wan.quota').map((e) => e.reason);
    assert.deepEqual(
      quotaReasons.map((r) => r.split(':')[0]),
      ['40 % of the data quota used', '80 % of the data quota used', 'data quota used up'],
      JSON.stringify(events),
    );

    // restart: SIGTERM leaves the table (and its counters); the use is saved at stop and read back
    const exit = await mwan.daemon!.kill(20000);
    assert.equal(exit.exitCode, 0, `the daemon stopped cleanly (${JSON.stringify(exit)})`);
    const file = path.join(mwan.dir, 'state', 'quota.json');
    assert.ok(existsSync(file));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await mwan.startDaemon();
    const restarted = await statusOf(mwan);
    assert.equal(restarted.wans[0].inService, false, 'still on standby after the restart');
    await waitFor(
      async () => ((await statusOf(mwan!)).wans[0].quota?.usedBytes ?? 0) >= used.wans[0].quota!.usedBytes,
      20000,
      'the use carried over the restart',
    );
    const again = await burst(l, l.ns.client, { count: 4 });
    assert.equal(again.byIsp[2], 4, `still isp2 after the restart (${JSON.stringify(again.byIsp)})`);
    // the reconciles since (standby, the restart's adoption) kept the counters: none went back
    const end = await counters(l);
    for (const [counter, bytes] of Object.entries(now)) assert.ok(end[counter] >= bytes, `${counter} went back`);
  });
});
