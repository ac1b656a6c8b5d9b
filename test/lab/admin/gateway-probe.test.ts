// `target: gateway` in the lab: each WAN pings the gateway its default route names; a gateway that stops answering takes only its WAN out.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { waitFor } from '../../kit/time.ts';
import { skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';

describe('mwan lab: probe target gateway', function () {
  this.timeout(180000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'admin gateway probe');
    lab = await createLab({ wans: 2 });
    // gateways discovered, not configured: each WAN's default route in a table of its own (as a DHCP client may leave it)
    for (const i of [1, 2])
      await lab.exec(lab.ns.router, [
        'ip',
        'route',
        'add',
        'default',
        'via',
        lab.addr.ispGateway(i),
        'dev',
        `wan${i}`,
        'table',
        `${200 + i}`,
      ]);
  });
  after(async () => {
    await mwan?.cleanup();
    await lab?.teardown();
  });

  it('probes the discovered gateway: online while it answers, offline when only it stops answering', async () => {
    const l = lab!;
    mwan = mwanFor(l, (dir) => {
      const cfg = labConfig(l, dir, { wans: { 1: { gateway: 'auto' }, 2: { gateway: 'auto' } } });
      for (const w of cfg.wans as Record<string, unknown>[]) w.probes = [{ target: 'gateway' }];
      return cfg;
    });
    await mwan.startDaemon();
    await waitFor(
      async () => (await statusOf(mwan!)).wans.every((w) => w.state === 'online' && w.rttMs !== null),
      30000,
      'both WANs online with an RTT',
    );
    const before = await statusOf(mwan);
    assert.deepEqual(
      before.wans.map((w) => w.gateway),
      [l.addr.ispGateway(1), l.addr.ispGateway(2)],
    );

    // isp1's router stops answering pings to itself; forwarding is untouched, so only a gateway probe can tell
    await l.exec(l.ns.isp(1), [
      'nft',
      'add',
      'rule',
      'ip',
      'lab',
      'input',
      'iifname',
      'down0',
      'icmp',
      'type',
      'echo-request',
      'drop',
    ]);
    await waitFor(async () => (await statusOf(mwan!)).wans[0].state === 'offline', 20000, 'isp1 offline');
    assert.equal((await statusOf(mwan)).wans[1].state, 'online');
    await l.restoreUpstream(1);
    await waitFor(async () => (await statusOf(mwan!)).wans[0].state === 'online', 30000, 'isp1 back online');
  });
});
