// Tests the adaptive loop with fake measurements: it publishes each adaptive policy's weights, reads only what it needs, and stops cleanly.
import assert from 'node:assert/strict';
import { EventBus } from '../../core/bus.ts';
import { silentLogger } from '../../core/log.ts';
import type { ConntrackSubscriber } from '../../core/system/conntrack/feed.ts';
import type { PluginContext, WorldView } from '../../plugin-api/types.ts';
import type { AdaptiveWeights } from './weights.ts';
import { startAdaptive } from './adaptive.ts';
import { worldOf } from './testing.ts';
import { sleep } from '../../test/kit/time.ts';

function fakeContext(world: WorldView, bytes: () => Record<string, { rxBytes: number; txBytes: number }>) {
  const published: { policy: string; choice: AdaptiveWeights | null }[] = [];
  const subscribers = new Set<ConntrackSubscriber>();
  const reads: string[][] = [];
  const ctx = {
    name: 'policies',
    config: world.config,
    options: {},
    log: silentLogger(),
    bus: new EventBus(),
    world: () => world,
    requestReconcile: () => undefined,
    reportHealth: () => undefined,
    setRuntimeWeights: (policy: string, choice: AdaptiveWeights | null) => {
      published.push({ policy, choice });
    },
    system: {
      deleteConnections: async () => 0,
      startProbe: () => ({ stop: () => undefined }),
      runScript: async () => ({ exitCode: 0, signal: null, timedOut: false, ms: 0, stderr: '' }),
      linkBytes: async (devices: string[]) => {
        reads.push(devices);
        return bytes();
      },
      conntrack: {
        subscribe: (s: ConntrackSubscriber) => {
          subscribers.add(s);
          return () => {
            subscribers.delete(s);
          };
        },
        list: async () => [],
      },
    },
  } as unknown as PluginContext;
  return { ctx, published, subscribers, reads };
}

describe('adaptive loop', () => {
  it('least connections: counts from conntrack events become weights away from the busiest WAN', async () => {
    const world = worldOf({
      policies: { lc: { strategy: 'least-connections', intervalMs: 200 } },
      defaultPolicy: 'lc',
    });
    const f = fakeContext(world, () => ({}));
    const stop = startAdaptive(f.ctx);
    try {
      assert.equal(f.subscribers.size, 1);
      const isp1 = world.wans.find((w) => w.name === 'isp1')!;
      for (let id = 1; id <= 10; id++)
        for (const s of f.subscribers)
          s.event({
            type: 'NEW',
            id,
            mark: isp1.mark,
            proto: 'tcp',
            state: 'ESTABLISHED',
            src: '10.0.0.2',
            dst: '192.0.2.1',
            unreplied: false,
          });
      await sleep(450);
      const last = f.published.at(-1)!;
      assert.equal(last.policy, 'lc');
      assert.equal(last.choice!.weights.isp1, 0);
      assert.ok(last.choice!.weights.isp2 > 0 && last.choice!.weights.isp3 > 0, JSON.stringify(last));
      assert.deepEqual(f.reads, [], 'no interface counters read: least connections does not need them');
    } finally {
      stop();
    }
    assert.equal(f.subscribers.size, 0, 'unsubscribed on stop');
  });

  it('overflow: interface rates from byte counters; a full first member spills', async () => {
    const world = worldOf({
      policies: {
        o: {
          strategy: 'overflow',
          intervalMs: 200,
          members: [
            { wan: 'isp1', capacityMbps: 1 },
            { wan: 'isp2', capacityMbps: 1 },
          ],
        },
      },
      defaultPolicy: 'o',
    });
    let tx = 0;
    const f = fakeContext(world, () => {
      tx += 50_000;
      return { wan1: { rxBytes: 0, txBytes: tx }, wan2: { rxBytes: 0, txBytes: 0 }, wan3: { rxBytes: 0, txBytes: 0 } };
    });
    const stop = startAdaptive(f.ctx);
    try {
      await sleep(500);
      assert.deepEqual(
        f.published.at(-1)!.choice!.weights,
        { isp1: 0, isp2: 1 },
        '50 kB per 200 ms = 2 Mbit/s on a 1 Mbit/s member',
      );
      assert.deepEqual(f.reads[0], ['wan1', 'wan2', 'wan3']);
      assert.equal(f.subscribers.size, 0, 'overflow does not need conntrack');
    } finally {
      stop();
    }
  });

  it("publishes a policy's weights only when they change: policy.weights on the bus first, then the world view's run-time weights", async () => {
    const world = worldOf({
      policies: { lc: { strategy: 'least-connections', intervalMs: 200 } },
      defaultPolicy: 'lc',
    });
    const f = fakeContext(world, () => ({}));
    const order: string[] = [];
    f.ctx.bus.on(
      'policy.weights',
      (e) => {
        order.push(`event ${e.policy} ${JSON.stringify(e.weights)}`);
      },
      'test',
    );
    const set = f.ctx.setRuntimeWeights!;
    const reasons: string[] = [];
    (f.ctx as { setRuntimeWeights: typeof set }).setRuntimeWeights = (key, choice, reason) => {
      order.push(`set ${key}`);
      reasons.push(reason);
      set(key, choice, reason);
    };
    const stop = startAdaptive(f.ctx);
    try {
      await sleep(650);
    } finally {
      stop();
    }
    assert.equal(f.published.length, 1, 'the same weights on every tick are published once');
    assert.deepEqual(order, [`event lc ${JSON.stringify(f.published[0].choice!.weights)}`, 'set lc']);
    assert.match(reasons[0], /^policy lc: /);
  });

  it('does nothing without an adaptive policy in use', () => {
    const world = worldOf({ policies: { lc: { strategy: 'least-connections' } } });
    const f = fakeContext(world, () => ({}));
    startAdaptive(f.ctx)();
    assert.deepEqual(f.published, []);
    assert.equal(f.subscribers.size, 0);
  });
});
