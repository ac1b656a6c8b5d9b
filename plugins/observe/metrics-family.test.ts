// Tests the family label: a WAN's IPv6 side has series with family="ipv6"; IPv4's series keep the labels they had.
import assert from 'node:assert/strict';
import type { WorldView } from '../../plugin-api/index.ts';
import { createMetrics } from './metrics.ts';
import { StateTracker } from './states.ts';

describe('observe metrics: the family label', () => {
  it('adds family="ipv6" series for a WAN with IPv6 only, and leaves the IPv4 series as they were', async () => {
    const metrics = await createMetrics();
    const wan = (name: string, ipv6?: { state: 'offline'; inService: boolean }) => ({
      name,
      state: 'online',
      inService: true,
      weight: 1,
      ...(ipv6 ? { ipv6: { ...ipv6, gateway: null, reason: 'x', routable: true } } : {}),
    });
    const world = {
      wans: [wan('isp1', { state: 'offline', inService: false }), wan('isp2')],
      layout: { nfqueue: { policies: new Map() } },
    } as unknown as WorldView;
    metrics.refresh(world, new StateTracker(0), [], [], 1000);
    metrics.probe({ wan: 'isp1', family: 'ipv6', ok: false, targets: [], rttMs: null, lossPct: 100 });
    const { body } = await metrics.text();
    assert.match(body, /^mwan_wan_in_service\{wan="isp1"\} 1$/m);
    assert.match(body, /^mwan_wan_in_service\{wan="isp1",family="ipv6"\} 0$/m);
    assert.match(body, /^mwan_wan_state\{wan="isp1",family="ipv6",state="offline"\} 1$/m);
    assert.doesNotMatch(body, /wan="isp2",family=/);
    assert.match(body, /^mwan_wan_probe_rounds_total\{wan="isp1",family="ipv6",result="failed"\} 1$/m);
    assert.doesNotMatch(body, /^mwan_wan_loss_ratio\{wan="isp1"\}/m, 'no IPv4 round: no IPv4 loss');
    assert.match(body, /^mwan_wan_loss_ratio\{wan="isp1",family="ipv6"\} 1$/m);
    metrics.probe({ wan: 'isp1', family: 'ipv4', ok: true, targets: [], rttMs: 5, lossPct: 0 });
    assert.match((await metrics.text()).body, /^mwan_wan_loss_ratio\{wan="isp1"\} 0$/m);
  });
});
