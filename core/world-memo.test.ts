// Tests the world view memo: one view while nothing changed, a new one after any change a WAN's view depends on.
import assert from 'node:assert/strict';
import { EventBus } from './bus.ts';
import { parseConfig } from '../config/schema/parse.ts';
import { WanRegistry } from './wan/registry.ts';
import { buildWorld } from './world.ts';
import { WorldMemo, worldInputs } from './world-memo.ts';

describe('WorldMemo', () => {
  const loaded = parseConfig({
    wans: [
      { name: 'isp1', device: 'wan1' },
      { name: 'isp2', device: 'wan2' },
    ],
  });
  const links = [1, 2].map((i) => ({
    name: `wan${i}`,
    adminUp: true,
    carrier: true,
    pointToPoint: false,
    addresses: [{ address: `100.64.${i}.2`, prefixLength: 30 }],
  }));
  const defaults = [1, 2].map((i) => ({ dev: `wan${i}`, via: `100.64.${i}.1`, table: 254 }));

  function setup() {
    const registry = new WanRegistry(loaded.config, loaded.layout, new EventBus());
    registry.observe({ links, defaults });
    const memo = new WorldMemo();
    let builds = 0;
    let weights = {};
    const world = () =>
      memo.get(worldInputs(registry.wans, links, weights), () => {
        builds++;
        return buildWorld(loaded, registry.wans, links, weights);
      });
    return { registry, world, builds: () => builds, setWeights: (w: object) => (weights = w) };
  }

  it('builds once while nothing changed, and the shared view cannot be changed by a caller', () => {
    const { world, builds } = setup();
    const first = world();
    assert.equal(world(), first);
    assert.equal(builds(), 1);
    assert.throws(() => first.wans.push(first.wans[0]), TypeError);
    assert.throws(() => {
      (first.wans[0] as { inService: boolean }).inService = false;
    }, TypeError);
  });

  it('builds again after a health verdict, a link change or new run-time weights', () => {
    const { registry, world, builds, setWeights } = setup();
    const before = world();
    registry.setHealth('isp1', { health: 'offline', reason: '2 rounds lost' });
    const afterHealth = world();
    assert.notEqual(afterHealth, before);
    assert.deepEqual(
      afterHealth.wans.map((w) => [w.name, w.inService]),
      [
        ['isp1', false],
        ['isp2', true],
      ],
    );
    assert.deepEqual(
      afterHealth.active.map((w) => w.name),
      ['isp2'],
    );
    registry.observe({ links: [{ ...links[0], carrier: false }, links[1]], defaults });
    const afterLink = world();
    assert.notEqual(afterLink, afterHealth);
    assert.equal(afterLink.wans[0].state, 'link-down');
    setWeights({ p: { weights: { isp2: 3 }, reason: 'test' } });
    assert.deepEqual(Object.keys(world().runtimeWeights), ['p']);
    assert.equal(builds(), 4);
  });

  it('builds again after new probe figures (same verdict)', () => {
    const { registry, world } = setup();
    registry.setHealth('isp2', { health: 'online', reason: 'answering', rttMs: 5, lossPct: 0 });
    const one = world();
    registry.setHealth('isp2', { health: 'online', reason: 'answering', rttMs: 9, lossPct: 0 });
    assert.equal(world().wans[1].rttMs, 9);
    assert.notEqual(world(), one);
  });
});
