// Tests the neighbour refresh on link.up: both gateways of the WAN on that device, nothing for other devices or without gateways.
import assert from 'node:assert/strict';
import { EventBus } from '../../core/bus.ts';
import type { PluginContext } from '../../plugin-api/index.ts';
import { refreshGatewaysOnLinkUp } from './neighbours.ts';

function harness(wans: unknown[], problems: string[] = []) {
  const bus = new EventBus();
  const calls: [string, string[]][] = [];
  const warnings: unknown[] = [];
  const ctx = {
    bus,
    log: { warn: (o: unknown) => warnings.push(o) },
    world: () => ({ wans }),
    system: {
      refreshNeighbours: async (device: string, addresses: string[]) => {
        calls.push([device, addresses]);
        return problems;
      },
    },
  } as unknown as PluginContext;
  return { bus, calls, warnings, stop: refreshGatewaysOnLinkUp(ctx, 'health') };
}

describe('health: gateways neighbour refresh on link.up', () => {
  const wan1 = { name: 'isp1', device: 'wan1', gateway: '100.64.1.1', ipv6: { gateway: 'fe80::1' } };
  const wan2 = { name: 'isp2', device: 'wan2', gateway: null };

  it('refreshes the IPv4 and IPv6 gateways of the WAN whose carrier returned, only that one', async () => {
    const h = harness([wan1, wan2]);
    await h.bus.dispatch('link.up', { device: 'wan1' });
    await h.bus.dispatch('link.up', { device: 'lan0' });
    await h.bus.dispatch('link.down', { device: 'wan1' });
    assert.deepEqual(h.calls, [['wan1', ['100.64.1.1', 'fe80::1']]]);
    h.stop();
    await h.bus.dispatch('link.up', { device: 'wan1' });
    assert.equal(h.calls.length, 1, 'stopped: no more refreshes');
  });

  it('does nothing for a WAN without gateways, and logs the problems the kernel reported', async () => {
    const h = harness([wan1, wan2], ['100.64.1.1: RTNETLINK answers: Operation not permitted']);
    await h.bus.dispatch('link.up', { device: 'wan2' });
    assert.deepEqual(h.calls, []);
    await h.bus.dispatch('link.up', { device: 'wan1' });
    assert.equal(h.warnings.length, 1);
    h.stop();
  });
});
