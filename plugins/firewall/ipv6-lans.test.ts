// Tests pinholes in prefixes mode with several LANs: an interface identifier opens on the /64 of the host's own LAN (found by its IPv4 `to`).
import assert from 'node:assert/strict';
import type { MwanConfig, WanView, WorldView } from '../../plugin-api/index.ts';
import { link, worldFrom } from '../testing.ts';
import { pinholeRules } from './ipv6.ts';

function world(forwards: unknown[]): WorldView {
  const ipv6 = {
    mode: 'prefixes',
    lan: [
      { device: 'lan0', prefix: 'fd00:1::/64', subnet: 0 },
      { device: 'guest0', prefix: 'fd00:2::/64', subnet: 1 },
    ],
  };
  const base = worldFrom(
    {
      wans: [
        { name: 'isp1', device: 'wan1' },
        { name: 'isp2', device: 'wan2' },
      ],
      lan: [{ device: 'lan0' }, { device: 'guest0' }],
      forwards,
      ipv6,
    },
    {
      links: [
        link('wan1', '100.64.1.2'),
        link('wan2', '100.64.2.2'),
        link('lan0', '10.0.0.1', 24),
        link('guest0', '10.1.0.1', 24),
      ],
      defaults: [1, 2].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
    },
  );
  const wans: WanView[] = base.wans.map((w, i) => ({
    ...w,
    ipv6: {
      gateway: 'fe80::1',
      delegated: `2001:db8:${i + 1}:100::/56`,
      lanPrefix: `2001:db8:${i + 1}:100::/64`,
      state: 'online',
      reason: '',
      inService: true,
      routable: true,
      rttMs: null,
      lossPct: null,
    },
  }));
  return { ...base, config: base.config as MwanConfig, wans };
}

describe('firewall plugin: pinholes on several LANs (prefixes mode)', () => {
  it("an identifier opens at each WAN's /64 of the LAN that holds the forward's IPv4 host; else the first LAN's", () => {
    const w = world([
      { port: 8080, to: '10.1.0.5', to6: '::5' },
      { port: 8443, to6: '::7' },
      { port: 9000, to: '10.0.0.9', to6: '2001:db8:2:101::9', wans: ['isp2'] },
    ]);
    assert.deepEqual(pinholeRules(w), [
      'iifname { "wan1" } ip6 daddr 2001:db8:1:101::5 tcp dport 8080 accept',
      'iifname { "wan2" } ip6 daddr 2001:db8:2:101::5 tcp dport 8080 accept',
      'iifname { "wan1" } ip6 daddr 2001:db8:1:100::7 tcp dport 8443 accept',
      'iifname { "wan2" } ip6 daddr 2001:db8:2:100::7 tcp dport 8443 accept',
      'iifname { "wan2" } ip6 daddr 2001:db8:2:101::9 tcp dport 9000 accept',
    ]);
  });
});
