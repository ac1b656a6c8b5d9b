// Tests the multipath-default plugin: suppress and balance rules, weighted nexthops over the active WANs, point-to-point paths.
import assert from 'node:assert/strict';
import { EventBus } from '../../core/bus.ts';
import { parseConfig } from '../../cli/config.ts';
import type { DesiredState } from '../../core/reconcile/desired.ts';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import type { WorldView } from '../../plugin-api/types.ts';
import { WanRegistry } from '../../core/wan/registry.ts';
import { buildWorld } from '../../core/world.ts';
import multipathDefault from './index.ts';
import { contributionOf, link, worldFrom } from '../testing.ts';

function net(down: string[] = []): ObservedNetwork {
  return {
    links: [
      ...[1, 2, 3].map((i) => link(`wan${i}`, `100.64.${i}.2`, 30, { carrier: !down.includes(`wan${i}`) })),
      link('ppp0', '10.0.0.5', 32, { pointToPoint: true, carrier: !down.includes('ppp0') }),
      link('lan0', '192.168.1.1', 24),
    ],
    defaults: [1, 2, 3].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })),
  };
}

/** A world built the way the engine builds it: config → registry (WanRuntime) → buildWorld. */
function worldOf(cfg: Record<string, unknown>, network: ObservedNetwork): WorldView {
  return worldFrom(cfg, network);
}

function contribution(world: WorldView): DesiredState {
  return contributionOf(multipathDefault, world);
}

const WANS = [
  { name: 'isp1', device: 'wan1', weight: 3 },
  { name: 'isp2', device: 'wan2', weight: 2 },
  { name: 'isp3', device: 'wan3', weight: 1 },
];

const nexthops = (s: DesiredState) => s.routes.map((r) => r.nexthops?.map((n) => [n.dev, n.via, n.weight]));

describe('multipath-default plugin', () => {
  it('depends on route-tables', () => {
    assert.deepEqual(multipathDefault.dependencies, ['route-tables']);
  });

  it('puts a weighted multipath default over every active WAN into the balance table', () => {
    const world = worldOf({ wans: WANS }, net());
    const s = contribution(world);
    assert.equal(s.routes.length, 1);
    assert.equal(s.routes[0].table, world.layout.balanceTable);
    assert.equal(s.routes[0].dst, 'default');
    assert.deepEqual(nexthops(s), [
      [
        ['wan1', '100.64.1.1', 3],
        ['wan2', '100.64.2.1', 2],
        ['wan3', '100.64.3.1', 1],
      ],
    ]);
  });

  it('looks up main first without its default (suppress_prefixlength 0), then the balance table', () => {
    const world = worldOf({ wans: WANS }, net());
    const rules = contribution(world).rules.map(({ owner, ...r }) => r);
    assert.deepEqual(rules, [
      { priority: world.layout.suppressPriority, table: 254, suppressPrefixLength: 0 },
      { priority: world.layout.balancePriority, table: world.layout.balanceTable },
    ]);
    assert.ok(world.layout.suppressPriority < world.layout.balancePriority);
  });

  it('drops a WAN that is out of service', () => {
    assert.deepEqual(nexthops(contribution(worldOf({ wans: WANS }, net(['wan2'])))), [
      [
        ['wan1', '100.64.1.1', 3],
        ['wan3', '100.64.3.1', 1],
      ],
    ]);
  });

  it('drops a WAN disabled by an administrator', () => {
    const loaded = parseConfig({ wans: WANS });
    const registry = new WanRegistry(loaded.config, loaded.layout, new EventBus(), ['isp1']);
    registry.observe(net());
    const s = contribution(buildWorld(loaded, registry.wans, net().links));
    assert.deepEqual(nexthops(s), [
      [
        ['wan2', '100.64.2.1', 2],
        ['wan3', '100.64.3.1', 1],
      ],
    ]);
  });

  it('in failover mode uses only the tier in charge', () => {
    const cfg = {
      mode: 'failover',
      wans: [
        { name: 'main', device: 'wan1', tier: 1 },
        { name: 'backup', device: 'wan2', tier: 2 },
      ],
    };
    assert.deepEqual(nexthops(contribution(worldOf(cfg, net()))), [[['wan1', '100.64.1.1', 1]]]);
    assert.deepEqual(nexthops(contribution(worldOf(cfg, net(['wan1'])))), [[['wan2', '100.64.2.1', 1]]]);
  });

  it('routes a point-to-point WAN by device, without a gateway', () => {
    const s = contribution(
      worldOf(
        {
          wans: [
            { name: 'isp1', device: 'wan1', weight: 2 },
            { name: 'dsl', device: 'ppp0' },
          ],
        },
        net(),
      ),
    );
    const hops = s.routes[0].nexthops!;
    assert.deepEqual(
      hops.map((n) => [n.dev, n.via, n.weight]),
      [
        ['wan1', '100.64.1.1', 2],
        ['ppp0', undefined, 1],
      ],
    );
  });

  it('adds no route when no WAN is in service, but keeps the rules', () => {
    const s = contribution(worldOf({ wans: WANS }, net(['wan1', 'wan2', 'wan3'])));
    assert.deepEqual(s.routes, []);
    assert.equal(s.rules.length, 2);
  });

  it('keeps nexthop weights within the kernel range 1-256 for a configured weight of 1000', () => {
    const s = contribution(
      worldOf(
        {
          wans: [
            { name: 'isp1', device: 'wan1', weight: 1000 },
            { name: 'isp2', device: 'wan2', weight: 1 },
          ],
        },
        net(),
      ),
    );
    for (const n of s.routes[0].nexthops!) assert.ok(n.weight! >= 1 && n.weight! <= 256, `weight ${n.weight}`);
  });
});
