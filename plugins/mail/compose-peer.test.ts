// The mail about an HA pair's configurations: differing (which sections, what to do) and matching again.
import assert from 'node:assert/strict';
import { composePeerConfig } from './compose.ts';

describe('mail: HA peer configuration', () => {
  const at = new Date('2026-12-03T10:00:00.000Z');
  it('names the differing sections and what to do; says when they match again', () => {
    const differs = composePeerConfig(
      '[mwan]',
      'r2',
      { node: 'r2', peer: 'r1', config: 'differs', previous: 'matches', sections: ['wans'] },
      at,
    );
    assert.equal(differs.subject, '[mwan] HA node r2: configuration differs from peer r1');
    assert.match(differs.text, /sections: wans/);
    assert.match(differs.text, /Copy one file to both routers/);
    const again = composePeerConfig(
      '[mwan]',
      'r2',
      { node: 'r2', peer: 'r1', config: 'matches', previous: 'differs', sections: [] },
      at,
    );
    assert.equal(again.subject, '[mwan] HA node r2: configuration matches peer r1 again');
  });
});
