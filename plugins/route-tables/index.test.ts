// Tests the route-tables plugin: a table per WAN with connected and default routes, fwmark and source rules, onlink and point-to-point.
import assert from 'node:assert/strict';
import { DesiredBuilder, type DesiredState, type RouteSpec } from '../../core/reconcile/desired.ts';
import type { ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import type { WorldView } from '../../plugin-api/types.ts';
import routeTables from './index.ts';
import { worldFrom } from '../testing.ts';
import { link } from '../../test/kit/link.ts';

/** A world built the way the engine builds it: config → registry (WanRuntime) → buildWorld. */
function worldOf(wans: Record<string, unknown>[], network: ObservedNetwork): WorldView {
  return worldFrom({ wans }, network);
}

function contribution(world: WorldView): DesiredState {
  const d = new DesiredBuilder().as('route-tables');
  routeTables.contribute!(d, world);
  return d.state;
}

const strip = <T extends { owner?: string }>(x: T) => {
  const { owner, ...rest } = x;
  return rest;
};
const routesOf = (s: DesiredState, table: number): Omit<RouteSpec, 'owner'>[] =>
  s.routes.filter((r) => r.table === table).map(strip);

describe('route-tables plugin', () => {
  it('gives each WAN a table with its connected route and default via the gateway', () => {
    const world = worldOf(
      [
        { name: 'isp1', device: 'wan1' },
        { name: 'isp2', device: 'wan2', gateway: '100.64.2.1' },
      ],
      {
        links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2')],
        defaults: [{ dev: 'wan1', via: '100.64.1.1', table: 254 }],
      },
    );
    const s = contribution(world);
    const [w1, w2] = world.wans;
    assert.deepEqual(routesOf(s, w1.table), [
      { table: w1.table, dst: '100.64.1.0/30', dev: 'wan1', scope: 'link', src: '100.64.1.2' },
      { table: w1.table, dst: 'default', via: '100.64.1.1', dev: 'wan1', onlink: undefined },
    ]);
    assert.deepEqual(
      routesOf(s, w2.table).find((r) => r.dst === 'default'),
      { table: w2.table, dst: 'default', via: '100.64.2.1', dev: 'wan2', onlink: undefined },
    );
  });

  it('reaches each table by the WAN mark (within the mask) and by the WAN source address', () => {
    const world = worldOf([{ name: 'isp1', device: 'wan1' }], {
      links: [link('wan1', '100.64.1.2')],
      defaults: [{ dev: 'wan1', via: '100.64.1.1', table: 254 }],
    });
    const ids = world.layout.wans.get('isp1')!;
    assert.deepEqual(contribution(world).rules.map(strip), [
      { priority: ids.fwmarkPriority, fwmark: ids.mark, fwmask: world.layout.mask, table: ids.table },
      { priority: ids.fromPriority, from: '100.64.1.2', table: ids.table },
    ]);
  });

  it('marks the default route onlink when the gateway is outside the WAN network', () => {
    const world = worldOf([{ name: 'isp1', device: 'wan1', gateway: '100.64.9.1' }], {
      links: [link('wan1', '100.64.1.2')],
      defaults: [],
    });
    const def = routesOf(contribution(world), world.wans[0].table).find((r) => r.dst === 'default');
    assert.equal(def?.onlink, true);
    assert.equal(def?.via, '100.64.9.1');
  });

  it('does not mark onlink a gateway inside a wide WAN network', () => {
    const world = worldOf([{ name: 'isp1', device: 'wan1', gateway: '100.64.200.1' }], {
      links: [link('wan1', '100.64.1.2', 16)],
      defaults: [],
    });
    assert.equal(
      routesOf(contribution(world), world.wans[0].table).find((r) => r.dst === 'default')?.onlink,
      undefined,
    );
  });

  it('routes a point-to-point WAN by device, without via', () => {
    const world = worldOf([{ name: 'dsl', device: 'ppp0' }], {
      links: [link('ppp0', '10.0.0.5', 32, { pointToPoint: true })],
      defaults: [],
    });
    const table = world.wans[0].table;
    const def = routesOf(contribution(world), table).find((r) => r.dst === 'default');
    assert.deepEqual(def, { table, dst: 'default', dev: 'ppp0' });
  });

  it('adds no routes for a WAN that is not routable (device down) but keeps its rules', () => {
    const world = worldOf(
      [
        { name: 'isp1', device: 'wan1' },
        { name: 'isp2', device: 'wan2' },
      ],
      {
        links: [link('wan1', '100.64.1.2'), link('wan2', '100.64.2.2', 30, { adminUp: false })],
        defaults: [
          { dev: 'wan1', via: '100.64.1.1', table: 254 },
          { dev: 'wan2', via: '100.64.2.1', table: 254 },
        ],
      },
    );
    const s = contribution(world);
    const w2 = world.wans[1];
    assert.equal(w2.routable, false);
    assert.deepEqual(routesOf(s, w2.table), []);
    assert.ok(
      s.rules.some((r) => r.fwmark === w2.mark && r.table === w2.table),
      'fwmark rule stays',
    );
    assert.equal(routesOf(s, world.wans[0].table).length, 2);
  });

  it('adds no routes and no source rule for a missing device, but keeps the fwmark rule', () => {
    const world = worldOf([{ name: 'isp1', device: 'wan1' }], { links: [], defaults: [] });
    const s = contribution(world);
    assert.deepEqual(s.routes, []);
    assert.deepEqual(
      s.rules.map((r) => [r.fwmark, r.from]),
      [[world.wans[0].mark, undefined]],
    );
  });

  it('keeps the routes of a WAN that lost carrier (it is out of service but still routable)', () => {
    const world = worldOf([{ name: 'isp1', device: 'wan1' }], {
      links: [link('wan1', '100.64.1.2', 30, { carrier: false })],
      defaults: [{ dev: 'wan1', via: '100.64.1.1', table: 254 }],
    });
    assert.equal(world.wans[0].inService, false);
    assert.equal(routesOf(contribution(world), world.wans[0].table).length, 2);
  });

  it('adds only the connected route when no gateway is known', () => {
    const world = worldOf([{ name: 'isp1', device: 'wan1' }], { links: [link('wan1', '100.64.1.2')], defaults: [] });
    assert.deepEqual(
      routesOf(contribution(world), world.wans[0].table).map((r) => r.dst),
      ['100.64.1.0/30'],
    );
  });
});
