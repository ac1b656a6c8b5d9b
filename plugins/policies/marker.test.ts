// Tests the marker plugin: weighted numgen vmap, failover jump, inbound and router marks, LAN-only balancing and the local_nets set.
import assert from 'node:assert/strict';
import { hex } from '../../config/schema/validators.ts';
import type { DesiredState } from '../../core/reconcile/desired.ts';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import type { WorldView } from '../../plugin-api/types.ts';
import marker, { MANGLE, chainFor, counterFor, restoreChainFor } from './marker.ts';
import { contributionOf, link, worldFrom } from '../testing.ts';

function net(down: string[] = []): ObservedNetwork {
  return {
    links: [1, 2, 3]
      .map((i) => link(`wan${i}`, `100.64.${i}.2`, 30, { carrier: !down.includes(`wan${i}`) }))
      .concat(link('lan0', '192.168.1.1', 24)),
    defaults: [1, 2, 3].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
  };
}

/** A world built the way the engine builds it: config → registry (WanRuntime) → buildWorld. */
function worldOf(cfg: Record<string, unknown>, network: ObservedNetwork): WorldView {
  return worldFrom(cfg, network);
}

function contribution(world: WorldView): DesiredState {
  return contributionOf(marker, world);
}

const WANS = [
  { name: 'isp1', device: 'wan1', weight: 3 },
  { name: 'isp2', device: 'wan2', weight: 2 },
  { name: 'isp3', device: 'wan3', weight: 1 },
];
const LAN = [{ device: 'lan0' }];

const chain = (s: DesiredState, name: string) => s.nft.chains.find((c) => c.name === name);
const idOf = (world: WorldView, name: string) => world.wans.find((w) => w.name === name)!.id;
const restoreVmap = (world: WorldView) =>
  `ct mark & 0xff00 vmap { ${world.wans.map((w) => `${hex(w.mark)} : goto ${restoreChainFor(w.id)}`).join(', ')} }`;

