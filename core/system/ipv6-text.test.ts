// Tests IPv6 text: every spelling to the same 32 hex digits, and the canonical form `ip` prints (RFC 5952).
import assert from 'node:assert/strict';
import { canonicalIPv6, canonicalPrefix6, ipv6Hex } from './ipv6-text.ts';

describe('IPv6 address text', () => {
  it('writes every form of an IPv6 address as the same 32 hex digits', () => {
    const want = '20010db8000000000000000000000010';
    for (const a of ['2001:db8::10', '2001:DB8:0:0:0:0:0:10', '2001:0db8::0:10', '2001:db8::0.0.0.16'])
      assert.equal(ipv6Hex(a), want, a);
    assert.equal(ipv6Hex('::'), '0'.repeat(32));
    assert.equal(ipv6Hex('::1'), `${'0'.repeat(31)}1`);
    assert.equal(ipv6Hex('fe80::1%wan1'), 'fe800000000000000000000000000001');
    assert.equal(ipv6Hex('::ffff:192.0.2.1'), '00000000000000000000ffffc0000201');
    assert.throws(() => ipv6Hex('192.0.2.1'), /not an IPv6 address/);
  });

  it('writes addresses as RFC 5952 does: lowercase, no leading zeros, the first longest zero run as ::', () => {
    const cases: [string, string][] = [
      ['2001:0DB8:0000:0000:0000:0000:0000:0010', '2001:db8::10'],
      ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'], // the longer run wins
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // equal runs: the first
      ['2001:db8:1:1:1:1:0:1', '2001:db8:1:1:1:1:0:1'], // one zero group stays
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['fe80:0:0:0:0:0:0:1', 'fe80::1'],
      ['2001:db8:1:100::', '2001:db8:1:100::'],
    ];
    for (const [input, want] of cases) assert.equal(canonicalIPv6(input), want, input);
  });

  it('writes prefixes as ip prints them: canonical address, no /128', () => {
    assert.equal(canonicalPrefix6('2001:DB8:1:100:0::/56'), '2001:db8:1:100::/56');
    assert.equal(canonicalPrefix6('2001:db8:1::2/128'), '2001:db8:1::2');
    assert.equal(canonicalPrefix6('2001:db8:1::2'), '2001:db8:1::2');
    assert.throws(() => canonicalPrefix6('2001:db8::/129'), /bad IPv6 prefix length/);
    assert.throws(() => canonicalPrefix6('2001:db8::/64/1'), /not an IPv6 prefix/);
  });
});
