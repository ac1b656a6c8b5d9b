// Tests a WAN's IPv6 side: facts from config or kernel, service sharing IPv4's fate, and a new runtime object on change only.
import assert from 'node:assert/strict';
import { EventBus } from '../bus.ts';
import { parseConfig } from '../../cli/config.ts';
import { WanRegistry } from './registry.ts';
import { facts6, firstSlash64 } from './model6.ts';
import { link } from '../../test/kit/link.ts';
import type { ObservedNetwork } from '../system/kernel/adapter.ts';

const loaded = parseConfig({
  wans: [
    { name: 'isp1', device: 'wan1', gateway: '100.64.1.1', ipv6: { gateway: 'fe80::1' } },
    { name: 'isp2', device: 'wan2', gateway: '100.64.2.1' },
  ],
});
const net = (carrier: boolean, v6addr = true): ObservedNetwork => ({
  links: [link('wan1', '100.64.1.2', 30, { carrier }), link('wan2', '100.64.2.2')],
  defaults: [],
  ipv6: {
    addresses: v6addr ? [{ dev: 'wan1', address: '2001:db8:1::2', prefixLength: 64 }] : [],
    defaults: [],
    delegated: [{ prefix: '2001:db8:1:100::/56' }, { prefix: '2001:db8:7:100::/56' }],
  },
});

describe("a WAN's IPv6 side", () => {
  it('auto facts: the device address, the delegated prefix in its /48, the first /64 as the LAN prefix', () => {
    const f = facts6(loaded.config.wans[0], net(true).ipv6);
    assert.deepEqual(f, {
      address: '2001:db8:1::2',
      prefixLength: 64,
      gateway: 'fe80::1',
      gatewaySource: 'config',
      delegated: '2001:db8:1:100::/56',
      lanPrefix: '2001:db8:1:100::/64',
    });
    assert.equal(facts6(loaded.config.wans[1], net(true).ipv6), undefined);
    assert.equal(firstSlash64('2001:db8:1:100::/56'), '2001:db8:1:100::/64');
  });

  it('IPv6 service follows IPv4 (shared fate) and needs an IPv6 address; the object changes only with it', () => {
    const r = new WanRegistry(loaded.config, loaded.layout, new EventBus());
    r.observe(net(true));
    const w = r.get('isp1');
    assert.equal(w.ipv6?.inService, true);
    assert.equal(w.ipv6?.health, 'unknown');
    const same = w.ipv6;
    r.observe(net(true));
    assert.equal(w.ipv6, same, 'nothing changed: the same object (the world memo compares by identity)');
    r.observe(net(false));
    assert.equal(w.inService, false);
    assert.deepEqual([w.ipv6?.inService, w.ipv6?.state], [false, 'link-down']);
    r.observe(net(true, false));
    assert.equal(w.inService, true);
    assert.deepEqual([w.ipv6?.inService, w.ipv6?.reason], [false, 'no IPv6 address']);
    assert.equal(r.get('isp2').ipv6, undefined);
  });
});
