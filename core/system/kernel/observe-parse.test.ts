// Tests the observation parse: IPv4 addresses as before, and a link's global IPv6 addresses (canonical, settled) beside them.
import assert from 'node:assert/strict';
import { parseLinks } from './observe-parse.ts';

describe('parseLinks', () => {
  it('keeps IPv4 addresses in addresses and global, settled IPv6 ones in RFC 5952 form in addresses6', () => {
    const json = JSON.stringify([
      {
        ifname: 'wan1',
        flags: ['UP', 'LOWER_UP'],
        addr_info: [
          { family: 'inet', local: '100.64.1.2', prefixlen: 30, scope: 'global' },
          { family: 'inet6', local: '2001:DB8:1:0::2', prefixlen: 64, scope: '0' },
          { family: 'inet6', local: '2001:db8:1::3', prefixlen: 64, scope: 'global' },
          { family: 'inet6', local: '2001:db8:1::99', prefixlen: 64, scope: 'global', tentative: true },
          { family: 'inet6', local: 'fe80::1', prefixlen: 64, scope: '253' },
        ],
      },
      { ifname: 'lo', flags: ['UP'], addr_info: [{ family: 'inet6', local: '::1', prefixlen: 128, scope: '254' }] },
    ]);
    const [wan, lo] = parseLinks(json);
    assert.deepEqual(wan.addresses, [{ address: '100.64.1.2', prefixLength: 30 }]);
    assert.deepEqual(wan.addresses6, [
      { address: '2001:db8:1::2', prefixLength: 64 },
      { address: '2001:db8:1::3', prefixLength: 64 },
    ]);
    assert.deepEqual([lo.addresses, lo.addresses6], [[], []]);
  });
});
