// Tests the world view's active WANs: the mode's choice (balanced, failover) without a selecting plugin, and a plugin's selectActive.
import assert from 'node:assert/strict';
import { EventBus } from './bus.ts';
import { parseConfig } from '../config/schema/parse.ts';
import type { MwanPlugin } from '../plugin-api/types.ts';
import { WanRegistry } from './wan/registry.ts';
import { activeWans, buildWorld } from './world.ts';

interface Selectable {
  name: string;
  inService: boolean;
  weight: number;
  tier: number;
}
const w = (name: string, inService: boolean, tier = 1, weight = 1): Selectable => ({ name, inService, tier, weight });
const names = (ws: Selectable[]) => ws.map((x) => x.name);

describe('activeWans', () => {
  const wans = [w('a', true, 2), w('b', false, 1), w('c', true, 1), w('d', true, 3), w('e', true, 1)];

  it('balanced: every WAN in service, in config order, whatever its tier', () => {
    assert.deepEqual(names(activeWans('balanced', wans)), ['a', 'c', 'd', 'e']);
  });

  it('failover: only the lowest tier that has a WAN in service', () => {
    assert.deepEqual(names(activeWans('failover', wans)), ['c', 'e']);
  });

  it('failover: tier 2 takes over when tier 1 is out of service', () => {
    const t1Down = wans.map((x) => (x.tier === 1 ? { ...x, inService: false } : x));
    assert.deepEqual(names(activeWans('failover', t1Down)), ['a']);
  });

  it('failover: back to tier 1 when one of its WANs returns', () => {
    const back = wans.map((x) => (x.tier === 1 ? { ...x, inService: x.name === 'b' } : x));
    assert.deepEqual(names(activeWans('failover', back)), ['b']);
  });

  it('none when nothing is in service, in either mode', () => {
    const down = wans.map((x) => ({ ...x, inService: false }));
    assert.deepEqual(activeWans('balanced', down), []);
    assert.deepEqual(activeWans('failover', down), []);
  });
});

describe('buildWorld: the active WANs', () => {
  const loaded = parseConfig({
    wans: [
      { name: 'isp1', device: 'wan1' },
      { name: 'isp2', device: 'wan2', tier: 2 },
    ],
    mode: 'failover',
  });
  const registry = new WanRegistry(loaded.config, loaded.layout, new EventBus());
  const links = [1, 2].map((i) => ({
    name: `wan${i}`,
    adminUp: true,
    carrier: true,
    pointToPoint: false,
    addresses: [{ address: `100.64.${i}.2`, prefixLength: 30 }],
  }));
  registry.observe({ links, defaults: [1, 2].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 })) });

  it('without a selecting plugin: the mode decides (failover: the lowest tier in service)', () => {
    assert.deepEqual(
      buildWorld(loaded, registry.wans, links).active.map((w) => w.name),
      ['isp1'],
    );
  });

  it('the first plugin that declares selectActive decides, from the rest of the view; run-time weights are in the view', () => {
    let saw: string[] = [];
    const last: MwanPlugin = {
      name: 'last',
      selectActive: (world) => {
        saw = world.wans.map((w) => w.name);
        return world.wans.slice(-1);
      },
    };
    const other: MwanPlugin = { name: 'other', selectActive: () => [] };
    const weights = { p: { weights: { isp2: 1 }, reason: 'test' } };
    const world = buildWorld(loaded, registry.wans, links, weights, [{ name: 'none' }, last, other]);
    assert.deepEqual(
      world.active.map((w) => w.name),
      ['isp2'],
    );
    assert.deepEqual(saw, ['isp1', 'isp2']);
    assert.deepEqual(world.runtimeWeights, weights);
  });
});
