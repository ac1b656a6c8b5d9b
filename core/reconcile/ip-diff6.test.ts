// Tests the per-family diff: IPv6 specs go to `ip -6 -batch` lines in canonical form, IPv4 ones stay in `ip -batch`; a second diff is empty.
import assert from 'node:assert/strict';
import type { RouteSpec, RuleSpec } from './desired.ts';
import { diffIpFamilies, removalIpFamilies } from './ip-diff.ts';
import { formatPlan } from '../../cli/plan-format.ts';

const routes: RouteSpec[] = [
  { table: 1001, dst: 'default', via: '100.64.1.1', dev: 'wan1' },
  { family: 'ipv6', table: 1001, dst: 'default', via: 'FE80::1', dev: 'wan1' },
];
const rules: RuleSpec[] = [
  { priority: 1100, fwmark: 0x100, fwmask: 0xff00, table: 1001 },
  { family: 'ipv6', priority: 1100, fwmark: 0x100, fwmask: 0xff00, table: 1001 },
  { family: 'ipv6', priority: 1300, from: '2001:DB8:1:0::2', table: 1001 },
];

describe('ip diff per family', () => {
  it('splits IPv4 and IPv6 lines; IPv6 addresses are written canonically', () => {
    const p = diffIpFamilies({ routes, rules }, { routes: [], rules: [] }, 249);
    assert.deepEqual(p.ip, [
      'route replace default via 100.64.1.1 dev wan1 table 1001 proto 249',
      'rule add priority 1100 fwmark 0x100/0xff00 lookup 1001 protocol 249',
    ]);
    assert.deepEqual(p.ip6, [
      'route replace default via fe80::1 dev wan1 table 1001 proto 249',
      'rule add priority 1100 fwmark 0x100/0xff00 lookup 1001 protocol 249',
      'rule add priority 1300 from 2001:db8:1::2 lookup 1001 protocol 249',
    ]);
  });

  it('a state read back as the kernel reports it diffs empty; removal deletes each family with its tool', () => {
    const read = {
      routes: [routes[0], { family: 'ipv6' as const, table: 1001, dst: 'default', via: 'fe80::1', dev: 'wan1' }],
      rules: [
        rules[0],
        { ...rules[1] },
        { family: 'ipv6' as const, priority: 1300, from: '2001:db8:1::2', table: 1001 },
      ],
    };
    assert.deepEqual(diffIpFamilies({ routes, rules }, read, 249), { ip: [], ip6: [] });
    const gone = removalIpFamilies(read, 249);
    assert.equal(gone.ip.length, 2);
    assert.deepEqual(gone.ip6, [
      'rule del priority 1100 fwmark 0x100/0xff00 lookup 1001 protocol 249',
      'rule del priority 1300 from 2001:db8:1::2 lookup 1001 protocol 249',
      'route del default table 1001 proto 249',
    ]);
  });

  it('a plan prints its IPv6 lines under `ip -6 -batch -`', () => {
    const text = formatPlan({
      nft: '',
      ip: [],
      ip6: ['route replace default via fe80::1 dev wan1 table 1001 proto 249'],
      sysctl: [],
    });
    assert.equal(text, '# ip -6 -batch -\nroute replace default via fe80::1 dev wan1 table 1001 proto 249\n');
  });
});
