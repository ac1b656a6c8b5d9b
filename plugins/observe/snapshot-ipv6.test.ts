// Tests the status page's WAN rows: a WAN with IPv6 carries its IPv6 side (state, address, its own RTT and loss); one without has none.
import assert from 'node:assert/strict';
import type { WorldView } from '../../plugin-api/index.ts';
import { wanRows } from './snapshot.ts';
import type { WanHistory } from './samples.ts';

describe('observe status page: the IPv6 side of a WAN row', () => {
  it('carries IPv6 state, address and figures beside IPv4; null figures when IPv6 is not measured', () => {
    const base = { weight: 1, tier: 1, inService: true, state: 'online', rttMs: 10, lossPct: 0, gateway: '100.64.1.1' };
    const six = { state: 'offline', reason: 'no answer', inService: false, gateway: 'fe80::1', routable: true };
    const world = {
      config: {},
      mode: 'balanced',
      runtimeWeights: {},
      active: [],
      wans: [
        {
          ...base,
          name: 'isp1',
          device: 'wan1',
          ipv6: { ...six, address: '2001:db8:1::2', prefixLength: 64, rttMs: 21.5, lossPct: 50 },
        },
        { ...base, name: 'isp2', device: 'wan2', ipv6: { ...six, state: 'online', inService: true } },
        { ...base, name: 'isp3', device: 'wan3' },
      ],
    } as unknown as WorldView;
    const history = { latest: () => undefined } as unknown as WanHistory;
    const rows = wanRows(world, { reasons: new Map(), quotas: new Map() }, history);
    assert.deepEqual(rows[0].ipv6, {
      state: 'offline',
      inService: false,
      reason: 'no answer',
      address: '2001:db8:1::2/64',
      gateway: 'fe80::1',
      rttMs: 21.5,
      lossPct: 50,
    });
    assert.deepEqual([rows[1].ipv6?.rttMs, rows[1].ipv6?.lossPct, rows[1].ipv6?.address], [null, null, null]);
    assert.equal(rows[2].ipv6, undefined);
    assert.equal(rows[0].rttMs, 10, "IPv4's figures stay the row's own");
  });
});
