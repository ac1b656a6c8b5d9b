// Tests the world view's default choice without a selecting plugin: which WANs are active in balanced and failover mode.
import assert from 'node:assert/strict';
import { activeWans } from './world.ts';

interface Selectable { name: string; inService: boolean; weight: number; tier: number }
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
