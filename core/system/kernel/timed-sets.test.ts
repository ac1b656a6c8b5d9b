// Remembered-choice sets: read from nft's JSON (plain and concatenated keys), replaced by one validated script.
import assert from 'node:assert/strict';
import type { NftJsonItem } from './adapter.ts';
import { isTimedKey, replaceScript, timedSetsOf } from './timed-sets.ts';

describe('timed sets', () => {
  it('reads the sets with timeouts and their elements with the time left', () => {
    const items = [
      {
        set: {
          name: 'sticky_a_1',
          flags: ['dynamic', 'timeout'],
          elem: [{ elem: { val: '10.0.0.5', timeout: 600, expires: 550 } }],
        },
      },
      {
        set: {
          name: 'persist_p_pair_2',
          flags: ['dynamic', 'timeout'],
          elem: [{ elem: { val: { concat: ['10.0.0.5', '192.0.2.1'] }, timeout: 600, expires: 12 } }],
        },
      },
      { set: { name: 'user_dst', elem: ['192.0.2.9'] } },
      { chain: { name: 'x' } },
    ] as unknown as NftJsonItem[];
    assert.deepEqual(timedSetsOf(items), [
      { name: 'sticky_a_1', elements: [{ key: '10.0.0.5', expiresSeconds: 550 }] },
      { name: 'persist_p_pair_2', elements: [{ key: '10.0.0.5 . 192.0.2.1', expiresSeconds: 12 }] },
    ]);
  });

  it('flushes each set and adds its elements in one script; keys and names are validated', () => {
    assert.equal(
      replaceScript('mwan', [
        {
          name: 'sticky_a_1',
          elements: [
            { key: '10.0.0.5', expiresSeconds: 549.6 },
            { key: '10.0.0.6', expiresSeconds: 0 },
          ],
        },
        { name: 'sticky_a_2', elements: [] },
      ]),
      'flush set inet mwan sticky_a_1\nadd element inet mwan sticky_a_1 { 10.0.0.5 timeout 550s, 10.0.0.6 timeout 1s }\nflush set inet mwan sticky_a_2\n',
    );
    assert.throws(() => replaceScript('mwan', [{ name: 'a;b', elements: [] }]), /bad nft set name/);
    assert.throws(
      () => replaceScript('mwan', [{ name: 's', elements: [{ key: '10.0.0.1 }; flush ruleset', expiresSeconds: 1 }] }]),
      /not an address key/,
    );
    assert.equal(isTimedKey('2001:db8::1 . 10.0.0.1'), true);
    assert.equal(isTimedKey('10.0.0.1 . 10.0.0.2 . 10.0.0.3'), false);
  });
});
