// Tests the firewall's IPv6 rules: ICMPv6 essentials before the invalid drop, DHCPv6 replies, rate-limited echo, pinholes.
import assert from 'node:assert/strict';
import type { MwanConfig, WanView, WorldView } from '../../plugin-api/index.ts';
import { link, worldFrom } from '../testing.ts';
import { ERRORS_RULE, MLD_RULE, ND_RULE, pinholeRules } from './ipv6.ts';
import { FORWARD_DROP_CHAIN, forwardRules, inputRules } from './rules.ts';

const W = '{ "wan1", "wan2" }';

/** A router with two WANs, a LAN, these forwards, and (unless `ipv6` is undefined) an `ipv6` section. */
function world(ipv6: Record<string, unknown> | undefined, forwards: unknown[] = []): WorldView {
  const base = worldFrom(
    {
      wans: [
        { name: 'isp1', device: 'wan1' },
        { name: 'isp2', device: 'wan2' },
      ],
      lan: [{ device: 'lan0' }],
      forwards,
      ...(ipv6 ? { ipv6 } : {}),
    },
    {
      links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2'), link('lan0', '10.0.0.1', 24)],
      defaults: [1, 2].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
    },
  );
  const wans: WanView[] = base.wans.map((w, i) => ({
    ...w,
    ipv6: {
      gateway: 'fe80::1',
      lanPrefix: `2001:db8:${i + 1}:100::/64`,
      state: 'online',
      reason: '',
      inService: true,
      routable: true,
    },
  }));
  return { ...base, config: { ...base.config, ...(ipv6 ? { ipv6 } : {}) } as MwanConfig, wans };
}
const fw = (w: WorldView) => w.config.firewall;
const PREFIXES = { mode: 'prefixes' };

describe('firewall plugin: IPv6', () => {
  it('without an ipv6 section IPv6 passes untouched, as before', () => {
    const w = world(undefined);
    assert.equal(inputRules(w, fw(w))[0], 'meta nfproto != ipv4 accept');
    assert.equal(forwardRules(w, fw(w))[0], 'meta nfproto != ipv4 accept');
    assert.ok(!inputRules(w, fw(w)).some((r) => r.includes('icmpv6')));
  });

  it('input: ND with hop limit 255, MLD from link-local and ICMPv6 errors before the invalid drop; echo limited; DHCPv6 replies', () => {
    const w = world(PREFIXES);
    const rules = inputRules(w, fw(w));
    assert.deepEqual(rules.slice(0, 6), [
      'meta nfproto != { ipv4, ipv6 } accept',
      'ct state established,related accept',
      ND_RULE,
      MLD_RULE,
      ERRORS_RULE,
      `iifname ${W} ct state invalid drop`,
    ]);
    assert.match(ND_RULE, /nd-neighbor-solicit.*nd-redirect \} ip6 hoplimit 255 accept$/);
    assert.match(ERRORS_RULE, /packet-too-big/);
    const echo = rules.indexOf(`iifname ${W} icmpv6 type echo-request limit rate 10/second accept`);
    const dhcp6 = rules.indexOf(`iifname ${W} ip6 saddr fe80::/10 udp sport 547 udp dport 546 accept`);
    assert.ok(echo > 5 && dhcp6 > echo && dhcp6 < rules.indexOf(`iifname ${W} tcp dport 22 accept`), rules.join('\n'));
    const noPing = inputRules(w, { ...fw(w), icmpRatePerSecond: 0 });
    assert.ok(!noPing.some((r) => r.includes('echo-request')));
  });

  it('forward: ICMPv6 errors pass, echo from the WANs is limited, and new WAN traffic is still dropped', () => {
    const w = world(PREFIXES);
    const rules = forwardRules(w, fw(w));
    assert.deepEqual(rules.slice(0, 6), [
      'meta nfproto != { ipv4, ipv6 } accept',
      'ct state established,related accept',
      ERRORS_RULE,
      `iifname ${W} ct state invalid drop`,
      'ct status dnat accept',
      `iifname ${W} icmpv6 type echo-request limit rate 10/second accept`,
    ]);
    assert.ok(!rules.some((r) => r.includes('nd-')), 'ND is never forwarded');
    assert.equal(rules.at(-1), `iifname ${W} jump ${FORWARD_DROP_CHAIN}`);
  });

  it("pinholes in prefixes mode: an identifier on each WAN at its prefix, a whole address on the forward's WANs", () => {
    const forwards = [
      { port: 8080, to: '10.0.0.5', to6: '::5' },
      { port: '9000-9001', proto: 'both', to: '10.0.0.6', to6: '2001:db8:2:100::6', wans: ['isp2'] },
      { port: 22, to: '10.0.0.7' },
    ];
    const w = world(PREFIXES, forwards);
    assert.deepEqual(pinholeRules(w), [
      'iifname { "wan1" } ip6 daddr 2001:db8:1:100::5 tcp dport 8080 accept',
      'iifname { "wan2" } ip6 daddr 2001:db8:2:100::5 tcp dport 8080 accept',
      'iifname { "wan2" } ip6 daddr 2001:db8:2:100::6 tcp dport 9000-9001 accept',
      'iifname { "wan2" } ip6 daddr 2001:db8:2:100::6 udp dport 9000-9001 accept',
    ]);
    const rules = forwardRules(w, fw(w));
    assert.ok(
      rules.indexOf(pinholeRules(w)[0]) < rules.indexOf(`iifname ${W} jump ${FORWARD_DROP_CHAIN}`),
      'pinholes come before the drop',
    );
    const npt = { ...w, config: { ...w.config, ipv6: { ...w.config.ipv6!, mode: 'npt' as const } } };
    assert.deepEqual(pinholeRules(npt), [], 'npt mode forwards by DNAT');
  });
});
