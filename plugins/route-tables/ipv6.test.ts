// Tests the IPv6 routes and rules: each WAN's IPv6 default in its table, fwmark and source rules, the multipath IPv6 default, the forwarding sysctls.
import assert from 'node:assert/strict';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import routeTables from './index.ts';
import multipath from '../multipath-default/index.ts';
import { contributionOf, link, worldFrom } from '../testing.ts';

const network: ObservedNetwork = {
  links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2'), link('lan0', '10.0.0.1', 24)],
  defaults: [
    { dev: 'wan1', via: '100.64.1.1', table: 254 },
    { dev: 'wan2', via: '100.64.2.1', table: 254 },
  ],
  ipv6: {
    addresses: [{ dev: 'wan2', address: '2001:db8:2::2', prefixLength: 64 }],
    defaults: [{ dev: 'wan2', via: 'fe80::2', table: 254 }],
    delegated: [{ prefix: '2001:db8:2:100::/56' }],
  },
};
const config = {
  wans: [
    {
      name: 'isp1',
      device: 'wan1',
      weight: 3,
      ipv6: { address: '2001:db8:1::2/64', gateway: '2001:db8:1::1', prefix: '2001:db8:1:100::/56' },
    },
    { name: 'isp2', device: 'wan2', ipv6: {} },
    { name: 'isp3', device: 'wan3' },
  ],
  lan: [{ device: 'lan0' }],
  ipv6: { lan: [{ device: 'lan0', prefix: 'fd00:77::/64' }] },
};
const noOwner = <T extends { owner?: string }>({ owner, ...rest }: T) => rest;

describe('IPv6 in route-tables and multipath-default', () => {
  const world = worldFrom(config, network);
  const [w1, w2] = world.wans;

  it('derives facts from the configuration and, for auto, the kernel (address, RA default, delegated prefix)', () => {
    assert.deepEqual(w1.ipv6?.lanPrefix, '2001:db8:1:100::/64');
    assert.deepEqual(
      [w2.ipv6?.address, w2.ipv6?.gateway, w2.ipv6?.delegated, w2.ipv6?.lanPrefix],
      ['2001:db8:2::2', 'fe80::2', '2001:db8:2:100::/56', '2001:db8:2:100::/64'],
    );
    assert.equal(world.wans[2].ipv6, undefined);
  });

  it('puts an IPv6 default via the gateway, with the device, into each WAN table; rules by mark and address', () => {
    const s = contributionOf(routeTables, world);
    const v6 = s.routes.filter((r) => r.family === 'ipv6').map(noOwner);
    assert.deepEqual(v6, [
      { family: 'ipv6', table: w1.table, dst: '2001:db8:1::/64', dev: 'wan1' },
      { family: 'ipv6', table: w1.table, dst: 'default', via: '2001:db8:1::1', dev: 'wan1', onlink: undefined },
      { family: 'ipv6', table: w2.table, dst: '2001:db8:2::/64', dev: 'wan2' },
      { family: 'ipv6', table: w2.table, dst: 'default', via: 'fe80::2', dev: 'wan2', onlink: undefined },
    ]);
    const ids = world.layout.wans.get('isp1')!;
    const rules = s.rules.filter((r) => r.family === 'ipv6' && r.table === w1.table).map(noOwner);
    assert.deepEqual(rules, [
      { family: 'ipv6', priority: ids.fwmarkPriority, fwmark: w1.mark, fwmask: world.layout.mask, table: w1.table },
      { family: 'ipv6', priority: ids.fromPriority, from: '2001:db8:1::2', table: w1.table },
    ]);
    assert.deepEqual(
      s.sysctls.map((x) => `${x.key}=${x.value}`),
      ['net/ipv6/conf/wan1/accept_ra=2', 'net/ipv6/conf/wan2/accept_ra=2', 'net/ipv6/conf/all/forwarding=1'],
    );
  });

  it('balances IPv6 over the WANs in service for IPv6 only, by weight', () => {
    const s = contributionOf(multipath, world);
    const v6 = s.routes.filter((r) => r.family === 'ipv6');
    assert.equal(v6.length, 1);
    assert.deepEqual(v6[0].nexthops, [
      { via: '2001:db8:1::1', dev: 'wan1', weight: 3 },
      { via: 'fe80::2', dev: 'wan2', weight: 1 },
    ]);
    const v4 = s.routes.filter((r) => r.family === undefined);
    assert.equal(v4[0].nexthops?.length, 2, 'isp3 has no gateway, so IPv4 has two paths too');
  });

  it('a WAN without an IPv6 gateway leaves the IPv6 default, not the IPv4 one', () => {
    const noRa = worldFrom(config, { ...network, ipv6: { ...network.ipv6!, defaults: [] } });
    assert.equal(noRa.wans[1].ipv6?.inService, false);
    assert.match(noRa.wans[1].ipv6!.reason, /no IPv6 gateway/);
    assert.equal(noRa.wans[1].inService, true);
    const v6 = contributionOf(multipath, noRa).routes.filter((r) => r.family === 'ipv6');
    assert.deepEqual(
      v6[0].nexthops?.map((n) => n.dev),
      ['wan1'],
    );
  });
});
