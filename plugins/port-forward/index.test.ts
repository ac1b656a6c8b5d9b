// Tests the port-forward plugin: DNAT per forward on its WANs whatever their state, hairpin DNAT and masquerade, ports and ranges.
import assert from 'node:assert/strict';
import { EventBus } from '../../core/bus.ts';
import { parseConfig } from '../../cli/config.ts';
import { DesiredBuilder, type DesiredState } from '../../core/reconcile/desired.ts';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import type { WorldView } from '../../plugin-api/types.ts';
import { WanRegistry } from '../../core/wan/registry.ts';
import { buildWorld } from '../../core/world.ts';
import portForward, { DSTNAT, POSTROUTING_CHAIN, PREROUTING_CHAIN, SRCNAT } from './index.ts';
import { worldFrom } from '../testing.ts';
import { forwardRefusal, sortForwards } from './targets.ts';
import { link } from '../../test/kit/link.ts';

function net(o: { down?: string[]; noAddress?: string[] } = {}): ObservedNetwork {
  return {
    links: [1, 2, 3]
      .map((i) =>
        link(`wan${i}`, o.noAddress?.includes(`wan${i}`) ? null : `100.64.${i}.2`, 30, {
          carrier: !o.down?.includes(`wan${i}`),
        }),
      )
      .concat(link('lan0', '10.0.0.1', 24), link('lan1', '10.1.0.1', 24)),
    defaults: [1, 2, 3].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
  };
}

const WANS = [1, 2, 3].map((i) => ({ name: `isp${i}`, device: `wan${i}` }));
const LAN = [{ device: 'lan0' }];

function worldOf(extra: Record<string, unknown>, network = net()): WorldView {
  return worldFrom({ wans: WANS, lan: LAN, ...extra }, network);
}

function contribution(world: WorldView): DesiredState {
  const d = new DesiredBuilder().as('port-forward');
  portForward.contribute!(d, world);
  return d.state;
}

const chain = (s: DesiredState, name: string) => s.nft.chains.find((c) => c.name === name);
const ALL_WANS = '{ "wan1", "wan2", "wan3" }';
const WAN_ADDRS = '{ 100.64.1.2, 100.64.2.2, 100.64.3.2 }';

