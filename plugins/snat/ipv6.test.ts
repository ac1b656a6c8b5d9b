// Tests the IPv6 rendering of snat (nat66), the marker (balance6) and port forwards (to6) in ipv6.mode npt.
import assert from 'node:assert/strict';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import snat from './index.ts';
import marker from '../policies/marker.ts';
import portForward from '../port-forward/index.ts';
import { contributionOf, link, worldFrom } from '../testing.ts';
import { MwanError } from '../../core/errors.ts';
import { parseConfig } from '../../cli/config.ts';

const network: ObservedNetwork = {
  links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2'), link('lan0', '10.0.0.1', 24)],
  defaults: [
    { dev: 'wan1', via: '100.64.1.1', table: 254 },
    { dev: 'wan2', via: '100.64.2.1', table: 254 },
  ],
};
const v6 = (i: number, extra: Record<string, unknown> = {}) => ({
  address: `2001:db8:${i}::2/64`,
  gateway: `2001:db8:${i}::1`,
  prefix: `2001:db8:${i}:100::/56`,
  ...extra,
});
const config = (wan2: Record<string, unknown> = {}) => ({
  wans: [
    { name: 'isp1', device: 'wan1', weight: 2, ipv6: v6(1) },
    { name: 'isp2', device: 'wan2', ipv6: v6(2, wan2) },
  ],
  lan: [{ device: 'lan0' }],
  ipv6: { mode: 'npt', lan: [{ device: 'lan0', prefix: 'fd00:77::/64' }] },
  forwards: [{ port: 8080, to: '10.0.0.5:80', to6: '[fd00:77::5]:80' }],
});

describe('IPv6 in snat, marker and port forwards (npt)', () => {
  it('NPTv6 to each WAN lanPrefix (the first /64 of its prefix), or masquerade, before the IPv4 rules', () => {
    const s = contributionOf(snat, worldFrom(config({ nat66: 'masquerade' }), network));
    const rules = s.nft.chains.find((c) => c.name === 'snat_postrouting')!.rules;
    assert.deepEqual(rules.slice(0, 2), [
      'ip6 saddr fd00:77::/64 oifname "wan1" snat ip6 prefix to 2001:db8:1:100::/64',
      'ip6 saddr { fd00:77::/64 } oifname "wan2" masquerade',
    ]);
  });

  it('new LAN IPv6 connections jump to balance6 (2:1 over the WANs in service for IPv6) before the IPv4 entry', () => {
    const world = worldFrom(config(), network);
    const s = contributionOf(marker, world);
    const pre = s.nft.chains.find((c) => c.name === 'mark_prerouting')!.rules;
    const at6 = pre.findIndex((r) => r.includes('jump balance6'));
    const at4 = pre.findIndex((r) => r.includes('jump balance') && !r.includes('balance6'));
    assert.ok(at6 >= 0 && at6 < at4, pre.join('\n'));
    assert.match(pre[at6], /ip6 daddr != @local_nets6/);
    const [w1, w2] = world.wans;
    assert.deepEqual(s.nft.chains.find((c) => c.name === 'balance6')!.rules, [
      `numgen inc mod 3 vmap { 0 : jump to_wan${w1.id}, 1 : jump to_wan${w2.id}, 2 : jump to_wan${w1.id} }`,
    ]);
    assert.deepEqual(s.nft.sets.find((x) => x.name === 'local_nets6')!.elements, [
      '2001:db8:1::/64',
      '2001:db8:2::/64',
      'fd00:77::/64',
    ]);
  });

  it('a forward with to6 is a dnat ip6 rule on the WANs with IPv6, said to be IPv6', () => {
    const rules = contributionOf(portForward, worldFrom(config(), network)).nft.chains[0].rules;
    assert.equal(
      rules[0],
      'meta nfproto ipv6 iifname { "wan1", "wan2" } fib daddr type local tcp dport 8080 dnat ip6 to [fd00:77::5]:80',
    );
  });

  it('refuses a to6 outside the LAN prefixes, or with a port when to has none, naming forwards[].to6', () => {
    const bad = (to6: string, to = '10.0.0.5:80') => {
      try {
        parseConfig({ ...config(), forwards: [{ port: 8080, to, to6 }] });
      } catch (e) {
        assert.ok(e instanceof MwanError);
        return e.message;
      }
      return '';
    };
    assert.match(bad('fd00:99::5'), /forwards\[0\]\.to6: .*in no ipv6.lan prefix/);
    assert.match(bad('[fd00:77::5]:80', '10.0.0.5'), /forwards\[0\]\.to6: .*both give a port or neither/);
    assert.match(bad('10.0.0.5'), /forwards\[0\]\.to6: .*expected an IPv6 LAN host/);
  });
});
