// Tests the WAN monitor's `target: gateway`: probes follow the WAN's current gateway and restart when it changes.
import assert from 'node:assert/strict';
import { EventBus } from '../../core/bus.ts';
import { parseConfig } from '../../cli/config.ts';
import type { PluginContext } from '../../core/plugin/api.ts';
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
