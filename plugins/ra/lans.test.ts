// Tests prefixes mode on several LANs: each LAN its own /64 of every WAN in RAs, deprecated on all when the WAN leaves service; the config checks name the field.
import assert from 'node:assert/strict';
import { parseConfig } from '../../cli/config.ts';
import type { MwanConfig, WanView, WorldView } from '../../plugin-api/index.ts';
import { RA_DEFAULTS } from '../../config/schema/ipv6-ra.ts';
import { link, worldFrom } from '../testing.ts';
import { radvdConf, raPlan } from './index.ts';

const BASE = worldFrom(
  {
    wans: [
      { name: 'isp1', device: 'wan1' },
      { name: 'isp2', device: 'wan2' },
    ],
    lan: [{ device: 'lan0' }, { device: 'guest0' }],
  },
  {
    links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2'), link('lan0', '10.0.0.1', 24)],
    defaults: [1, 2].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
  },
);
const TWO_LANS = {
  mode: 'prefixes',
  lan: [
    { device: 'lan0', prefix: 'fd00:1::/64', subnet: 0 },
    { device: 'guest0', prefix: 'fd00:2::/64', subnet: 1 },
  ],
  ra: RA_DEFAULTS,
};

function world(up: boolean[]): WorldView {
  const wans: WanView[] = BASE.wans.map((w, i) => ({
    ...w,
    ipv6: {
      gateway: 'fe80::1',
      delegated: `2001:db8:${i + 1}:100::/56`,
      lanPrefix: `2001:db8:${i + 1}:100::/64`,
      state: up[i] ? 'online' : 'offline',
      reason: 'test',
      inService: up[i],
      routable: true,
      rttMs: null,
      lossPct: null,
    },
  }));
  return { ...BASE, config: { ...BASE.config, ipv6: TWO_LANS } as unknown as MwanConfig, wans, active: wans };
}

describe('ra plugin: several LANs', () => {
  it('each LAN advertises its own /64 of every WAN; a WAN out of service is deprecated on every LAN', () => {
    const plan = raPlan(world([false, true]))!;
    const summary = plan.interfaces.map((i) => [i.device, i.prefixes.map((p) => `${p.prefix} ${p.preferredLifetime}`)]);
    assert.deepEqual(summary, [
      ['lan0', ['2001:db8:1:100::/64 0', '2001:db8:2:100::/64 14400']],
      ['guest0', ['2001:db8:1:101::/64 0', '2001:db8:2:101::/64 14400']],
    ]);
    const text = radvdConf(plan);
    assert.equal(text.match(/^interface /gm)?.length, 2);
    assert.match(text, /interface guest0 \{[\s\S]*prefix 2001:db8:1:101::\/64 \{[^}]*AdvPreferredLifetime 0;/);
  });
});

describe('ra plugin: configuration of several LANs', () => {
  const wans = (prefix = '2001:db8:1:100::/56', lanPrefix?: string) => [
    {
      name: 'isp1',
      device: 'wan1',
      address: '100.64.1.2/30',
      gateway: '100.64.1.1',
      ipv6: { prefix, ...(lanPrefix ? { lanPrefix } : {}) },
    },
  ];
  const lan = [
    { device: 'lan0', addresses: ['10.0.0.1/24'] },
    { device: 'guest0', addresses: ['10.1.0.1/24'] },
  ];
  const refused = (cfg: Record<string, unknown>): string[] => {
    try {
      parseConfig(cfg);
      return [];
    } catch (error) {
      return String((error as Error).message)
        .split('\n')
        .slice(1)
        .map((l) => l.split(':')[0]);
    }
  };
  const v6lans = (...subnets: (number | undefined)[]) =>
    subnets.map((subnet, j) => ({
      device: lan[j].device,
      prefix: `fd00:${j + 1}::/64`,
      ...(subnet === undefined ? {} : { subnet }),
    }));

  it('accepts distinct subnets that the delegated prefix holds, and one LAN without a subnet', () => {
    assert.deepEqual(refused({ wans: wans(), lan, ipv6: { mode: 'prefixes', lan: v6lans(0, 1) } }), []);
    assert.deepEqual(refused({ wans: wans(), lan, ipv6: { mode: 'prefixes', lan: v6lans(undefined, 1) } }), []);
    assert.deepEqual(refused({ wans: wans('auto'), lan, ipv6: { mode: 'prefixes', lan: v6lans(0, 255) } }), []);
  });

  it('refuses two LANs without ipv6.lan, two without a subnet, a subnet twice, one outside the prefix, naming the field', () => {
    assert.deepEqual(refused({ wans: wans(), lan, ipv6: { mode: 'prefixes' } }), ['lan']);
    assert.deepEqual(refused({ wans: wans(), lan, ipv6: { mode: 'prefixes', lan: v6lans(undefined, undefined) } }), [
      'ipv6.lan[1].subnet',
    ]);
    assert.deepEqual(refused({ wans: wans(), lan, ipv6: { mode: 'prefixes', lan: v6lans(3, 3) } }), [
      'ipv6.lan[1].subnet',
    ]);
    const outside = (() => {
      try {
        parseConfig({ wans: wans('2001:db8:1:100::/60'), lan, ipv6: { mode: 'prefixes', lan: v6lans(0, 16) } });
        return '';
      } catch (error) {
        return String((error as Error).message);
      }
    })();
    assert.match(outside, /ipv6\.lan\[1\]\.subnet: .*wans\[0\]\.ipv6\.prefix 2001:db8:1:100::\/60 holds 16 \/64s/);
    assert.deepEqual(
      refused({
        wans: wans(undefined, '2001:db8:1:101::/64'),
        lan,
        ipv6: { mode: 'prefixes', lan: v6lans(undefined, 1) },
      }),
      ['wans[0].ipv6.lanPrefix'],
    );
    // Past the schema's 65535 (and outside the /56 too): the same field, named.
    assert.deepEqual(
      new Set(refused({ wans: wans(), lan, ipv6: { mode: 'prefixes', lan: v6lans(0, 70000) } })),
      new Set(['ipv6.lan[1].subnet']),
    );
  });

  it('subnet belongs to prefixes mode', () => {
    assert.deepEqual(
      refused({
        wans: wans(),
        lan: [lan[0]],
        ipv6: { mode: 'npt', lan: [{ device: 'lan0', prefix: 'fd00:1::/64', subnet: 1 }] },
      }),
      ['ipv6.lan[0].subnet'],
    );
  });
});
