// Tests a WAN's IPv6 facts: static from the configuration, or auto from what the kernel shows (address, PD prefix).
import assert from 'node:assert/strict';
import { parseConfig } from '../../../cli/config.ts';
import { facts6, firstSlash64 } from './wan-facts6.ts';
import { link } from '../../../test/kit/link.ts';
import type { ObservedNetwork } from './adapter.ts';

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
});
