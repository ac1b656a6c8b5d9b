// The IPv6 rule and route reader against a real kernel: canonical IPv6 specs diffed by ip-diff.ts and applied with
// `ip -6 -batch` in the lab's router read back equal, a second diff is empty, removal leaves foreign entries alone.
import assert from 'node:assert/strict';
import type { RouteSpec, RuleSpec } from '../../../core/reconcile/desired.ts';
import { routeArgs } from '../../../core/system/kernel/ip-canonical.ts';
import { diffIp } from '../../../core/reconcile/ip-diff.ts';
import { execaRunner, type Runner } from '../../../core/system/process/runner.ts';
import { canonicalRoute6, canonicalRule6, readOwnIp6 } from '../../../core/system/kernel/ip6-read.ts';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';

const own = {
  routeProtocol: 249,
  priorityRange: [1000, 1999] as [number, number],
  tableRange: [1000, 1999] as [number, number],
};

describe('mwan lab: IPv6 rules and routes read back', function () {
  this.timeout(60000);
  let lab: Lab | undefined;

  before(async function () {
    await skipWithoutLab(this, 'IPv6 rules and routes');
    lab = await createLab({ wans: 2, ipv6: true });
  });
  after(async () => {
    await lab?.teardown();
  });

  it('diffed, applied with ip -6, read back equal; applying twice changes nothing; removal leaves the rest', async () => {
    const l = lab!;
    const rules: RuleSpec[] = [
      { priority: 1001, fwmark: 0x100, fwmask: 0xff00, table: 1001 },
      { priority: 1101, from: `${l.addr6.routerWan(1).toUpperCase()}/128`, table: 1001 },
      { priority: 1102, from: '2001:db8:1:100:0::/56', table: 1001 },
      { priority: 1200, fwmark: 0x200, fwmask: 0xff00, table: 254, suppressPrefixLength: 0 },
    ];
    const routes: RouteSpec[] = [
      { table: 1001, dst: '2001:db8:1:0::/64', dev: 'wan1', scope: 'link', src: l.addr6.routerWan(1) },
      { table: 1001, dst: 'default', via: l.addr6.ispGateway(1), dev: 'wan1' },
      { table: 1001, type: 'unreachable', dst: '2001:db8:1:100::/56' },
      {
        table: 1003,
        dst: 'default',
        nexthops: [
          { via: l.addr6.ispGateway(1), dev: 'wan1', weight: 3 },
          { via: l.addr6.ispGateway(2), dev: 'wan2', weight: 1 },
        ],
      },
    ];
    const desired = { rules: rules.map(canonicalRule6), routes: routes.map(canonicalRoute6) };
    const ip6 = (lines: string[]) =>
      l.exec(l.ns.router, ['ip', '-6', '-batch', '-'], { input: `${lines.join('\n')}\n` });
    // not mwan's: no protocol, another protocol, the main table
    await ip6([
      'rule add priority 1300 from 2001:db8:9::/48 lookup 77',
      `route add 2001:db8:7::/48 via ${l.addr6.ispGateway(1)} dev wan1 table 1001 proto static`,
      `route add default via ${l.addr6.ispGateway(2)} dev wan2`,
    ]);
    const foreign = async () =>
      (await l.exec(l.ns.router, ['ip', '-6', 'route', 'show', 'table', 'all'])).stdout
        .split('\n')
        .filter((x) => !x.includes('proto 249'))
        .join('\n');
    const before = await foreign();
    const run: Runner = (argv, o) => execaRunner(['ip', 'netns', 'exec', l.ns.router, ...argv], o);
    const empty = await readOwnIp6(run, own);
    assert.deepEqual(empty, { rules: [], routes: [] });

    // The IPv4 diff renders IPv6 specs as they are: applied with `ip -6 -batch`, read back equal, applied twice no-op.
    await ip6(diffIp(desired, empty, 249));
    const got = await readOwnIp6(run, own);
    assert.deepEqual(got.rules, desired.rules);
    const byKey = (a: RouteSpec, b: RouteSpec): number => routeArgs(a).localeCompare(routeArgs(b));
    assert.deepEqual([...got.routes].sort(byKey), [...desired.routes].sort(byKey));
    assert.deepEqual(diffIp(desired, got, 249), []);

    // Removal takes mwan's entries only.
    await ip6(diffIp(empty, got, 249));
    assert.deepEqual(await readOwnIp6(run, own), { rules: [], routes: [] });
    assert.equal(await foreign(), before);
    assert.match((await l.exec(l.ns.router, ['ip', '-6', 'rule'])).stdout, /1300:\s+from 2001:db8:9::\/48 lookup 77/);
  });
});
