// Tests forwards with only an IPv6 host (`to6`, no `to`): DNAT alone in npt mode, a pinhole alone in prefixes mode, validation naming the field, UPnP's reserved ports.
import assert from 'node:assert/strict';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import { MwanError } from '../../core/errors.ts';
import { parseConfig } from '../../cli/config.ts';
import { contributionOf, link, worldFrom } from '../testing.ts';
import portForward from './index.ts';
import { pinholeRules } from '../firewall/ipv6.ts';
import { reservedPortRanges } from '../upnp/validate.ts';

const network: ObservedNetwork = {
  links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2'), link('lan0', '10.0.0.1', 24)],
  defaults: [1, 2].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
};
const v6 = (i: number) => ({
  address: `2001:db8:${i}::2/64`,
  gateway: `2001:db8:${i}::1`,
  prefix: `2001:db8:${i}:100::/56`,
});
const config = (forwards: unknown[], mode: 'npt' | 'prefixes' = 'npt') => ({
  wans: [
    { name: 'isp1', device: 'wan1', ipv6: v6(1) },
    { name: 'isp2', device: 'wan2', ipv6: v6(2) },
  ],
  lan: [{ device: 'lan0' }],
  ipv6: mode === 'npt' ? { mode, lan: [{ device: 'lan0', prefix: 'fd00:77::/64' }] } : { mode },
  forwards,
});
const rulesOf = (forwards: unknown[], mode: 'npt' | 'prefixes' = 'npt') =>
  contributionOf(portForward, worldFrom(config(forwards, mode), network)).nft.chains;

function problem(forwards: unknown[], mode: 'npt' | 'prefixes' = 'npt'): string {
  try {
    parseConfig(config(forwards, mode));
  } catch (e) {
    assert.ok(e instanceof MwanError, String(e));
    return e.message;
  }
  return '';
}

describe('IPv6-only forwards (to6 without to)', () => {
  it('npt: the IPv6 DNAT rule alone, no IPv4 rule and no hairpin', () => {
    const chains = rulesOf([{ port: 8443, to6: '[fd00:77::5]:443' }]);
    assert.deepEqual(chains.find((c) => c.name === 'forward_prerouting')!.rules, [
      'meta nfproto ipv6 iifname { "wan1", "wan2" } fib daddr type local tcp dport 8443 dnat ip6 to [fd00:77::5]:443',
    ]);
    assert.equal(
      chains.find((c) => c.name === 'forward_postrouting'),
      undefined,
    );
  });

  it('npt: beside an IPv4 forward, each keeps its own rules (the IPv4 one its hairpin)', () => {
    const chains = rulesOf([
      { port: 8443, to6: '[fd00:77::5]:443', wans: ['isp2'] },
      { port: 8080, to: '10.0.0.5:80' },
    ]);
    const rules = chains.find((c) => c.name === 'forward_prerouting')!.rules;
    assert.equal(rules.filter((r) => r.includes('8443')).length, 1);
    assert.match(rules.find((r) => r.includes('8443'))!, /iifname \{ "wan2" \}.*dnat ip6 to/);
    assert.equal(rules.filter((r) => r.includes('8080')).length, 2);
    assert.equal(chains.find((c) => c.name === 'forward_postrouting')!.rules.length, 1);
  });

  it('prefixes: no translation, the firewall opens the pinhole on each WAN at its lanPrefix', () => {
    const forwards = [{ port: 22, to6: '::5' }];
    assert.deepEqual(rulesOf(forwards, 'prefixes').find((c) => c.name === 'forward_prerouting')!.rules, []);
    const world = worldFrom(config(forwards, 'prefixes'), network);
    const wans = world.wans.map((w, i) => ({ ...w, ipv6: { ...w.ipv6!, lanPrefix: `2001:db8:${i + 1}:100::/64` } }));
    assert.deepEqual(pinholeRules({ ...world, wans }), [
      'iifname { "wan1" } ip6 daddr 2001:db8:1:100::5 tcp dport 22 accept',
      'iifname { "wan2" } ip6 daddr 2001:db8:2:100::5 tcp dport 22 accept',
    ]);
  });

  it('refuses a forward with neither to nor to6, and a port range with a to6 port, naming the field', () => {
    assert.match(problem([{ port: 8443 }]), /forwards\[0\]\.to: .*to \(IPv4\), to6 \(IPv6\), or both/);
    assert.match(
      problem([{ port: '8000-8010', to6: '[fd00:77::5]:80' }]),
      /forwards\[0\]\.to6: .*port range keeps its ports/,
    );
    assert.match(problem([{ port: 8443, to6: '2001:db8:99::5' }]), /forwards\[0\]\.to6: .*in no ipv6\.lan prefix/);
    assert.equal(problem([{ port: '8000-8010', to6: 'fd00:77::5' }]), '');
    // Ports overlap across forwards whatever their family.
    assert.match(
      problem([
        { port: 8443, to6: 'fd00:77::5' },
        { port: 8443, to: '10.0.0.5' },
      ]),
      /forwards\[1\]\.port: .*tcp port overlaps forwards\[0\]/,
    );
  });

  it("UPnP keeps an IPv6-only forward's ports from clients, as any static forward's", () => {
    const { config: cfg } = parseConfig(config([{ port: 8443, to6: 'fd00:77::5' }]));
    assert.deepEqual(reservedPortRanges(cfg, ['isp1']), [{ from: 8443, to: 8443, index: 0 }]);
  });
});
