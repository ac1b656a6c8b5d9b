// Tests the IPv6 group parser: addresses and prefixes accepted and refused, networks, RFC 5952 text.
import assert from 'node:assert/strict';
import { formatGroups, ipv6Groups, isIPv6Address, networkOf, prefixGroups6 } from './ipv6-groups.ts';

describe('ipv6-groups', () => {
  it('accepts IPv6 addresses in every spelling and refuses the rest', () => {
    for (const ok of ['::', '::1', 'fe80::1', '2001:db8:1:100::5', '2001:DB8:0:0:0:0:0:1', '1:2:3:4:5:6:7:8'])
      assert.ok(isIPv6Address(ok), ok);
    for (const bad of [
      '',
      ':',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '12345::',
      '10.0.0.1',
      'fe80::1%eth0',
      'g::1',
      '1:2:3:4:5:6:7::8',
    ])
      assert.ok(!isIPv6Address(bad), bad);
    assert.deepEqual(ipv6Groups('2001:db8::1'), [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
  });

  it('prefixes: a network without host bits, its canonical text', () => {
    const p = prefixGroups6('2001:DB8:1:100:0::/64');
    assert.ok(!('problem' in p));
    assert.equal(networkOf(p.groups, p.length), '2001:db8:1:100::/64');
    assert.match(
      (prefixGroups6('2001:db8:1:100::1/64') as { problem: string }).problem,
      /host bits.*2001:db8:1:100::\/64/,
    );
    for (const bad of ['2001:db8::', '2001:db8::/129', '2001:db8::/x', '10.0.0.0/8', '2001:db8::/64/1'])
      assert.ok('problem' in prefixGroups6(bad), bad);
    assert.equal(networkOf(ipv6Groups('2001:db8:1:1ff::5')!, 56), '2001:db8:1:100::/56');
  });

  it('writes RFC 5952 text: lower case, the longest zero run as ::, single zeros kept', () => {
    assert.equal(formatGroups([0x2001, 0xdb8, 0, 0, 1, 0, 0, 0]), '2001:db8:0:0:1::');
    assert.equal(formatGroups([0x2001, 0xdb8, 0, 1, 0, 1, 0, 1]), '2001:db8:0:1:0:1:0:1');
    assert.equal(formatGroups([0, 0, 0, 0, 0, 0, 0, 0]), '::');
  });
});