describe('port-forward plugin', () => {
  it('without forwards contributes nothing', () => {
    const s = contribution(worldOf({}));
    assert.deepEqual(s.nft.chains, []);
    assert.deepEqual(s.sysctls, []);
  });

  it('DNATs a forwarded port arriving on every WAN for the router itself, in a nat prerouting chain at dstnat', () => {
    const s = contribution(worldOf({ forwards: [{ port: 80, to: '10.0.0.5' }] }));
    const pre = chain(s, PREROUTING_CHAIN)!;
    assert.deepEqual(pre.base, { type: 'nat', hook: 'prerouting', priority: DSTNAT });
    assert.equal(pre.rules[0], `iifname ${ALL_WANS} fib daddr type local tcp dport 80 dnat ip to 10.0.0.5`);
  });

  it('hairpin: LAN clients connecting to a WAN address are DNATed too, and masqueraded LAN to LAN', () => {
    const s = contribution(worldOf({ forwards: [{ port: 443, to: '10.0.0.5:8443' }] }));
    assert.equal(
      chain(s, PREROUTING_CHAIN)!.rules[1],
      `iifname { "lan0" } ip daddr ${WAN_ADDRS} tcp dport 443 dnat ip to 10.0.0.5:8443`,
    );
    const post = chain(s, POSTROUTING_CHAIN)!;
    assert.deepEqual(post.base, { type: 'nat', hook: 'postrouting', priority: SRCNAT });
    assert.deepEqual(post.rules, [
      `iifname { "lan0" } oifname { "lan0" } ct status dnat ct original ip daddr ${WAN_ADDRS} masquerade`,
    ]);
  });

  it('limits a forward to its chosen WANs, for DNAT and hairpin alike', () => {
    const s = contribution(worldOf({ forwards: [{ port: 22, to: '10.0.0.9', wans: ['isp3', 'isp1'] }] }));
    assert.deepEqual(chain(s, PREROUTING_CHAIN)!.rules, [
      'iifname { "wan1", "wan3" } fib daddr type local tcp dport 22 dnat ip to 10.0.0.9',
      'iifname { "lan0" } ip daddr { 100.64.1.2, 100.64.3.2 } tcp dport 22 dnat ip to 10.0.0.9',
    ]);
    assert.match(
      chain(s, POSTROUTING_CHAIN)!.rules[0],
      /ct original ip daddr \{ 100\.64\.1\.2, 100\.64\.3\.2 \} masquerade$/,
    );
  });

  it('keeps forwarding on a WAN that is out of service (carrier lost or taken down): forwards follow the link, not the balancing', () => {
    const world = worldOf({ forwards: [{ port: 80, to: '10.0.0.5' }] }, net({ down: ['wan2'] }));
    assert.equal(world.wans[1].inService, false);
    const rules = chain(contribution(world), PREROUTING_CHAIN)!.rules;
    assert.equal(rules[0], `iifname ${ALL_WANS} fib daddr type local tcp dport 80 dnat ip to 10.0.0.5`);
    assert.ok(rules[1].includes(WAN_ADDRS));
  });

  it('a WAN without an address still DNATs by device; only the hairpin needs the address', () => {
    const s = contribution(worldOf({ forwards: [{ port: 80, to: '10.0.0.5' }] }, net({ noAddress: ['wan2'] })));
    assert.deepEqual(chain(s, PREROUTING_CHAIN)!.rules, [
      `iifname ${ALL_WANS} fib daddr type local tcp dport 80 dnat ip to 10.0.0.5`,
      'iifname { "lan0" } ip daddr { 100.64.1.2, 100.64.3.2 } tcp dport 80 dnat ip to 10.0.0.5',
    ]);
  });

  it('proto both gives one rule per protocol; a range keeps its ports', () => {
    const rules = chain(
      contribution(worldOf({ forwards: [{ port: '6000-6010', proto: 'both', to: '10.0.0.7', wans: ['isp1'] }] })),
      PREROUTING_CHAIN,
    )!.rules;
    assert.deepEqual(rules, [
      'iifname { "wan1" } fib daddr type local tcp dport 6000-6010 dnat ip to 10.0.0.7',
      'iifname { "lan0" } ip daddr { 100.64.1.2 } tcp dport 6000-6010 dnat ip to 10.0.0.7',
      'iifname { "wan1" } fib daddr type local udp dport 6000-6010 dnat ip to 10.0.0.7',
      'iifname { "lan0" } ip daddr { 100.64.1.2 } udp dport 6000-6010 dnat ip to 10.0.0.7',
    ]);
  });

  it('without a LAN there is no hairpin, only the WAN DNAT (to a host outside any LAN, allowed explicitly)', () => {
    const loaded = parseConfig({
      wans: WANS,
      forwards: [{ port: 80, proto: 'udp', to: '192.168.5.5', allowOutsideLan: true }],
    });
    const registry = new WanRegistry(loaded.config, loaded.layout, new EventBus());
    registry.observe(net());
    const s = contribution(buildWorld(loaded, registry.wans, net().links));
    assert.deepEqual(chain(s, PREROUTING_CHAIN)!.rules, [
      `iifname ${ALL_WANS} fib daddr type local udp dport 80 dnat ip to 192.168.5.5`,
    ]);
    assert.equal(chain(s, POSTROUTING_CHAIN), undefined);
  });

  it('hairpin covers every LAN device', () => {
    const s = contribution(
      worldOf({
        lan: [{ device: 'lan0' }, { device: 'lan1' }],
        forwards: [{ port: 80, to: '10.0.0.5', wans: ['isp2'] }],
      }),
    );
    assert.equal(
      chain(s, PREROUTING_CHAIN)!.rules[1],
      'iifname { "lan0", "lan1" } ip daddr { 100.64.2.2 } tcp dport 80 dnat ip to 10.0.0.5',
    );
    assert.equal(
      chain(s, POSTROUTING_CHAIN)!.rules[0],
      'iifname { "lan0", "lan1" } oifname { "lan0", "lan1" } ct status dnat ct original ip daddr { 100.64.2.2 } masquerade',
    );
  });

  it('renders only forwards whose target is a LAN host now: not outside the LAN networks, not the router, not a broadcast', () => {
    const world = worldOf({
      lan: [{ device: 'lan0' }, { device: 'lan1' }],
      forwards: [
        { port: 80, to: '10.0.0.5' },
        { port: 81, to: '10.9.9.9' },
        { port: 82, to: '10.0.0.1' },
        { port: 83, to: '10.1.0.255' },
        { port: 84, to: '100.64.2.2', allowOutsideLan: true },
        { port: 85, to: '192.0.2.7', allowOutsideLan: true },
      ],
    });
    const rules = chain(contribution(world), PREROUTING_CHAIN)!.rules.filter((r) => r.startsWith('iifname { "wan1"'));
    assert.deepEqual(
      rules.map((r) => r.replace(/.* dnat ip to /, '')),
      ['10.0.0.5', '192.0.2.7'],
    );
    const { refused } = sortForwards(world);
    assert.deepEqual(
      refused.map((r) => r.index),
      [1, 2, 3, 4],
    );
    assert.match(refused[0].reason, /outside every LAN network \(10\.0\.0\.0\/24, 10\.1\.0\.0\/24\)/);
    assert.match(refused[1].reason, /address of the router itself/);
    assert.match(refused[2].reason, /broadcast address of 10\.1\.0\.0\/24/);
    assert.match(refused[3].reason, /address of the router itself/);
  });

  it('forwards nothing to a LAN whose device has no address yet (its network is unknown)', () => {
    const network = net();
    network.links = network.links.map((l) => (l.name === 'lan0' ? { ...l, addresses: [] } : l));
    const world = worldOf({ forwards: [{ port: 80, to: '10.0.0.5' }] }, network);
    assert.deepEqual(chain(contribution(world), PREROUTING_CHAIN)!.rules, []);
    assert.match(
      forwardRefusal(world.config.forwards[0], world)!,
      /no LAN network is known yet \(no IPv4 address on lan0\)/,
    );
  });

  it('declares the marker as a dependency: replies follow the connection mark it sets on inbound connections', () => {
    assert.deepEqual(portForward.dependencies, ['marker']);
  });
});

