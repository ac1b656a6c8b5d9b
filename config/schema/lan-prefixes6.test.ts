// Tests which /64 each LAN gets from each WAN in prefixes mode: the subnet of the delegated prefix, else lanPrefix.
import assert from 'node:assert/strict';
import type { MwanConfig } from './schema.ts';
import { advertisedLans, lanPrefixes6, nthSlash64, slash64Count } from './lan-prefixes6.ts';

const config = (lan: { device: string; subnet?: number }[], lanDevices = lan.map((l) => l.device)) =>
  ({
    lan: lanDevices.map((device) => ({ device })),
    ipv6: { mode: 'prefixes', lan: lan.map((l) => ({ prefix: 'fd00::/64', ...l })) },
  }) as unknown as MwanConfig;

describe('prefixes mode: each LAN its /64 of each WAN', () => {
  it('nthSlash64 numbers the /64s of a delegated prefix and refuses what it does not hold', () => {
    assert.equal(nthSlash64('2001:db8:1:100::/56', 0), '2001:db8:1:100::/64');
    assert.equal(nthSlash64('2001:db8:1:100::/56', 1), '2001:db8:1:101::/64');
    assert.equal(nthSlash64('2001:db8:1:100::/56', 255), '2001:db8:1:1ff::/64');
    assert.equal(nthSlash64('2001:db8:1:100::/56', 256), undefined);
    assert.equal(nthSlash64('2001:db8:1::/48', 0x1234), '2001:db8:1:1234::/64');
    assert.equal(nthSlash64('2001:db8:1:100::/64', 0), '2001:db8:1:100::/64');
    assert.equal(nthSlash64('2001:db8:1:100::/64', 1), undefined);
    assert.equal(nthSlash64('2001:db8:1:100::/63', 1), '2001:db8:1:101::/64');
    assert.equal(nthSlash64('2001:db8:1:100::1/56', 0), undefined, 'host bits: not a prefix');
    assert.equal(nthSlash64('2001:db8:1:100::/56', -1), undefined);
    assert.equal(slash64Count(56), 256);
    assert.equal(slash64Count(80), 0);
  });

  it('LANs with subnets take theirs of the delegated prefix; one without takes lanPrefix; duplicates are dropped', () => {
    const wan = { ipv6: { delegated: '2001:db8:1:100::/56', lanPrefix: '2001:db8:1:100::/64' } };
    assert.deepEqual(
      lanPrefixes6(
        config([
          { device: 'lan0', subnet: 0 },
          { device: 'guest0', subnet: 5 },
        ]),
        wan,
      ),
      [
        { device: 'lan0', prefix: '2001:db8:1:100::/64' },
        { device: 'guest0', prefix: '2001:db8:1:105::/64' },
      ],
    );
    assert.deepEqual(lanPrefixes6(config([{ device: 'lan0' }, { device: 'guest0', subnet: 0 }]), wan), [
      { device: 'lan0', prefix: '2001:db8:1:100::/64' },
    ]);
    // No delegated prefix known (auto, not seen yet): only the LAN without a subnet gets the lanPrefix.
    assert.deepEqual(
      lanPrefixes6(config([{ device: 'lan0' }, { device: 'guest0', subnet: 1 }]), {
        ipv6: { lanPrefix: '2001:db8:9:100::/64' },
      }),
      [{ device: 'lan0', prefix: '2001:db8:9:100::/64' }],
    );
    // A /64 delegated: no room for subnet 1.
    assert.deepEqual(
      lanPrefixes6(config([{ device: 'guest0', subnet: 1 }]), { ipv6: { delegated: '2001:db8:1:100::/64' } }),
      [],
    );
    assert.deepEqual(lanPrefixes6(config([{ device: 'lan0' }]), {}), []);
  });

  it('without ipv6.lan entries every lan[] device advertises (no subnet)', () => {
    assert.deepEqual(advertisedLans(config([], ['lan0', 'lan1'])), [{ device: 'lan0' }, { device: 'lan1' }]);
    assert.deepEqual(advertisedLans(config([{ device: 'lan1', subnet: 2 }], ['lan0', 'lan1'])), [
      { device: 'lan1', subnet: 2 },
    ]);
  });
});
