// Lab: NFQUEUE strategies in TypeScript decide real connections beside mwan's daemon: round robin alternates, least connections evens out, SIGKILL loses nothing.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { execaRunner } from '../../../core/system/process/runner.ts';
import { NFQ_DONE_BIT, applyNfqRules, removeNfqRules } from '../../../core/system/nfqueue/index.ts';
import type { Runner } from '../../../core/system/process/runner.ts';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { burst, nodeArgv, openLongLived, startServers, type LongLived } from '../../kit/lab/traffic.ts';
import { mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { layoutOf, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

const RUNNER = fileURLToPath(new URL('../../kit/lab/nfqueue-runner.ts', import.meta.url));
type Stats = { packets: number; decided: Record<string, number>; kernelChoice: number; strategyErrors: number };

describe('NFQUEUE strategies (lab)', function () {
  this.timeout(180000);
  let lab: Lab;
  let mwan: Mwan;
  let wansArg: string;
  const held: LongLived[] = [];

  before(async function () {
    await skipWithoutLab(this, 'NFQUEUE strategies');
    lab = await createLab({ wans: 3 });
    await startServers(lab);
    mwan = mwanFor(lab);
    await mwan.startDaemon();
    const layout = layoutOf(mwan);
    wansArg = [...layout.wans.entries()].map(([name, ids]) => `${name}=${ids.mark}`).join(',');
  });

  after(async () => {
    await Promise.all(held.map((h) => h.close()));
    if (lab) await removeNfqRules(inRouter).catch(() => undefined);
    await mwan?.cleanup();
    await lab?.teardown();
  });

  async function startRunner(strategy: string, extra: string[] = []): Promise<ManagedProcess> {
    const p = lab.spawn(
      lab.ns.router,
      nodeArgv(RUNNER, ['--strategy', strategy, '--wans', wansArg, '--iif', 'lan0', ...extra]),
    );
    await p.waitForLine(/^ready /, 20000);
    return p;
  }
  async function stats(p: ManagedProcess): Promise<Stats> {
    p.write('stats\n');
    return JSON.parse((await p.waitForLine(/^stats /, 5000)).slice('stats '.length)) as Stats;
  }
  const ispOf = (src: string) => lab.ispForPublicAddress(src);
  const inRouter: Runner = (argv, o) => execaRunner(['ip', 'netns', 'exec', lab.ns.router, ...argv], o);

  it('round robin decides 60 real connections: 20/20/20, in turn, one queued packet per connection', async () => {
    const runner = await startRunner('round-robin');
    try {
      const b = await burst(lab, lab.ns.client, { count: 60, concurrency: 1 });
      assert.equal(b.failed, 0);
      assert.deepEqual(b.byIsp.slice(1), [20, 20, 20]);
      for (let i = 1; i < b.ispOrder.length; i++)
        assert.notEqual(
          b.ispOrder[i],
          b.ispOrder[i - 1],
          `connection ${i} used the same ISP as the one before: ${b.ispOrder.join('')}`,
        );
      for (let i = 3; i < b.ispOrder.length; i++)
        assert.equal(b.ispOrder[i], b.ispOrder[i - 3], `not a cycle: ${b.ispOrder.join('')}`);
      const s = await stats(runner);
      assert.equal(s.packets, 60, 'only the first packet of each connection reaches user space');
      assert.deepEqual(Object.values(s.decided).sort(), [20, 20, 20]);
      // Applying again is a no-op (the runner applied them), and the router holds one jump into mwan's chain.
      assert.equal(
        await applyNfqRules(inRouter, {
          mask: layoutOf(mwan).mask,
          doneBit: NFQ_DONE_BIT,
          bindings: [{ queue: 0, match: ['-i', 'lan0'] }],
        }),
        false,
      );
      const again = await startRunner('round-robin').catch((e: Error) => e);
      assert.ok(
        again instanceof Error && /bind queue 0: EPERM/.test(again.message),
        `a second listener on the same queue is refused: ${String(again)}`,
      );
      const nat = (await lab.exec(lab.ns.router, ['iptables', '-t', 'nat', '-S', 'PREROUTING'])).stdout;
      assert.equal(nat.split('\n').filter((l) => l.includes('mwan-nfqueue')).length, 1);
    } finally {
      await runner.kill();
    }
  });

  it('least connections sends new connections to the least loaded WANs until the counts are even', async () => {
    const runner = await startRunner('least-connections');
    try {
      const open = async (n: number) => {
        const conns = await Promise.all(Array.from({ length: n }, () => openLongLived(lab, lab.ns.client)));
        held.push(...conns);
        return conns.map((c) => ispOf(c.seenAs));
      };
      runner.write('wans isp1\n');
      await runner.waitForLine(/^wans isp1$/, 5000);
      assert.deepEqual(await open(6), [1, 1, 1, 1, 1, 1], 'with only isp1 allowed every connection takes it');
      runner.write('wans isp1,isp2,isp3\n');
      await runner.waitForLine(/^wans /, 5000);
      // isp1 holds 6: the next 6 long-lived connections go 3 and 3 to isp2 and isp3.
      const next = await open(6);
      assert.deepEqual(
        [1, 2, 3].map((i) => next.filter((x) => x === i).length),
        [0, 3, 3],
        `got ${next.join(',')}`,
      );
      // Short connections close at once: they keep going to isp2 and isp3, never to the loaded isp1.
      const b = await burst(lab, lab.ns.client, { count: 20, concurrency: 1 });
      assert.equal(b.failed, 0);
      assert.equal(b.byIsp[1], 0, `short connections by ISP: ${b.byIsp.slice(1).join('/')}`);
      // Three more long-lived connections each for isp2 and isp3 even the load: 6/6/6, then one per WAN: 7/7/7.
      const even = await open(6);
      assert.deepEqual(
        [1, 2, 3].map((i) => even.filter((x) => x === i).length),
        [0, 3, 3],
        `got ${even.join(',')}`,
      );
      const last = await open(3);
      assert.deepEqual([...last].sort(), [1, 2, 3]);
      const byIsp = [1, 2, 3].map((i) => held.filter((h) => ispOf(h.seenAs) === i).length);
      assert.deepEqual(byIsp, [7, 7, 7]);
      for (const h of held) await h.check();
    } finally {
      await runner.kill();
      await Promise.all(held.splice(0).map((h) => h.close()));
    }
  });

  it('SIGKILL of the runner in the middle of a burst loses no connection; new connections keep flowing (queue bypass)', async () => {
    const runner = await startRunner('round-robin');
    const running = burst(lab, lab.ns.client, { count: 400, concurrency: 8, timeoutMs: 5000 });
    await waitFor(async () => (await stats(runner)).packets >= 100, 20000, 'the runner to decide 100 connections');
    const before = await stats(runner);
    process.kill(runner.pid!, 'SIGKILL');
    await runner.exited;
    const b = await running;
    assert.equal(b.failed, 0, `failed connections across the kill: ${b.failed}`);
    assert.ok(
      b.ok > before.packets + 50,
      `the burst went on after the kill (${b.ok} connections, ${before.packets} decided before it)`,
    );
    const after = await burst(lab, lab.ns.client, { count: 30, concurrency: 3 });
    assert.equal(after.failed, 0);
    assert.equal(after.other, 0);
    const nat = (await lab.exec(lab.ns.router, ['iptables', '-t', 'nat', '-S', 'MWAN_NFQ'])).stdout;
    assert.match(nat, /--queue-bypass/, 'the queue rule is still there: the bypass let traffic through');
  });

  it('a slow strategy (200 ms per decision, a queue of 2) does not hold traffic up: the full queue fails open', async () => {
    const runner = await startRunner('slow-round-robin', ['--delay-ms', '200', '--max-len', '2']);
    try {
      const hits = async () =>
        Number(
          (await lab.exec(lab.ns.router, ['iptables', '-t', 'nat', '-L', 'MWAN_NFQ', '-nvx'])).stdout
            .split('\n')
            .find((l) => l.includes('NFQUEUE'))!
            .trim()
            .split(/\s+/)[0],
        );
      const h0 = await hits();
      const b = await burst(lab, lab.ns.client, { count: 60, concurrency: 10, timeoutMs: 3000 });
      const s = await stats(runner);
      assert.equal(b.failed, 0);
      assert.ok(b.ms < (60 * 200) / 2, `60 connections took ${b.ms} ms: they did not wait for the strategy`);
      const queued = (await hits()) - h0;
      assert.ok(queued >= 60, `every connection met the queue rule (${queued})`);
      assert.ok(s.packets < 40, `most connections passed by fail-open, ${s.packets} reached the strategy`);
    } finally {
      await runner.kill();
    }
  });
});
