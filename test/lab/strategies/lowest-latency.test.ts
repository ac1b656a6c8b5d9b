// Lowest latency in the lab: HTTP probes through each WAN to a responder that delays each ISP; new connections follow the fastest WAN and do not flap.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess } from '../../kit/lab/topology.ts';
import { burst, nodeArgv } from '../../kit/lab/traffic.ts';
import { skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { chainShares, startStrategyLab, type StrategyLab } from '../../kit/lab/strategies.ts';
import { sleep, waitFor } from '../../kit/time.ts';

const SLOW = fileURLToPath(new URL('../../kit/lab/servers/slow-http-server.ts', import.meta.url));
const PROBES = [{ method: 'http', target: '203.0.113.10', port: 8081, path: '/' }];

describe('mwan lab: lowest latency', function () {
  this.timeout(60000);
  let s: StrategyLab | undefined;
  let slow: ManagedProcess | undefined;
  const pub = (i: number) => s!.lab.addr.ispPublic(i);
  const delays = async (d: Record<number, number>) => {
    slow!.write(
      `delay ${Object.entries(d)
        .map(([i, ms]) => `${pub(Number(i))}=${ms}`)
        .join(',')}\n`,
    );
    await slow!.waitForLine(/^delays /, 5000);
  };
  const chosen = async () => JSON.stringify(await chainShares(s!.lab, s!.mwan, 'balance'));
  const rtts = async () =>
    (await statusOf(s!.mwan)).wans
      .map((w) => `${w.name} ${w.rttMs === null ? '-' : Math.round(w.rttMs)} ms`)
      .join(', ');

  before(async function () {
    await skipWithoutLab(this, 'strategies-lowest-latency');
    s = await startStrategyLab(
      {
        policies: {
          fast: { strategy: 'lowest-latency', latency: { hysteresisMs: 10, hysteresisPct: 20, holdSeconds: 2 } },
        },
        defaultPolicy: 'fast',
        health: { intervalMs: 300, timeoutMs: 1500, windowRounds: 5, latencyHighMs: 5000, latencyLowMs: 4000 },
      },
      { wans: { 1: { probes: PROBES }, 2: { probes: PROBES }, 3: { probes: PROBES } } as never },
    );
    slow = s.lab.spawn(
      s.lab.ns.inet,
      nodeArgv(SLOW, [
        '--bind',
        s.lab.addr.server,
        '--port',
        '8081',
        '--delay',
        `${pub(1)}=150,${pub(2)}=40,${pub(3)}=100`,
      ]),
    );
    await slow.waitForLine('ready', 15000);
  });
  after(async () => {
    await slow?.kill();
    await s?.stop();
  });

  it('sends new connections to the WAN with the lowest probe RTT, and follows a change', async () => {
    const { lab } = s!;
    await waitFor(async () => (await chosen()) === '{"2":1}', 20000, 'isp2 (40 ms) to be chosen');
    const a = await burst(lab, lab.ns.client, { count: 20, concurrency: 5 });
    console.log(`      RTT ${await rtts()}: new connections ${JSON.stringify(a.byIsp.slice(1))}`);
    assert.deepEqual(a.byIsp.slice(1), [0, 20, 0]);

    await delays({ 2: 300, 3: 40 });
    const ms = await waitFor(async () => (await chosen()) === '{"3":1}', 20000, 'isp3 (now 40 ms) to be chosen');
    const b = await burst(lab, lab.ns.client, { count: 20, concurrency: 5 });
    console.log(
      `      isp2 slowed to 300 ms, isp3 sped up to 40 ms: switched after ${Math.round(ms)} ms (5-round window, 2 s hold); RTT ${await rtts()}: ${JSON.stringify(b.byIsp.slice(1))}`,
    );
    assert.deepEqual(b.byIsp.slice(1), [0, 0, 20]);
  });

  it('does not flap between two WANs whose RTTs are within the hysteresis', async () => {
    let changes = 0;
    let last = await chosen();
    assert.equal(last, '{"3":1}');
    const t0 = Date.now();
    for (let k = 0; Date.now() - t0 < 8000; k++) {
      // isp1 alternates between 5 ms faster and 8 ms slower than isp3 (40 ms) every second.
      if (k % 4 === 0) await delays({ 1: k % 8 === 0 ? 35 : 48 });
      await sleep(250);
      const now = await chosen();
      if (now !== last) {
        changes++;
        last = now;
      }
    }
    console.log(
      `      8 s with isp1 alternating 35/48 ms against isp3 at 40 ms: ${changes} changes of the choice; RTT ${await rtts()}`,
    );
    assert.equal(changes, 0);
  });
});
