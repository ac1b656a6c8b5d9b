// The pair's configuration hash: equal files match, a weight changes it (naming the section), node-local fields do not.
import assert from 'node:assert/strict';
import { worldFrom, link } from '../testing.ts';
import { canonical, configHashes, differingSections } from './config-hash.ts';

const cfg = (weight = 1, priority = 150, stateDir = '/run/mwan') => ({
  stateDir,
  lan: [{ device: 'lan0' }],
  wans: [
    { name: 'isp1', device: 'wan1', gateway: '100.64.1.1', weight },
    { name: 'isp2', device: 'wan2', gateway: '100.64.2.1' },
  ],
  ha: {
    nodes: [
      { name: 'r1', priority, syncAddress: '10.99.0.1' },
      { name: 'r2', priority: 100, syncAddress: '10.99.0.2' },
    ],
    syncDevice: 'sync0',
    lan: { lan0: '10.77.0.1' },
    wans: { isp1: '100.64.1.10', isp2: '100.64.2.10' },
  },
});
const network = {
  links: [link('lan0', '10.77.0.2', 24), link('wan1', '100.64.1.2', 24), link('wan2', '100.64.2.2', 24)],
  defaults: [],
};
const hashOf = (c: ReturnType<typeof cfg>) => configHashes(worldFrom(c, network).config);

describe('ha config hash', () => {
  it('is the same for the same file, whatever the order of keys', () => {
    assert.equal(canonical({ b: 1, a: [1, { d: 2, c: 3 }] }), canonical({ a: [1, { c: 3, d: 2 }], b: 1 }));
    assert.deepEqual(hashOf(cfg()), hashOf(cfg()));
    assert.match(hashOf(cfg()).all, /^[0-9a-f]{8}$/);
  });

  it('changes with a WAN weight, naming the wans section only', () => {
    const a = hashOf(cfg(1));
    const b = hashOf(cfg(2));
    assert.notEqual(a.all, b.all);
    assert.deepEqual(differingSections(a.sections, b.sections), ['wans']);
  });

  it('leaves out what may differ per node: priorities, the state directory', () => {
    assert.equal(hashOf(cfg(1, 150)).all, hashOf(cfg(1, 200, '/var/lib/other')).all);
    assert.equal(hashOf(cfg()).sections.stateDir, undefined);
    assert.ok(hashOf(cfg()).sections.ha, 'the ha section is compared');
  });

  it('counts a section present on one side only as differing', () => {
    assert.deepEqual(differingSections({ a: '1', b: '2' }, { a: '1' }), ['b']);
  });
});
