// Tests which IPv6 addresses count as a device's usable global ones, in `ip -6 -N -json addr show` output (numeric scopes).
import assert from 'node:assert/strict';
import { parseAddresses6 } from './observe6-parse.ts';

const addr = (local: string, prefixlen: number, scope: string, flags: Record<string, boolean> = {}) => ({
  family: 'inet6',
  local,
  prefixlen,
  scope,
  ...flags,
});

describe('parseAddresses6', () => {
  it('reads global addresses with numeric scopes (-N: 0 is global, 253 link), skipping deprecated and tentative ones', () => {
    const json = JSON.stringify([
      {
        ifname: 'wan1',
        addr_info: [
          addr('2001:db8:1::10', 128, '0', { nodad: true, deprecated: true }),
          addr('2001:db8:1::2', 64, '0', { nodad: true }),
          addr('2001:db8:1::7', 64, '0', { tentative: true }),
          addr('fe80::1', 64, '253'),
        ],
      },
      { ifname: 'lan0', addr_info: [addr('fd00:77::2', 64, 'global'), addr('fe80::2', 64, 'link')] },
    ]);
    assert.deepEqual(parseAddresses6(json), [
      { dev: 'wan1', address: '2001:db8:1::2', prefixLength: 64 },
      { dev: 'lan0', address: 'fd00:77::2', prefixLength: 64 },
    ]);
  });
});
