// Tests policies and rules for IPv6 connections (ipv6.mode npt): ip6 matches, classify6, IPv6 policy chains, sticky and persistence twins, validation.
import assert from 'node:assert/strict';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import type { WorldView } from '../../plugin-api/types.ts';
import { MwanError } from '../../core/errors.ts';
import { parseConfig } from '../../cli/config.ts';
import { link, worldFrom } from '../testing.ts';
import marker from './marker.ts';
import { ENFORCE_METRIC } from './names.ts';
import { ruleFamilies, ruleMatch } from './rules.ts';
import { nfqRulesSpec } from './nfqueue/queue-rules.ts';
import { chainRules, markerState } from './testing.ts';

const network: ObservedNetwork = {
  links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2'), link('lan0', '10.0.0.1', 24)],
  defaults: [
    { dev: 'wan1', via: '100.64.1.1', table: 254 },
    { dev: 'wan2', via: '100.64.2.1', table: 254 },
  ],
};
const v6 = (i: number) => ({
  address: `2001:db8:${i}::2/64`,
  gateway: `2001:db8:${i}::1`,
  prefix: `2001:db8:${i}:100::/56`,
});
const config = (extra: Record<string, unknown> = {}) => ({
  wans: [
    { name: 'isp1', device: 'wan1', ipv6: v6(1) },
    { name: 'isp2', device: 'wan2', ipv6: v6(2) },
  ],
  lan: [{ device: 'lan0' }],
  ipv6: { mode: 'npt', lan: [{ device: 'lan0', prefix: 'fd00:77::/64' }] },
  ...extra,
});
const worldOf = (extra: Record<string, unknown> = {}) => worldFrom(config(extra), network, [marker]);
/** The world with `name` out of service for IPv6 only. */
const v6Down = (world: WorldView, name: string): WorldView => ({
  ...world,
  wans: world.wans.map((w) => (w.name === name ? { ...w, ipv6: { ...w.ipv6!, inService: false } } : w)),
});
const id = (world: WorldView, name: string) => world.wans.find((w) => w.name === name)!.id;
const prerouting = (world: WorldView) => chainRules(markerState(world), 'mark_prerouting')!;

function problem(extra: Record<string, unknown>): string {
  try {
    parseConfig(config(extra));
  } catch (e) {
    assert.ok(e instanceof MwanError, String(e));
    return e.message;
  }
  return '';
}

