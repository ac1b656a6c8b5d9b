// Exact weights: 3:2:1 splits 600 real LAN connections exactly (±1 per WAN); after a carrier loss, and again after it returns, the next 600 split exactly over the WANs in service.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import {
  NOTHING_TO_DO,
  balanceChain,
  balancedIds,
  ctlOk,
  layoutOf,
  skipWithoutLab,
  statusOf,
} from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

const COUNT = 600;
const WEIGHTS: Record<number, number> = { 1: 3, 2: 2, 3: 1 };

describe('mwan lab: exact weights 3:2:1', function () {
  this.timeout(240000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'weights');
    lab = await createLab({ wans: 3 });
    const l = lab;
    const wans = Object.fromEntries(Object.entries(WEIGHTS).map(([i, weight]) => [i, { weight }]));
    mwan = mwanFor(l, (dir) => labConfig(l, dir, { wans }));
    await Promise.all([startServers(l), mwan.startDaemon()]);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  /** The handle of the balance chain's rule: a replaced rule (new handle) has a new numgen counter. */
  const ruleHandle = async (): Promise<string> => {
    const r = await lab!.exec(lab!.ns.router, ['nft', '-a', 'list', 'chain', 'inet', 'mwan', 'balance']);
    return /numgen .* # handle (\d+)/.exec(r.stdout)?.[1] ?? `no numgen rule in ${r.stdout}`;
  };

  /** Waits until the balance chain uses exactly the WANs `isps` and the daemon has nothing left to apply. */
  async function settleOn(isps: number[]): Promise<void> {
    const ids = layoutOf(mwan!).wans;
    const want = isps.map((i) => ids.get(`isp${i}`)!.id).sort((a, b) => a - b);
    const same = async () => JSON.stringify([...new Set(await balancedIds(lab!))]) === JSON.stringify(want);
    await waitFor(same, 30000, `the balance chain to use isp${isps.join(', isp')}`);
    await waitFor(async () => (await ctlOk(mwan!, ['plan'])) === NOTHING_TO_DO, 30000, 'the daemon to settle');
  }

  /** Opens COUNT connections from the LAN client and checks the split over `isps` is exact to ±1 connection each. */
  async function exactSplit(isps: number[], what: string): Promise<number[]> {
    const l = lab!;
    await settleOn(isps);
    const handle = await ruleHandle();
    const r = await burst(l, l.ns.client, { count: COUNT, concurrency: 30, timeoutMs: 5000 });
    assert.equal(r.ok, COUNT, `${what}: not every connection succeeded: ${JSON.stringify(r)}`);
    assert.equal(r.other, 0, `${what}: connections from unknown sources: ${JSON.stringify(r.bySource)}`);
    assert.equal(await ruleHandle(), handle, `${what}: the balance rule was replaced during the burst`);
    const total = isps.reduce((a, i) => a + WEIGHTS[i], 0);
    const want = (i: number) => (isps.includes(i) ? (COUNT * WEIGHTS[i]) / total : 0);
    console.log(
      `      ${what}: ${[1, 2, 3].map((i) => `isp${i} ${r.byIsp[i]} (want ${want(i)})`).join(', ')} in ${r.ms} ms`,
    );
    for (const i of [1, 2, 3])
      assert.ok(
        Math.abs(r.byIsp[i] - want(i)) <= 1,
        `${what}: isp${i} got ${r.byIsp[i]} of ${COUNT} connections, its weight's share is ${want(i)}`,
      );
    return r.byIsp;
  }

  it('splits 600 new LAN connections exactly 300 / 200 / 100 (±1), and status counts the same', async () => {
    const before = (await statusOf(mwan!)).wans.map((w) => w.newConnections);
    const seen = await exactSplit([1, 2, 3], 'all three');
    assert.match(await balanceChain(lab!), /numgen inc mod 6 /);
    const status = await statusOf(mwan!);
    for (const [k, w] of status.wans.entries()) {
      const i = Number(w.name.replace('isp', ''));
      assert.equal(
        w.newConnections - before[k],
        seen[i],
        `${w.name}: status counted another number than the server saw`,
      );
    }
  });

  it('isp2 without carrier: the next 600 split exactly 3:1 over isp1 and isp3', async () => {
    await lab!.cutCarrier(2);
    await exactSplit([1, 3], 'isp2 out');
  });

  it('isp2 back: the next 600 split exactly 3:2:1 again', async () => {
    await lab!.restoreCarrier(2);
    await exactSplit([1, 2, 3], 'isp2 back');
  });
});
