// Tests writing a run-time map: present keys are deleted before being rewritten, absent ones are not, and the listing parser.
import assert from 'node:assert/strict';
import { mapUpdateScript, parseMapKeys, updateMap } from './nft-elements.ts';

const LISTING =
  '{"nftables": [{"metainfo": {"version": "1.0.6"}}, {"map": {"family": "inet", "name": "m", "table": "t", "type": "ipv4_addr", "map": "mark", "flags": ["timeout"], "elem": [[{"elem": {"val": "1.2.3.0", "timeout": 60, "expires": 59}}, 256], ["2.2.2.0", 512]]}}]}';

describe('run-time map writes', () => {
  it('reads the keys of a map listing, with and without timeouts', () => {
    assert.deepEqual([...parseMapKeys(LISTING)], ['1.2.3.0', '2.2.2.0']);
    assert.deepEqual([...parseMapKeys('{"nftables": [{"map": {"name": "m"}}]}')], []);
  });

  it('deletes only present keys, then adds with per-element timeouts', () => {
    const script = mapUpdateScript(
      'mwan',
      'fastest_f',
      [
        { key: '1.2.3.0', mark: 0x3900, timeoutSeconds: 300 },
        { key: '9.9.9.0', mark: 0xa300, timeoutSeconds: 300 },
      ],
      ['2.2.2.0', '7.7.7.0'],
      new Set(['1.2.3.0', '2.2.2.0']),
    );
    assert.equal(
      script,
      'delete element inet mwan fastest_f { 2.2.2.0, 1.2.3.0 }\nadd element inet mwan fastest_f { 1.2.3.0 timeout 300s : 0x3900, 9.9.9.0 timeout 300s : 0xa300 }\n',
    );
    assert.equal(mapUpdateScript('mwan', 'm', [], ['7.7.7.0'], new Set()), '');
  });

  it('writes IPv6 keys (an ipv6_addr map) in the form nft lists them, so a present key is deleted first', () => {
    const script = mapUpdateScript(
      'mwan',
      'fastest6_f',
      [{ key: '2001:0db8:0003:0000::', mark: 0x200, timeoutSeconds: 30 }],
      [],
      parseMapKeys(
        '{"nftables": [{"map": {"name": "fastest6_f", "elem": [[{"elem": {"val": "2001:db8:3::", "timeout": 30}}, 256]]}}]}',
      ),
    );
    assert.equal(
      script,
      'delete element inet mwan fastest6_f { 2001:db8:3:: }\nadd element inet mwan fastest6_f { 2001:db8:3:: timeout 30s : 0x200 }\n',
    );
    assert.throws(
      () => mapUpdateScript('mwan', 'm', [{ key: 'fe80::1%wan1', mark: 1, timeoutSeconds: 1 }], [], new Set()),
      /not an IPv4 or IPv6 key/,
    );
  });

  it('refuses names and keys that are not what they should be', () => {
    assert.throws(() => mapUpdateScript('mwan', 'm; flush ruleset', [], [], new Set()), /bad nft table or map name/);
    assert.throws(
      () => mapUpdateScript('mwan', 'm', [{ key: '1.2.3.0 }', mark: 1, timeoutSeconds: 1 }], [], new Set()),
      /not an IPv4 or IPv6 key/,
    );
  });

  it('lists again and retries once when the write fails (an element expired in between)', async () => {
    const calls: string[] = [];
    let writes = 0;
    await updateMap('mwan', 'm', [{ key: '1.2.3.0', mark: 0x100, timeoutSeconds: 10 }], [], async (argv) => {
      calls.push(argv.join(' '));
      if (argv[1] === '-j') return { stdout: LISTING, stderr: '', exitCode: 0 };
      writes++;
      return { stdout: '', stderr: writes === 1 ? 'No such file or directory' : '', exitCode: writes === 1 ? 1 : 0 };
    });
    assert.deepEqual(calls, ['nft -j list map inet mwan m', 'nft -f -', 'nft -j list map inet mwan m', 'nft -f -']);
  });
});
