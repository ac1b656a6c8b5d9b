// The HA pair on a dual-stack configuration: ha.lan6 / ha.wans6 validated by field, keepalived's IPv6 instance and sync group, IPv6 SNAT.
import assert from 'node:assert/strict';
import { parseConfig } from '../../cli/config.ts';
import { contributionOf, link, worldFrom } from '../testing.ts';
import { createHa } from './index.ts';
import { haPaths, renderConntrackd, renderKeepalived, type NodePlan } from './render.ts';

const v6 = (i: number, nat66?: string) => ({
  address: `2001:db8:${i}::2/64`,
  gateway: `2001:db8:${i}::1`,
  prefix: `2001:db8:${i}:100::/56`,
  ...(nat66 ? { nat66 } : {}),
});
const config = (ha6: Record<string, unknown> = {}, nat66 = 'npt', ipv6 = true) => ({
  lan: [{ device: 'lan0' }],
  wans: [
    { name: 'isp1', device: 'wan1', gateway: '100.64.1.1', ...(ipv6 ? { ipv6: v6(1) } : {}) },
    { name: 'isp2', device: 'wan2', gateway: '100.64.2.1', ...(ipv6 ? { ipv6: v6(2, nat66) } : {}) },
  ],
  ...(ipv6 ? { ipv6: { mode: 'npt', lan: [{ device: 'lan0', prefix: 'fd00:77::/64' }] } } : {}),
  ha: {
    nodes: [
      { name: 'r1', priority: 150, syncAddress: '10.99.0.1' },
      { name: 'r2', priority: 100, syncAddress: '10.99.0.2' },
    ],
    syncDevice: 'sync0',
    lan: { lan0: '10.77.0.1' },
    wans: { isp1: '100.64.1.10', isp2: '100.64.2.10' },
    lan6: { lan0: 'fe80::1' },
    wans6: { isp1: '2001:db8:1::10', isp2: '2001:db8:2::10' },
    ...ha6,
  },
});

const refused = (cfg: unknown, message: RegExp) =>
  assert.throws(
    () => parseConfig(cfg),
    (e: Error) => message.test(e.message),
    `expected ${message}`,
  );

function plan(cfg: unknown): NodePlan {
  const ha = parseConfig(cfg).config.ha!;
  return {
    ha,
    self: ha.nodes[0],
    peer: ha.nodes[1],
    paths: haPaths('/var/lib/mwan'),
    lanDevices: ['lan0'],
    wanDevices: { isp1: 'wan1', isp2: 'wan2' },
    mwanctl: ['/usr/bin/node', '/opt/mwanctl.js'],
    controlSocket: '/run/mwan/mwan.sock',
  };
}

