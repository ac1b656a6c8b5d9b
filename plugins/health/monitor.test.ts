// Tests the WAN monitor's `target: gateway`: probes follow the WAN's current gateway and restart when it changes.
import assert from 'node:assert/strict';
import { EventBus } from '../../core/bus.ts';
import { parseConfig } from '../../cli/config.ts';
import type { PluginContext } from '../../plugin-api/index.ts';
import { resolveHealth } from './options.ts';
import { WanMonitor } from './monitor.ts';

describe('WanMonitor target gateway', () => {
  it('probes the current gateway, restarts on gateway.changed, and leaves it out without a gateway', async () => {
    const { config } = parseConfig({
      wans: [{ name: 'isp1', device: 'wan1', probes: [{ target: 'gateway' }, { target: '192.0.2.9' }] }],
    });
    const bus = new EventBus();
    let gateway: string | null = '100.64.1.1';
    const started: string[][] = [];
    let batch: string[] = [];
    const ctx = {
      bus,
      log: { error: () => undefined },
      world: () => ({ wans: [{ name: 'isp1', routable: true, address: '100.64.1.2', gateway }] }),
      system: {
        startProbe: (spec: { target: string }) => {
          batch.push(spec.target);
          return { stop: () => undefined };
        },
      },
      reportHealth: () => undefined,
    } as unknown as PluginContext;
    const flush = () => {
      started.push(batch);
      batch = [];
    };
    const monitor = new WanMonitor(ctx, config.wans[0], resolveHealth(config.health, undefined));
    monitor.start();
    flush();
    gateway = '100.64.1.5';
    bus.emit('gateway.changed', { device: 'wan1', gateway });
    await new Promise((r) => setImmediate(r));
    flush();
    gateway = null;
    bus.emit('gateway.changed', { device: 'wan1', gateway });
    await new Promise((r) => setImmediate(r));
    flush();
    monitor.stop();
    assert.deepEqual(started, [['100.64.1.1', '192.0.2.9'], ['100.64.1.5', '192.0.2.9'], ['192.0.2.9']]);
  });
});

describe('WanMonitor link loss and flaps', () => {
  it('tells the verdict machine of a link loss and return, and counts departures from service as flaps', async () => {
    const { config } = parseConfig({
      wans: [{ name: 'isp1', device: 'wan1', probes: [{ target: '192.0.2.9' }] }],
      health: { flapHalfLifeSeconds: 600 },
    });
    const bus = new EventBus();
    let state = 'online';
    const reasons: string[] = [];
    const ctx = {
      bus,
      log: { error: () => undefined },
      world: () => ({ wans: [{ name: 'isp1', routable: true, address: '100.64.1.2', gateway: null, state }] }),
      system: { startProbe: () => ({ stop: () => undefined }) },
      reportHealth: (_wan: string, r: { reason: string }) => reasons.push(r.reason),
    } as unknown as PluginContext;
    const monitor = new WanMonitor(ctx, config.wans[0], resolveHealth(config.health, undefined));
    // The verdict machine must have judged the WAN once: feed it through its private state (one good round).
    (monitor as unknown as { state: { verdict: string } }).state.verdict = 'online';
    monitor.start();
    const cycle = async () => {
      bus.emit('wan.online', { wan: 'isp1', reason: 'up' });
      state = 'link-down';
      bus.emit('wan.offline', { wan: 'isp1', reason: 'no carrier' });
      await new Promise((r) => setImmediate(r));
      state = 'offline';
      bus.emit('link.up', { device: 'wan1' });
      await new Promise((r) => setImmediate(r));
      (monitor as unknown as { state: { verdict: string } }).state.verdict = 'online';
    };
    await cycle();
    await cycle();
    monitor.stop();
    assert.deepEqual(reasons.slice(0, 2), ['link lost', reasons[1]]);
    assert.match(reasons[1], /a blip of at most 10 s\): 3 good rounds/);
    assert.equal(reasons[2], 'link lost');
    assert.match(
      reasons[3],
      /has been flapping\): 20 good rounds/,
      "the second blip: the first one's penalty is still high",
    );
  });
});
