// The ha plugin's contribution (SNAT to the WAN virtual addresses, tcp_loose 0), its node lookup, and the role it publishes.
import assert from 'node:assert/strict';
import { EventBus } from '../../core/bus.ts';
import type { MwanEvents } from '../../core/events.ts';
import type { PluginContext } from '../../plugin-api/index.ts';
import { contributionOf, link, worldFrom } from '../testing.ts';
import { HA_SRCNAT, createHa, whoAmI } from './index.ts';
import { HaRole } from './role.ts';

const cfg = (withHa = true) => ({
  lan: [{ device: 'lan0' }],
  wans: [
    { name: 'isp1', device: 'wan1', gateway: '100.64.1.1' },
    { name: 'isp2', device: 'wan2', gateway: '100.64.2.1' },
  ],
  ...(withHa
    ? {
        ha: {
          nodes: [
            { name: 'r1', priority: 150, syncAddress: '10.99.0.1' },
            { name: 'r2', priority: 100, syncAddress: '10.99.0.2' },
          ],
          syncDevice: 'sync0',
          lan: { lan0: '10.77.0.1' },
          wans: { isp1: '100.64.1.10', isp2: '100.64.2.10' },
        },
      }
    : {}),
});
const network = {
  links: [link('lan0', '10.77.0.2', 24), link('wan1', '100.64.1.2', 24), link('wan2', '100.64.2.2', 24)],
  defaults: [],
};

describe('ha plugin', () => {
  it('SNATs LAN traffic to each WAN virtual address before the masquerade, and sets tcp_loose 0', () => {
    const d = contributionOf(createHa(), worldFrom(cfg(), network));
    const chain = d.nft.chains.find((c) => c.name === 'ha_snat');
    assert.ok(chain, 'the ha_snat chain');
    assert.deepEqual(chain.base, { type: 'nat', hook: 'postrouting', priority: HA_SRCNAT });
    assert.ok(HA_SRCNAT < 100, 'before the snat plugin (priority 100)');
    assert.deepEqual(chain.rules, [
      'iifname { "lan0" } oifname "wan1" snat ip to 100.64.1.10',
      'iifname { "lan0" } oifname "wan2" snat ip to 100.64.2.10',
    ]);
    assert.deepEqual(
      d.sysctls.map((s) => [s.key, s.value]),
      [['net/netfilter/nf_conntrack_tcp_loose', '0']],
    );
  });

  it('contributes nothing without the ha section', () => {
    const d = contributionOf(createHa(), worldFrom(cfg(false), network));
    assert.deepEqual(d.nft.chains, []);
    assert.deepEqual(d.sysctls, []);
  });

  it('finds its node by host name, and names ha.nodes when the host is neither', () => {
    const config = worldFrom(cfg(), network).config;
    const ctx = { config } as PluginContext;
    assert.deepEqual([whoAmI(ctx, 'r2').self.name, whoAmI(ctx, 'r2').peer.name], ['r2', 'r1']);
    assert.throws(() => whoAmI(ctx, 'gw'), /ha\.nodes: this host is named "gw", which is neither "r1" nor "r2"/);
  });

  it('publishes ha.role once per change and drops a notification older than the last', async () => {
    const bus = new EventBus();
    const seen: MwanEvents['ha.role'][] = [];
    bus.on('ha.role', (p) => {
      seen.push(p);
    });
    const log = { info() {}, warn() {}, debug() {}, error() {} };
    const ctx = { bus, log, system: {} } as unknown as PluginContext;
    const role = new HaRole(ctx, 'r1', 'r2', '/nonexistent');
    const off = role.listen();
    bus.emit('ha.notify', { role: 'backup', at: 1000 });
    bus.emit('ha.notify', { role: 'backup', at: 1001 });
    bus.emit('ha.notify', { role: 'master', at: 1003 });
    bus.emit('ha.notify', { role: 'backup', at: 1002 }); // started before the master notification: stale
    off();
    assert.deepEqual(seen, [
      { node: 'r1', peer: 'r2', role: 'backup', previous: null },
      { node: 'r1', peer: 'r2', role: 'master', previous: 'backup' },
    ]);
    assert.equal(role.current, 'master');
  });
});
