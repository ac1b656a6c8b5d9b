// Tests reading delegated prefixes from `ip -6 -N -json route show table all`: numeric route types (-N) as well as names.
import assert from 'node:assert/strict';
import type { KernelOwnership } from './adapter.ts';
import { parseDelegated6 } from './observe6-parse.ts';

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