describe('marker plugin', () => {
  it('3:2:1 weights split new LAN connections with an exact numgen inc mod 6 cycle', () => {
    const world = worldOf({ wans: WANS, lan: LAN }, net());
    const [a, b, c] = ['isp1', 'isp2', 'isp3'].map((n) => chainFor(idOf(world, n)));
    assert.deepEqual(chain(contribution(world), 'balance')?.rules, [
      `numgen inc mod 6 vmap { 0 : jump ${a}, 1 : jump ${b}, 2 : jump ${a}, 3 : jump ${c}, 4 : jump ${b}, 5 : jump ${a} }`,
    ]);
  });

  it('equal weights get one slot each', () => {
    const world = worldOf({ wans: WANS.map((w) => ({ ...w, weight: 1 })), lan: LAN }, net());
    const [a, b, c] = ['isp1', 'isp2', 'isp3'].map((n) => chainFor(idOf(world, n)));
    assert.deepEqual(chain(contribution(world), 'balance')?.rules, [
      `numgen inc mod 3 vmap { 0 : jump ${a}, 1 : jump ${b}, 2 : jump ${c} }`,
    ]);
  });

  it('a WAN out of service leaves the vmap', () => {
    const world = worldOf({ wans: WANS, lan: LAN }, net(['wan2']));
    const [a, c] = ['isp1', 'isp3'].map((n) => chainFor(idOf(world, n)));
    assert.deepEqual(chain(contribution(world), 'balance')?.rules, [
      `numgen inc mod 4 vmap { 0-1 : jump ${a}, 2 : jump ${c}, 3 : jump ${a} }`,
    ]);
  });

  it('failover sends every new connection to the tier-1 WAN, then to tier 2 when tier 1 is out', () => {
    const cfg = {
      mode: 'failover',
      lan: LAN,
      wans: [
        { name: 'main', device: 'wan1', tier: 1 },
        { name: 'backup', device: 'wan2', tier: 2 },
        { name: 'last', device: 'wan3', tier: 3 },
      ],
    };
    const up = worldOf(cfg, net());
    assert.deepEqual(chain(contribution(up), 'balance')?.rules, [`jump ${chainFor(idOf(up, 'main'))}`]);
    const t1Down = worldOf(cfg, net(['wan1']));
    assert.deepEqual(chain(contribution(t1Down), 'balance')?.rules, [`jump ${chainFor(idOf(t1Down, 'backup'))}`]);
  });

  it('failover balances between WANs of the same tier', () => {
    const cfg = {
      mode: 'failover',
      lan: LAN,
      wans: [
        { name: 'a', device: 'wan1', tier: 1 },
        { name: 'b', device: 'wan2', tier: 1 },
        { name: 'c', device: 'wan3', tier: 2 },
      ],
    };
    const world = worldOf(cfg, net());
    assert.match(chain(contribution(world), 'balance')!.rules[0], /^numgen inc mod 2 vmap/);
    assert.ok(!chain(contribution(world), 'balance')!.rules[0].includes(chainFor(idOf(world, 'c'))));
  });

  it('sends new LAN connections without a mark, not to local networks, to the balance chain', () => {
    const world = worldOf({ wans: WANS, lan: LAN }, net());
    const s = contribution(world);
    const lanRule = chain(s, 'mark_prerouting')!.rules.find((r) => r.includes('jump balance'));
    assert.ok(lanRule, 'LAN rule present');
    assert.match(lanRule, /iifname \{ "lan0" \}/);
    assert.match(lanRule, /ct state new/);
    assert.match(lanRule, /ct mark & 0xff00 == 0/);
    assert.match(lanRule, /ip daddr != @local_nets/);
    const set = s.nft.sets.find((x) => x.name === 'local_nets');
    assert.deepEqual(set?.elements, ['100.64.1.0/30', '100.64.2.0/30', '100.64.3.0/30', '192.168.1.0/24']);
    assert.ok(set?.flags?.includes('interval'));
  });

  it('local_nets leaves out a network inside another (an HA virtual gateway /32 on the LAN): an interval set refuses overlaps', () => {
    const n = net();
    n.links = n.links.map((l) =>
      l.name === 'lan0' ? { ...l, addresses: [...l.addresses, { address: '192.168.1.254', prefixLength: 32 }] } : l,
    );
    const set = contribution(worldOf({ wans: WANS, lan: LAN }, n)).nft.sets.find((x) => x.name === 'local_nets');
    assert.deepEqual(set?.elements, ['100.64.1.0/30', '100.64.2.0/30', '100.64.3.0/30', '192.168.1.0/24']);
  });

  it('without a LAN there is no balance chain, no LAN rule and no local_nets set', () => {
    const s = contribution(worldOf({ wans: WANS }, net()));
    assert.equal(chain(s, 'balance'), undefined);
    assert.ok(!chain(s, 'mark_prerouting')!.rules.some((r) => r.includes('balance')));
    assert.deepEqual(s.nft.sets, []);
  });

  it('with a LAN but no WAN in service there is no balance chain', () => {
    const s = contribution(worldOf({ wans: WANS, lan: LAN }, net(['wan1', 'wan2', 'wan3'])));
    assert.equal(chain(s, 'balance'), undefined);
    assert.ok(!chain(s, 'mark_prerouting')!.rules.some((r) => r.includes('jump balance')));
  });

  it('gives every WAN, in service or not, a chain that sets its mark within the mask and counts, and a counter', () => {
    const world = worldOf({ wans: WANS, lan: LAN }, net(['wan3']));
    const s = contribution(world);
    for (const w of world.wans) {
      const rules = chain(s, chainFor(w.id))?.rules;
      assert.deepEqual(rules, [`ct mark set ct mark & 0xffff00ff | ${hex(w.mark)} counter name "${counterFor(w.id)}"`]);
      assert.ok(s.nft.counters.includes(counterFor(w.id)));
    }
  });

  it('marks new inbound connections on each WAN with that WAN and restores the mark on every packet', () => {
    const world = worldOf({ wans: WANS, lan: LAN }, net());
    const rules = chain(contribution(world), 'mark_prerouting')!.rules;
    for (const w of world.wans)
      assert.ok(
        rules.includes(`iifname "${w.device}" ct state new ct mark set ct mark & 0xffff00ff | ${hex(w.mark)}`),
        w.name,
      );
    assert.equal(rules[rules.length - 1], restoreVmap(world));
  });

  it("restores only mwan's bits of the packet mark: per-WAN constants keep the host's bits (nft 1.0.6 has no mark | ct mark)", () => {
    const world = worldOf({ wans: WANS, lan: LAN }, net(['wan2']));
    const s = contribution(world);
    for (const w of world.wans)
      assert.deepEqual(
        chain(s, restoreChainFor(w.id))?.rules,
        [`meta mark set meta mark & 0xffff00ff | ${hex(w.mark)}`],
        w.name,
      );
    const all = s.nft.chains.flatMap((c) => c.rules);
    assert.ok(!all.some((r) => /meta mark set (ct mark|ip |numgen)/.test(r)), 'no rule writes the whole packet mark');
  });

  it("records the WAN of the router's own new connections in postrouting and restores it in output", () => {
    const world = worldOf({ wans: WANS }, net());
    const s = contribution(world);
    const post = chain(s, 'mark_postrouting')!;
    assert.deepEqual(post.base, { type: 'filter', hook: 'postrouting', priority: MANGLE });
    for (const w of world.wans)
      assert.ok(
        post.rules.some(
          (r) => r.startsWith(`oifname "${w.device}" ct state new ct mark & 0xff00 == 0 `) && r.endsWith(hex(w.mark)),
        ),
        w.name,
      );
    const out = chain(s, 'mark_output')!;
    assert.deepEqual(out.base, { type: 'route', hook: 'output', priority: MANGLE });
    assert.deepEqual(out.rules, [restoreVmap(world)]);
    assert.deepEqual(chain(s, 'mark_prerouting')!.base, { type: 'filter', hook: 'prerouting', priority: MANGLE });
  });

  it('uses the configured mark mask', () => {
    const world = worldOf({ wans: WANS, lan: LAN, kernel: { markMask: 0xf0 } }, net());
    const s = contribution(world);
    const w = world.wans[0];
    assert.equal(w.mark & ~0xf0, 0);
    assert.deepEqual(chain(s, chainFor(w.id))?.rules, [
      `ct mark set ct mark & 0xffffff0f | ${hex(w.mark)} counter name "${counterFor(w.id)}"`,
    ]);
    assert.ok(chain(s, 'mark_prerouting')!.rules.some((r) => r.includes('ct mark & 0xf0 == 0')));
  });
});
