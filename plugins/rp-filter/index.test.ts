// Tests the rp-filter plugin (loose mode on every WAN device, `all` untouched) and the status helper naming the effective mode.
import assert from 'node:assert/strict';
import type { LinkState } from '../../core/system/kernel/adapter.ts';
import { planSysctls } from '../../core/reconcile/sysctl-plan.ts';
import { rpFilterStatus } from '../../cli/status/status.ts';
import rpFilter, { LOOSE, rpFilterKey } from './index.ts';
import { link } from '../../test/kit/link.ts';
import { contributionOf, worldFrom } from '../../test/kit/world.ts';

function sysctlsFor(links: LinkState[]) {
  const world = worldFrom(
    {
      wans: [
        { name: 'isp1', device: 'wan1' },
        { name: 'isp2', device: 'eth0.100' },
      ],
      lan: [{ device: 'lan0' }],
    },
    { links, defaults: [] },
  );
  return contributionOf(rpFilter, world).sysctls;
}

describe('rp-filter plugin', () => {
  it('asks for loose mode (2) on every WAN device, also one out of service, and leaves `all` and the LANs alone', () => {
    const s = sysctlsFor([
      link('wan1', '100.64.1.2', 30, { carrier: false }),
      link('eth0.100', '100.64.2.2'),
      link('lan0', '10.0.0.1'),
    ]);
    assert.deepEqual(
      s.map((x) => [x.key, x.value]),
      [
        ['net/ipv4/conf/wan1/rp_filter', '2'],
        ['net/ipv4/conf/eth0.100/rp_filter', '2'],
      ],
    );
    assert.equal(LOOSE, 2);
    assert.equal(rpFilterKey('wan1'), 'net/ipv4/conf/wan1/rp_filter');
  });

  it('through the sysctl planner: writes 2 where strict, remembers 1, and restores 1 once no longer wanted', () => {
    const wanted = sysctlsFor([link('wan1', '100.64.1.2'), link('lan0', '10.0.0.1')]);
    const first = planSysctls(
      wanted,
      { 'net/ipv4/conf/wan1/rp_filter': '1', 'net/ipv4/conf/eth0.100/rp_filter': null },
      {},
    );
    assert.deepEqual(first.writes, [{ key: 'net/ipv4/conf/wan1/rp_filter', value: '2' }]);
    assert.deepEqual(first.originals, { 'net/ipv4/conf/wan1/rp_filter': '1' });
    const stop = planSysctls([], { 'net/ipv4/conf/wan1/rp_filter': '2' }, first.originals);
    assert.deepEqual(stop.writes, [{ key: 'net/ipv4/conf/wan1/rp_filter', value: '1' }]);
  });

  it('status names the effective mode: the larger of the device and `all`', () => {
    assert.deepEqual(rpFilterStatus(2, 1), { device: 2, all: 1, mode: 'loose' });
    assert.equal(rpFilterStatus(0, 1).mode, 'strict');
    assert.equal(rpFilterStatus(1, 0).mode, 'strict');
    assert.equal(rpFilterStatus(0, 0).mode, 'off');
    assert.equal(rpFilterStatus(0, 2).mode, 'loose');
    assert.equal(rpFilterStatus(null, 1).mode, null);
  });
});
