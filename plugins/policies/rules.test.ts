// Tests rules in nft: matches, first-match classify chain, sticky rule chains, enforced WANs, run-time sets and the entry rule.
import assert from 'node:assert/strict';
import { ruleMatch } from './rules.ts';
import { chainRules, markOf, markerState, toWan, worldOf } from './testing.ts';
import { ENFORCE_METRIC } from './marker.ts';

describe('rules rendering', () => {
  it('matches networks, sets, protocol, ports and the input interface', () => {
    const r = (x: Record<string, unknown>) => ruleMatch({ policy: 'p', ...x });
    assert.equal(
      r({ src: ['10.0.0.0/24'], dst: ['192.0.2.1', '198.51.100.0/24'] }),
      'ip saddr 10.0.0.0/24 ip daddr { 192.0.2.1, 198.51.100.0/24 }',
    );
    assert.equal(r({ proto: 'tcp', dport: ['443'] }), 'tcp dport 443');
    assert.equal(r({ proto: 'udp', sport: ['1000-2000', '53'] }), 'udp sport { 1000-2000, 53 }');
    assert.equal(r({ dport: ['80', '8000-8010'] }), 'meta l4proto { tcp, udp } th dport { 80, 8000-8010 }');
    assert.equal(r({ proto: 'icmp' }), 'meta l4proto icmp');
    assert.equal(r({ proto: 'tcp' }), 'meta l4proto tcp');
    assert.equal(r({ iif: 'vpn0', set: 'streaming' }), 'iifname "vpn0" ip daddr @streaming');
    assert.equal(r({}), '');
  });

  it('classifies in order, first match wins, the rest of the LAN goes to the default policy', () => {
    const world = worldOf({
      policies: { web: { strategy: 'round-robin' } },
      rules: [
        { set: 'vip', policy: 'web' },
        { proto: 'tcp', dport: 25, enforce: 'isp3' },
        { dst: ['192.0.2.0/24'], policy: 'default' },
      ],
    });
    const s = markerState(world);
    assert.deepEqual(chainRules(s, 'classify'), [
      'ip daddr @vip goto policy_web',
      `tcp dport 25 goto ${toWan(world, 'isp3')}`,
      'ip daddr 192.0.2.0/24 goto balance',
      'iifname { "lan0" } goto balance',
    ]);
    const entry = chainRules(s, 'mark_prerouting')!.find((r) => r.includes('classify'));
    assert.equal(entry, 'iifname { "lan0" } ct state new ct mark & 0xff00 == 0 ip daddr != @local_nets jump classify');
    assert.deepEqual(
      s.nft.sets.find((x) => x.name === 'vip'),
      { name: 'vip', kind: 'set', type: 'ipv4_addr', flags: ['interval'], owner: 'marker' },
    );
  });

  it('a rule on another input interface widens the entry; only LAN traffic falls through to the default policy', () => {
    const s = markerState(worldOf({ rules: [{ iif: 'vpn0', policy: 'default' }] }));
    assert.ok(chainRules(s, 'mark_prerouting')!.some((r) => r.startsWith('iifname { "lan0", "vpn0" } ct state new')));
    assert.deepEqual(chainRules(s, 'classify'), ['iifname "vpn0" goto balance', 'iifname { "lan0" } goto balance']);
  });

  it('an enforced WAN out of service rejects its traffic; its table gets an unreachable route for when its routes are gone', () => {
    const world = worldOf({ rules: [{ proto: 'tcp', dport: 443, enforce: 'isp2' }] }, ['wan2']);
    const s = markerState(world);
    assert.deepEqual(chainRules(s, 'classify'), [
      'tcp dport 443 reject with icmpx type host-unreachable',
      'iifname { "lan0" } goto balance',
    ]);
    const isp2 = world.wans.find((w) => w.name === 'isp2')!;
    assert.deepEqual(s.routes, [
      { table: isp2.table, dst: 'default', type: 'unreachable', metric: ENFORCE_METRIC, owner: 'marker' },
    ]);
  });

  it('a sticky rule remembers the WAN per source in front of its policy', () => {
    const world = worldOf({
      policies: { p: { strategy: 'weighted', members: [{ wan: 'isp1' }, { wan: 'isp2' }] } },
      rules: [{ name: 'bank', dst: ['192.0.2.0/24'], policy: 'p', sticky: { timeoutSeconds: 90 } }],
    });
    const s = markerState(world);
    assert.deepEqual(chainRules(s, 'classify')![0], 'ip daddr 192.0.2.0/24 goto rule_bank');
    const rule = chainRules(s, 'rule_bank')!;
    const [i1, i2, i3] = world.wans.map((w) => w.id);
    assert.equal(rule[0], `ip saddr @sticky_bank_${i1} goto keep_sticky_bank_${i1}`);
    assert.equal(rule[3], 'jump policy_p');
    assert.equal(
      rule[4],
      `ct mark & 0xff00 vmap { ${markOf(world, 'isp1')} : goto remember_sticky_bank_${i1}, ${markOf(world, 'isp2')} : goto remember_sticky_bank_${i2} }`,
    );
    assert.ok(rule.includes(`delete @sticky_bank_${i3} { ip saddr }`), 'a WAN outside the policy forgets its entries');
    assert.equal(s.nft.sets.find((x) => x.name === `sticky_bank_${i1}`)!.timeout, '90s');
    assert.ok(chainRules(s, `keep_sticky_bank_${world.wans[0].id}`));
    assert.equal(chainRules(s, `keep_sticky_bank_${world.wans[2].id}`), undefined, 'isp3 is not in the policy');
  });

  it('renders only the policies in use', () => {
    const s = markerState(
      worldOf({ policies: { unused: { strategy: 'round-robin' } }, rules: [{ dport: 53, policy: 'default' }] }),
    );
    assert.equal(chainRules(s, 'policy_unused'), undefined);
  });
});