describe('policies and rules for IPv6 connections (npt)', () => {
  it('renders ip6 matches for IPv6 networks, ip ones for IPv4; ports, protocol and interface apply to both', () => {
    const r = (x: Record<string, unknown>, f: 'ipv4' | 'ipv6') => ruleMatch({ policy: 'p', ...x }, f);
    const mixed = { src: ['10.0.0.0/24', 'fd00:77::/64'], dst: ['2001:db8:99::/48', '192.0.2.1', '2001:db8:98::1'] };
    assert.equal(r(mixed, 'ipv4'), 'ip saddr 10.0.0.0/24 ip daddr 192.0.2.1');
    assert.equal(r(mixed, 'ipv6'), 'ip6 saddr fd00:77::/64 ip6 daddr { 2001:db8:99::/48, 2001:db8:98::1 }');
    assert.equal(r({ dst: ['192.0.2.0/24'] }, 'ipv6'), undefined);
    assert.equal(r({ dst: ['2001:db8:99::/48'] }, 'ipv4'), undefined);
    assert.equal(r({ set: 'vip' }, 'ipv6'), 'ip6 daddr @vip6');
    assert.equal(r({ set: 'vip', src: ['10.0.0.0/24'] }, 'ipv6'), undefined);
    assert.equal(r({ proto: 'tcp', dport: ['443'] }, 'ipv6'), 'tcp dport 443');
    assert.equal(r({ proto: 'icmp' }, 'ipv6'), 'meta l4proto ipv6-icmp');
    assert.equal(r({ iif: 'vpn0' }, 'ipv6'), 'iifname "vpn0"');
    assert.deepEqual(ruleFamilies({ dport: ['80'] } as never), ['ipv4', 'ipv6']);
  });

  it('IPv6 connections are classified by the rules that apply to IPv6 into the policies IPv6 chains', () => {
    const world = worldOf({
      policies: { only2: { strategy: 'priority', members: [{ wan: 'isp2' }, { wan: 'isp1' }] } },
      rules: [
        { dst: ['192.0.2.0/24'], policy: 'only2' },
        { dst: ['2001:db8:99::/48'], policy: 'only2' },
        { proto: 'tcp', dport: 25, enforce: 'isp1' },
      ],
    });
    const s = markerState(world);
    const [w1, w2] = [id(world, 'isp1'), id(world, 'isp2')];
    assert.deepEqual(chainRules(s, 'classify6'), [
      'ip6 daddr 2001:db8:99::/48 goto policy6_only2',
      `tcp dport 25 goto to_wan${w1}`,
      'iifname { "lan0" } goto balance6',
    ]);
    assert.deepEqual(chainRules(s, 'classify'), [
      'ip daddr 192.0.2.0/24 goto policy_only2',
      `tcp dport 25 goto to_wan${w1}`,
      'iifname { "lan0" } goto balance',
    ]);
    assert.deepEqual(chainRules(s, 'policy6_only2'), [`jump to_wan${w2}`]);
    assert.ok(
      prerouting(world).includes(
        'iifname { "lan0" } ct state new ct mark & 0xff00 == 0 ip6 daddr != @local_nets6 jump classify6',
      ),
    );
    // isp2 out of service for IPv6 only: IPv6's chain falls to isp1, IPv4's keeps isp2.
    const down = markerState(v6Down(world, 'isp2'));
    assert.deepEqual(chainRules(down, 'policy6_only2'), [`jump to_wan${w1}`]);
    assert.deepEqual(chainRules(down, 'policy_only2'), [`jump to_wan${w2}`]);
  });

  it('an enforced WAN out of service for IPv6 rejects IPv6 traffic and gets an IPv6 unreachable route', () => {
    const world = v6Down(worldOf({ rules: [{ dst: ['2001:db8:99::/48'], enforce: 'isp2' }] }), 'isp2');
    const s = markerState(world);
    assert.deepEqual(chainRules(s, 'classify6'), [
      'ip6 daddr 2001:db8:99::/48 reject with icmpx type host-unreachable',
      'iifname { "lan0" } goto balance6',
    ]);
    const table = world.wans.find((w) => w.name === 'isp2')!.table;
    assert.ok(
      s.routes.some(
        (r) => r.family === 'ipv6' && r.table === table && r.type === 'unreachable' && r.metric === ENFORCE_METRIC,
      ),
    );
    // IPv4's classify has no such rule (the rule is IPv6's only).
    assert.deepEqual(chainRules(s, 'classify'), ['iifname { "lan0" } goto balance']);
  });

  it('sticky rules and persistence policies get ipv6_addr twins with the same timeouts', () => {
    const world = worldOf({
      policies: { keep: { strategy: 'persistence', persistence: { key: 'src-dst', timeoutSeconds: 120 } } },
      rules: [{ name: 'web', proto: 'tcp', dport: 443, policy: 'keep', sticky: { timeoutSeconds: 300 } }],
      defaultPolicy: 'keep',
    });
    const s = markerState(world);
    const set = (name: string) => s.nft.sets.find((x) => x.name === name);
    const w1 = id(world, 'isp1');
    assert.deepEqual(set(`sticky6_web_${w1}`), {
      name: `sticky6_web_${w1}`,
      kind: 'set',
      type: 'ipv6_addr',
      flags: ['dynamic', 'timeout'],
      timeout: '300s',
      owner: 'marker',
    });
    assert.equal(set(`sticky_web_${w1}`)?.type, 'ipv4_addr');
    assert.equal(set(`persist6_keep_pair_${w1}`)?.type, 'ipv6_addr . ipv6_addr');
    assert.equal(set(`persist6_keep_pair_${w1}`)?.timeout, '120s');
    assert.deepEqual(chainRules(s, 'classify6')?.[0], 'tcp dport 443 goto rule6_web');
    assert.ok(chainRules(s, 'rule6_web')!.includes('jump balance6'));
    assert.ok(
      chainRules(s, 'balance6')!.some((r) => r.startsWith(`ip6 saddr . ip6 daddr @persist6_keep_pair_${w1} goto`)),
    );
    assert.deepEqual(chainRules(s, `keep_sticky6_web_${w1}`), [
      `update @sticky6_web_${w1} { ip6 saddr }`,
      `jump to_wan${w1}`,
    ]);
  });

  it("a rule's named set has an ipv6_addr twin <name>6, run-time filled like IPv4's, that classify6 matches", () => {
    const world = worldOf({
      policies: { only2: { strategy: 'priority', members: [{ wan: 'isp2' }] } },
      rules: [{ set: 'banks', policy: 'only2' }],
    });
    const s = markerState(world);
    const set = (name: string) => s.nft.sets.find((x) => x.name === name);
    assert.deepEqual(set('banks'), {
      name: 'banks',
      kind: 'set',
      type: 'ipv4_addr',
      flags: ['interval'],
      owner: 'marker',
    });
    assert.deepEqual(set('banks6'), {
      name: 'banks6',
      kind: 'set',
      type: 'ipv6_addr',
      flags: ['interval'],
      owner: 'marker',
    });
    assert.equal(chainRules(s, 'classify6')?.[0], 'ip6 daddr @banks6 goto policy6_only2');
    assert.equal(chainRules(s, 'classify')?.[0], 'ip daddr @banks goto policy_only2');
    // Without npt the twin is still declared (one dnsmasq line fills both), but nothing IPv6 matches it.
    const v4only = markerState(
      worldFrom({ ...config({ rules: [{ set: 'banks', policy: 'default' }] }), ipv6: undefined }, network, [marker]),
    );
    assert.equal(v4only.nft.sets.find((x) => x.name === 'banks6')?.type, 'ipv6_addr');
    assert.equal(chainRules(v4only, 'classify6'), undefined);
  });

  it('fastest-response has an ipv6_addr twin of its learned map, keyed by /prefixLength6 (48 by default)', () => {
    const pol = (fastest: Record<string, unknown> | undefined) =>
      chainRules(
        markerState(worldOf({ policies: { f: { strategy: 'fastest-response', fastest } }, defaultPolicy: 'f' })),
        'balance6',
      )!;
    assert.equal(pol(undefined)[1], 'meta mark set ip6 daddr & ffff:ffff:ffff:: map @fastest6_f');
    assert.equal(pol({ prefixLength6: 56 })[1], 'meta mark set ip6 daddr & ffff:ffff:ffff:ff00:: map @fastest6_f');
    const world = worldOf({ policies: { f: { strategy: 'fastest-response' } }, defaultPolicy: 'f' });
    const s = markerState(world);
    assert.deepEqual(
      s.nft.sets.find((x) => x.name === 'fastest6_f'),
      {
        name: 'fastest6_f',
        kind: 'map',
        type: 'ipv6_addr : mark',
        flags: ['timeout'],
        owner: 'marker',
      },
    );
    // A hit on a WAN out of service for IPv6 is ignored: only IPv6's live members are in the vmap.
    const down = chainRules(markerState(v6Down(world, 'isp2')), 'balance6')!;
    assert.equal(
      down[2],
      `meta mark & 0xff00 vmap { 0x${world.wans.find((w) => w.name === 'isp1')!.mark.toString(16)} : goto to_wan${id(world, 'isp1')} }`,
    );
    assert.equal(chainRules(s, 'balance')![1], 'meta mark set ip daddr & 255.255.255.0 map @fastest_f');
    assert.match(
      problem({ policies: { f: { strategy: 'fastest-response', fastest: { prefixLength6: 8 } } } }),
      /policies\.f\.fastest\.prefixLength6/,
    );
    assert.match(problem({ rules: [{ set: 'fastest6_x', policy: 'default' }] }), /rules\[0\]\.set.*reserved/s);
  });

  it('without rules for IPv6 the IPv6 entry jumps straight to balance6; without npt nothing IPv6 is rendered', () => {
    const world = worldOf({ rules: [{ dst: ['192.0.2.0/24'], enforce: 'isp2' }] });
    assert.ok(prerouting(world).some((r) => r.endsWith('ip6 daddr != @local_nets6 jump balance6')));
    assert.equal(chainRules(markerState(world), 'classify6'), undefined);
    const v4only = worldFrom({ ...config({ rules: [{ dport: 80, enforce: 'isp2' }] }), ipv6: undefined }, network, [
      marker,
    ]);
    assert.ok(!prerouting(v4only).some((r) => r.includes('ip6')));
    assert.equal(chainRules(markerState(v4only), 'classify6'), undefined);
  });

  it('an NFQUEUE policy tags IPv6 connections for its queue too, and its queue rules go to ip6tables as well', () => {
    const world = worldOf({ policies: { q: { strategy: 'nfqueue:round-robin' } }, defaultPolicy: 'q' });
    const s = markerState(world);
    const { tag } = world.layout.nfqueue.policies.get('q')!;
    const tagged = (chain: string) => chainRules(s, chain)!.some((r) => r.includes(`| 0x${tag.toString(16)} return`));
    assert.ok(tagged('balance') && tagged('balance6'), chainRules(s, 'balance6')!.join('\n'));
    assert.equal(nfqRulesSpec(world.layout)?.ipv6, true);
    const v4only = worldFrom(
      { ...config({ policies: { q: { strategy: 'nfqueue:round-robin' } }, defaultPolicy: 'q' }), ipv6: undefined },
      network,
      [marker],
    );
    assert.equal(nfqRulesSpec(v4only.layout)?.ipv6, undefined);
  });

  it('refuses bad IPv6 networks and family mixes that match nothing, naming the field', () => {
    const rule = (x: Record<string, unknown>) => problem({ rules: [{ policy: 'default', ...x }] });
    assert.match(rule({ dst: ['2001:db8:99::1/48'] }), /rules\[0\]\.dst\[0\].*host bits/s);
    assert.match(rule({ src: ['2001:db8::zz'] }), /rules\[0\]\.src\[0\].*IPv6 prefix/s);
    assert.match(rule({ dst: ['example'] }), /rules\[0\]\.dst\[0\].*IPv4 or IPv6/s);
    assert.match(rule({ src: ['10.0.0.0/24'], dst: ['2001:db8:99::/48'] }), /rules\[0\]\.dst.*match nothing/s);
    assert.equal(rule({ set: 'vip', dst: ['2001:db8:99::/48'] }), '', 'the set has an IPv6 twin');
    assert.match(
      problem({
        rules: [
          { set: 'banks', policy: 'default' },
          { set: 'banks6', policy: 'default' },
        ],
      }),
      /rules\[1\]\.set.*IPv6 twin of set banks/s,
    );
    assert.equal(rule({ src: ['10.0.0.0/24', 'fd00:77::/64'], dst: ['2001:db8:99::/48'] }), '');
  });
});
