// Carrier back → the WAN's IPv6 gateway is solicited at once: mwan drops the unresolved neighbour entry that traffic
// sent while the carrier was down left behind (the kernel would hold the first packets until its next retransmit).
import assert from 'node:assert/strict';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { waitFor } from '../../kit/time.ts';

describe('mwan lab: IPv6 gateway neighbour after the carrier returns', function () {
  this.timeout(180000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'ipv6 carrier-neighbours');
    lab = await createLab({ wans: 2, ipv6: true });
  });
  after(async () => {
    await mwan?.cleanup();
    await lab?.teardown();
  });

  it("drops the gateway's unresolved entry when wan1's carrier returns, and the next packet resolves it at once", async () => {
    const l = lab!;
    const gateway = l.addr6.ispGateway(1);
    const entry = async () =>
      (await l.exec(l.ns.router, ['ip', '-6', 'neigh', 'show', 'to', gateway, 'dev', 'wan1'])).stdout.trim();
    // IPv4 probes only: nothing of mwan's own sends to the IPv6 gateway, so only the refresh can clear its entry.
    mwan = mwanFor(l, (dir) => {
      const cfg = labConfig(l, dir, {
        extra: { ipv6: { mode: 'npt', lan: [{ device: 'lan0', prefix: l.addr6.lanPrefix }] } },
      });
      for (const [k, w] of (cfg.wans as Record<string, unknown>[]).entries()) {
        const i = k + 1;
        w.probes = [{ method: 'icmp', target: l.addr.server }];
        w.ipv6 = {
          address: `${l.addr6.routerWan(i)}/64`,
          gateway: l.addr6.ispGateway(i),
          prefix: l.addr6.delegated(i),
        };
      }
      return cfg;
    });
    await mwan.startDaemon();
    await waitFor(async () => (await statusOf(mwan!)).wans[0].inService, 30000, 'isp1 in service');

    // The kernel solicits an unresolved entry again every retrans_time (1 s by default): 30 s here, so that an entry
    // left INCOMPLETE from the outage is unmistakable (it would hold the first packets that long).
    await l.exec(l.ns.router, ['sysctl', '-qw', 'net.ipv6.neigh.wan1.retrans_time_ms=30000']);
    await l.cutCarrier(1);
    // A packet for the gateway while the link is down: its entry goes INCOMPLETE (next solicitation in 30 s).
    await l.exec(l.ns.router, ['ping', '-6', '-c1', '-W1', '-I', 'wan1', gateway], { reject: false });
    assert.match(await entry(), /INCOMPLETE/);
    await l.restoreCarrier(1);
    const back = Date.now();
    await waitFor(async () => (await statusOf(mwan!)).wans[0].state !== 'link-down', 10000, 'isp1 link back');
    // Left alone, the entry stays INCOMPLETE until the next solicitation; mwan removes it when the carrier returns.
    await waitFor(async () => !/FAILED|INCOMPLETE/.test(await entry()), 10000, 'the unresolved entry gone').catch(
      async (e: Error) => {
        throw new Error(`${e.message}: ${await entry()}`);
      },
    );
    const ping = await l.exec(l.ns.router, ['ping', '-6', '-c1', '-W2', '-I', 'wan1', gateway], { reject: false });
    assert.equal(ping.exitCode, 0, ping.stdout + ping.stderr);
    assert.match(await entry(), /REACHABLE|STALE|DELAY/);
    assert.ok(Date.now() - back < 25000, 'checked before the kernel would have solicited again by itself');
  });
});
