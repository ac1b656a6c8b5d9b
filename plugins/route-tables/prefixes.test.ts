// Tests source-address-dependent routing in ipv6.mode prefixes: a rule per WAN's delegated prefix, kept out of service, unreachable without a default.
import assert from 'node:assert/strict';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import routeTables from './index.ts';
import { contributionOf, link, worldFrom } from '../testing.ts';

const network = (wan2Up = true): ObservedNetwork => ({
  links: [
    link('wan1', '100.64.1.2'),
    link('wan2', '100.64.2.2', 30, { carrier: wan2Up }),
    link('lan0', '10.0.0.1', 24),
  ],
  defaults: [
    { dev: 'wan1', via: '100.64.1.1', table: 254 },
    { dev: 'wan2', via: '100.64.2.1', table: 254 },
  ],
});
const wan = (i: number) => ({
  name: `isp${i}`,
  device: `wan${i}`,
  ipv6: { address: `2001:db8:${i}::2/64`, gateway: 'fe80::1', prefix: `2001:db8:${i}:100::/56` },
});
const config = (mode: 'prefixes' | 'npt', wans = [wan(1), wan(2)]) => ({
  wans,
  lan: [{ device: 'lan0' }],
  ipv6: { mode },
});
const noOwner = <T extends { owner?: string }>({ owner, ...rest }: T) => rest;

describe('route-tables in ipv6.mode prefixes: source routing (BCP 38)', () => {
  it('adds `from <delegated prefix> lookup <WAN table>` for every WAN, before the WAN marks', () => {
    const world = worldFrom(config('prefixes'), network());
    const s = contributionOf(routeTables, world);
    const first = world.layout.pluginPriorities[0];
    const source = s.rules.filter((r) => r.priority === first).map(noOwner);
    assert.deepEqual(source, [
      { family: 'ipv6', priority: first, from: '2001:db8:1:100::/56', table: world.wans[0].table },
      { family: 'ipv6', priority: first, from: '2001:db8:2:100::/56', table: world.wans[1].table },
    ]);
    assert.ok(first < world.layout.wans.get('isp1')!.fwmarkPriority);
    assert.ok(!s.routes.some((r) => r.type === 'unreachable'), 'both WANs have their default');
  });

  it('keeps the rule when the WAN is out of service; without an IPv6 default its table answers unreachable', () => {
    const down = worldFrom(config('prefixes'), network(false));
    assert.equal(down.wans[1].inService, false);
    const s = contributionOf(routeTables, down);
    assert.ok(s.rules.some((r) => r.from === '2001:db8:2:100::/56' && r.table === down.wans[1].table));
    const t2 = s.routes.filter((r) => r.family === 'ipv6' && r.table === down.wans[1].table).map(noOwner);
    const unreachable = { family: 'ipv6', table: down.wans[1].table, type: 'unreachable', dst: 'default' };
    const hasDefault = t2.some((r) => r.dst === 'default' && r.via);
    assert.deepEqual(hasDefault ? [] : t2.filter((r) => r.type), hasDefault ? [] : [unreachable]);
    const noGateway = worldFrom(
      config('prefixes', [wan(1), { ...wan(2), ipv6: { ...wan(2).ipv6, gateway: 'auto' } }]),
      network(),
    );
    const s2 = contributionOf(routeTables, noGateway);
    assert.deepEqual(s2.routes.filter((r) => r.type === 'unreachable').map(noOwner), [
      { family: 'ipv6', table: noGateway.wans[1].table, type: 'unreachable', dst: 'default' },
    ]);
  });

  it('npt mode has no source rules (the marks route), and prefixes mode turns forwarding on with lan[] alone', () => {
    const npt = contributionOf(routeTables, worldFrom(config('npt'), network()));
    assert.ok(!npt.rules.some((r) => r.from?.endsWith('::/56')));
    const pfx = contributionOf(routeTables, worldFrom(config('prefixes'), network()));
    assert.ok(pfx.sysctls.some((s) => s.key === 'net/ipv6/conf/all/forwarding' && s.value === '1'));
  });
});

describe('snat in ipv6.mode prefixes', () => {
  it("IPv6 leaves untranslated: the IPv4 rules' masquerade never sees it", async () => {
    const snat = (await import('../snat/index.ts')).default;
    const s = contributionOf(snat, worldFrom(config('prefixes'), network()));
    const rules = s.nft.chains.flatMap((c) => c.rules);
    assert.equal(rules[0], 'meta nfproto ipv6 accept');
    assert.ok(rules.slice(1).every((r) => !r.includes('ip6')));
  });
});