describe('ha on a dual-stack configuration', () => {
  it('accepts a link-local LAN gateway and global WAN addresses', () => {
    const ha = parseConfig(config()).config.ha!;
    assert.deepEqual(ha.lan6, { lan0: 'fe80::1' });
    assert.deepEqual(ha.wans6, { isp1: '2001:db8:1::10', isp2: '2001:db8:2::10' });
  });

  it('refuses bad IPv6 fields, naming each', () => {
    refused(config({ lan6: { lan0: '10.77.0.1' } }), /ha\.lan6\.lan0: .*IPv4 address: this field takes an IPv6/);
    refused(config({ lan6: { lan0: 'fd00:77::1' } }), /ha\.lan6\.lan0: .*not link-local/);
    refused(config({ lan6: { lan0: 'fe80::1/64' } }), /ha\.lan6\.lan0: .*without a prefix/);
    refused(config({ lan6: { lan9: 'fe80::1' } }), /ha\.lan6\.lan9: .*no lan\[\] device is named so/);
    refused(config({ lan6: {} }), /ha\.lan6: .*LAN lan0 has IPv6 \(ipv6\.lan\) but no virtual link-local address/);
    refused(config({ wans6: { isp1: 'fe80::10', isp2: '2001:db8:2::10' } }), /ha\.wans6\.isp1: .*link-local/);
    refused(config({ wans6: { isp1: 'ff02::1', isp2: '2001:db8:2::10' } }), /ha\.wans6\.isp1: .*not a unicast/);
    refused(config({ wans6: { isp1: '2001:db8:9::10', isp2: '2001:db8:2::10' } }), /ha\.wans6\.isp1: .*outside isp1/);
    refused(config({ wans6: { isp3: '2001:db8:3::10' } }), /ha\.wans6\.isp3: .*no WAN is named so/);
    refused(config({ wans6: { isp1: '2001:db8:1::10' } }, 'masquerade'), /ha\.wans6: .*WAN isp2 masquerades IPv6/);
    refused(
      config({ wans6: { isp1: '2001:db8::10', isp2: '2001:db8:0::10' } }, 'npt', false),
      /ha: .*virtual address 2001:db8:0::10 is used twice/,
    );
  });

  it('keepalived: a second instance for IPv6 (the link-local gateway first), in a sync group with the IPv4 one', () => {
    const text = renderKeepalived(plan(config()));
    assert.match(text, /vrrp_sync_group mwan_pair \{\n {2}group \{\n {4}mwan\n {4}mwan6\n {2}\}\n\}\n/);
    assert.equal((text.match(/notify_master/g) ?? []).length, 1, 'one notify per role change (the IPv4 instance)');
    const six = text.slice(text.indexOf('vrrp_instance mwan6 {'), text.indexOf('vrrp_sync_group'));
    assert.match(
      six,
      /interface lan0\n {2}virtual_router_id 51\n {2}priority 150\n {2}advert_int 0.1\n {2}nopreempt\n/,
    );
    assert.match(
      six,
      / {2}virtual_ipaddress \{\n {4}fe80::1\/64 dev lan0\n {4}2001:db8:1::10\/128 dev wan1\n {4}2001:db8:2::10\/128 dev wan2\n {2}\}\n\}\n$/,
    );
    assert.doesNotMatch(six, /notify/);
    const four = text.slice(text.indexOf('vrrp_instance mwan {'), text.indexOf('vrrp_instance mwan6'));
    assert.doesNotMatch(four, /fe80|2001/, 'the IPv4 instance holds IPv4 only');
    const v4only = renderKeepalived(plan(config({ lan6: undefined, wans6: undefined }, 'npt', false)));
    assert.doesNotMatch(v4only, /sync_group|mwan6|fe80|2001/, 'an IPv4-only pair renders as before');
  });

  it('refuses WAN virtual IPv6 addresses without a link-local gateway on the first LAN (the instance needs it first)', () => {
    refused(
      config({ lan6: undefined }, 'npt', false),
      /ha\.lan6: .*the IPv6 VRRP instance runs on lan0 and its first address must be link-local/,
    );
  });

  it('conntrackd: IPv6 flows are synced, only connections to the virtual addresses are ignored', () => {
    const text = renderConntrackd(plan(config()));
    for (const a of ['::1', 'fe80::1', '2001:db8:1::10', '2001:db8:2::10'])
      assert.ok(text.includes(`      IPv6_address ${a}\n`), a);
    assert.doesNotMatch(text, /IPv6_address fd00/, 'LAN hosts’ flows are synced');
  });

  it('SNAT: a WAN that masquerades IPv6 translates to its virtual IPv6 address; an NPT WAN is left to snat', () => {
    const network = {
      links: [link('lan0', '10.77.0.2', 24), link('wan1', '100.64.1.2', 24), link('wan2', '100.64.2.2', 24)],
      defaults: [],
    };
    const d = contributionOf(createHa(), worldFrom(config({}, 'masquerade'), network));
    const rules = d.nft.chains.find((c) => c.name === 'ha_snat')!.rules;
    assert.deepEqual(rules, [
      'ip6 saddr { fd00:77::/64 } oifname "wan2" snat ip6 to 2001:db8:2::10',
      'iifname { "lan0" } oifname "wan1" snat ip to 100.64.1.10',
      'iifname { "lan0" } oifname "wan2" snat ip to 100.64.2.10',
    ]);
    const npt = contributionOf(createHa(), worldFrom(config(), network)).nft.chains.find((c) => c.name === 'ha_snat');
    assert.ok(!npt!.rules.some((r) => r.includes('ip6')), 'NPT is the same translation on both routers');
  });
});