describe("rules for the router's own connections", () => {
  it('classifies new router connections by the rules without src or iif, health probes excepted, and rewrites their source', () => {
    const probes = [
      { method: 'icmp', target: '192.0.2.9' },
      { method: 'http', target: '192.0.2.9' },
      { method: 'dns', target: '192.0.2.53' },
      { method: 'icmp', target: 'probe.example' },
    ];
    const world = worldOf({
      wans: [
        { name: 'isp1', device: 'wan1', probes },
        { name: 'isp2', device: 'wan2', probes },
        { name: 'isp3', device: 'wan3' },
      ],
      rules: [
        { src: ['10.0.0.0/24'], policy: 'default' },
        { proto: 'tcp', dport: 8080, enforce: 'isp2' },
        { iif: 'vpn0', policy: 'default' },
        { dst: ['192.0.2.0/24'], policy: 'default' },
      ],
    });
    const s = markerState(world);
    assert.deepEqual(chainRules(s, 'classify_local'), [
      'ip daddr 192.0.2.9 meta l4proto icmp return',
      'ip daddr 192.0.2.9 tcp dport 80 return',
      'ip daddr 192.0.2.53 udp dport 53 return',
      `tcp dport 8080 goto ${toWan(world, 'isp2')}`,
      'ip daddr 192.0.2.0/24 goto balance',
    ]);
    const out = chainRules(s, 'mark_output')!;
    assert.equal(out[0], 'ct state new ct mark & 0xff00 == 0 ip daddr != @local_nets jump classify_local');
    assert.match(out[1], /^ct mark & 0xff00 vmap \{ 0x[0-9a-f]+ : goto mark_wan\d+, /);
    assert.equal(out.length, 2);
    const snat = s.nft.chains.find((c) => c.name === 'snat_local')!;
    assert.deepEqual(snat.base, { type: 'nat', hook: 'postrouting', priority: 100 });
    assert.equal(snat.rules[0], 'oifname "wan1" ip saddr { 100.64.2.2, 100.64.3.2 } masquerade');
  });

  it('leaves the router alone when every rule names a source network or an input interface', () => {
    const s = markerState(
      worldOf({
        rules: [
          { src: ['10.0.0.0/24'], policy: 'default' },
          { iif: 'vpn0', policy: 'default' },
        ],
      }),
    );
    assert.equal(chainRules(s, 'classify_local'), undefined);
    assert.equal(chainRules(s, 'snat_local'), undefined);
    assert.deepEqual(
      chainRules(s, 'mark_output')!.map((r) => r.replace(/\{.*\}/, '{…}')),
      ['ct mark & 0xff00 vmap {…}'],
    );
  });
});
