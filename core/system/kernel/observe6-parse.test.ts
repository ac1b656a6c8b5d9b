// Tests reading IPv6 facts from `ip -6 -N -json` output (numeric route types and scopes): delegated prefixes and usable addresses.
import assert from 'node:assert/strict';
import type { KernelOwnership } from './adapter.ts';
import { parseAddresses6, parseDelegated6 } from './observe6-parse.ts';

const own = { routeProtocol: 249 } as KernelOwnership;

describe('observe6: delegated prefixes', () => {
  it('an unreachable or blackhole route shorter than /64 in main, as `ip -N` prints it (type 7 / 6) or by name', () => {
    // What `ip -6 -N -json route show table all` printed on this kernel after `ip -6 route add unreachable …/56`.
    const numeric = JSON.stringify([
      { type: '7', dst: '2001:db8:1:100::/56', dev: 'lo', metric: 1024, flags: [], pref: 'medium' },
      { type: '6', dst: '2001:db8:2:100::/56', dev: 'lo', metric: 1024, flags: [], pref: 'medium' },
      { type: '2', dst: '::1', dev: 'lo', table: '255', protocol: '2', metric: 0, flags: [] },
      { dst: '2001:db8:3:100::/64', dev: 'lan0', protocol: '2', metric: 256, flags: [] },
      { type: '7', dst: '2001:db8:4:100::/56', dev: 'lo', protocol: '249', metric: 1024, flags: [] },
    ]);
    assert.deepEqual(parseDelegated6(numeric, own), [
      { prefix: '2001:db8:1:100::/56' },
      { prefix: '2001:db8:2:100::/56' },
      { prefix: '2001:db8:3:100::/64', dev: 'lan0' },
    ]);
    const named = JSON.stringify([{ type: 'unreachable', dst: '2001:db8:1:100::/56', dev: 'lo' }]);
    assert.deepEqual(parseDelegated6(named, own), [{ prefix: '2001:db8:1:100::/56' }]);
  });
});

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
