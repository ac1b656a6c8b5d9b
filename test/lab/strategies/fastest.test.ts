// Fastest response in the lab: isps that drop each connection's first SYN answer a second late; mwan learns from conntrack which WAN answers first per destination network.
import assert from 'node:assert/strict';
import type { Lab } from '../../kit/lab/topology.ts';
import { burst } from '../../kit/lab/traffic.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';
import { ispById, startStrategyLab, type StrategyLab } from '../../kit/lab/strategies.ts';
import { sleep, waitFor } from '../../kit/time.ts';

/** Makes an ISP slow to answer new TCP connections: it drops the first SYN of each (the client retransmits after 1 s). */
async function slowHandshakes(lab: Lab, isp: number, on: boolean): Promise<void> {
  await lab.exec(lab.ns.isp(isp), ['nft', 'delete', 'table', 'ip', 'slowsyn'], { reject: false });
  if (!on) return;
  await lab.exec(lab.ns.isp(isp), ['nft', '-f', '-'], {
    input: `table ip slowsyn {
  set seen { type ipv4_addr . inet_service; flags dynamic, timeout; timeout 30s; }
  chain firstsyn {
    type filter hook forward priority -5; policy accept;
    iifname "down0" tcp flags & (syn | ack) == syn ip saddr . tcp sport @seen accept
    iifname "down0" tcp flags & (syn | ack) == syn add @seen { ip saddr . tcp sport } drop
  }
}
`,
  });
}

const TIMEOUT_S = 10;

describe('mwan lab: fastest response', function () {
  this.timeout(60000);
  let s: StrategyLab | undefined;

  before(async function () {
    await skipWithoutLab(this, 'strategies-fastest');
    s = await startStrategyLab({
      policies: {
        quick: {
          strategy: 'fastest-response',
          intervalMs: 500,
          fastest: { prefixLength: 24, timeoutSeconds: TIMEOUT_S },
        },
      },
      defaultPolicy: 'quick',
    });
  });
  after(async () => {
    await s?.stop();
  });

  /** The learned entries of the map: destination network → ISP. */
  const learned = async (): Promise<Record<string, number>> => {
    const { lab, mwan } = s!;
    const text = (await lab.exec(lab.ns.router, ['nft', 'list', 'map', 'inet', 'mwan', 'fastest_quick'])).stdout;
    const byMark = new Map([...ispById(mwan)].map(([id, isp]) => [id * 256, isp]));
    return Object.fromEntries(
      [...text.matchAll(/(\d+\.\d+\.\d+\.\d+)[^:,]*: 0x([0-9a-f]+)/g)].map((m) => [
        m[1],
        byMark.get(parseInt(m[2], 16))!,
      ]),
    );
  };

  it('learns per destination network which WAN answers first, prefers it, and relearns after the timeout', async () => {
    const { lab } = s!;
    await Promise.all([slowHandshakes(lab, 1, true), slowHandshakes(lab, 3, true)]);
    // Exploration: the policy's weighted choice spreads the first connections (24, so that every WAN gets some), conntrack times each handshake.
    const explore = await burst(lab, lab.ns.client, { count: 24, concurrency: 24, timeoutMs: 3000 });
    console.log(
      `      exploring: ${JSON.stringify(explore.byIsp.slice(1))} in ${explore.ms} ms (isp1 and isp3 answer a SYN after ~1 s)`,
    );
    const ms = await waitFor(
      async () => (await learned())['203.0.113.0'] === 2,
      20000,
      '203.0.113.0/24 learned via isp2',
    );
    const after = await burst(lab, lab.ns.client, { count: 30, concurrency: 10 });
    const other = await burst(lab, lab.ns.client, { count: 30, concurrency: 10, to: lab.addr.server2 });
    console.log(
      `      learned ${JSON.stringify(await learned())} ${Math.round(ms)} ms after exploring; then 30 connections ${JSON.stringify(after.byIsp.slice(1))} in ${after.ms} ms, to 203.0.113.11 (same /24) ${JSON.stringify(other.byIsp.slice(1))}`,
    );
    assert.deepEqual(after.byIsp.slice(1), [0, 30, 0]);
    assert.deepEqual(other.byIsp.slice(1), [0, 30, 0]);

    // Now isp2 is the slow one and isp1 the fast one: once the entry times out, exploration finds isp1.
    await Promise.all([slowHandshakes(lab, 2, true), slowHandshakes(lab, 1, false)]);
    await sleep(TIMEOUT_S * 1000 + 500);
    assert.equal((await learned())['203.0.113.0'], undefined, 'the learned entry expired');
    await burst(lab, lab.ns.client, { count: 24, concurrency: 24, timeoutMs: 3000 });
    const ms2 = await waitFor(
      async () => (await learned())['203.0.113.0'] === 1,
      20000,
      '203.0.113.0/24 relearned via isp1',
    );
    const again = await burst(lab, lab.ns.client, { count: 30, concurrency: 10 });
    console.log(
      `      after the timeout, with isp1 fast: relearned ${JSON.stringify(await learned())} in ${Math.round(ms2)} ms; 30 connections ${JSON.stringify(again.byIsp.slice(1))}`,
    );
    assert.deepEqual(again.byIsp.slice(1), [30, 0, 0]);
  });
});
