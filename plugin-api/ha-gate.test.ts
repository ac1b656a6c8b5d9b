// pairGate: a single router always speaks; a node of a pair only while master.
import assert from 'node:assert/strict';
import { EventBus } from '../core/bus.ts';
import { pairGate } from './ha-gate.ts';

describe('pairGate', () => {
  it('speaks without an ha section', () => {
    assert.equal(pairGate({}, new EventBus(), 'mail').speaks(), true);
  });

  it('in a pair: silent until master, silent again as backup or fault, deaf after off()', () => {
    const bus = new EventBus();
    const gate = pairGate({ ha: {} as never }, bus, 'mail');
    const role = (r: 'master' | 'backup' | 'fault') =>
      bus.emit('ha.role', { node: 'r1', peer: 'r2', role: r, previous: null });
    assert.equal(gate.speaks(), false);
    role('master');
    assert.equal(gate.speaks(), true);
    role('fault');
    assert.equal(gate.speaks(), false);
    role('master');
    gate.off();
    role('backup');
    assert.equal(gate.speaks(), true);
  });
});