describe('port-forward: the IPv6 host (to6) in prefixes mode', () => {
  /** The messages the configuration gives for forwards[0].to6 in prefixes mode ([] when it loads). */
  const problems = (to6: string): string[] => {
    try {
      parseConfig({
        wans: [{ name: 'isp1', device: 'wan1', address: '100.64.1.2/30', gateway: '100.64.1.1' }],
        lan: [{ device: 'lan0', addresses: ['10.0.0.1/24'] }],
        ipv6: { mode: 'prefixes' },
        forwards: [{ port: 80, to: '10.0.0.5', to6 }],
      });
      return [];
    } catch (error) {
      return String((error as Error).message)
        .split('\n')
        .slice(1)
        .filter((l) => l.startsWith('forwards[0].to6'));
    }
  };
  it('accepts global and ULA addresses and interface identifiers', () => {
    for (const ok of ['2001:db8:1:100::5', 'fd00:77::5', '::5', '::1:2:3:4']) assert.deepEqual(problems(ok), [], ok);
  });
  it('refuses multicast, link-local, the unspecified address, ports and non-IPv6, naming the field and why', () => {
    for (const [bad, why] of [
      ['ff02::1', /multicast/],
      ['fe80::5', /link-local/],
      ['::', /unspecified|not an IPv6/],
      ['10.0.0.5', /not an IPv6/],
      ['[2001:db8::5]:8080', /not an IPv6/],
    ] as const) {
      const p = problems(bad);
      assert.equal(p.length, 1, `${bad}: ${p}`);
      assert.match(p[0], why, bad);
    }
  });
});
