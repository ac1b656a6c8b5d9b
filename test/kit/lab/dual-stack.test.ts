// Self-test of the dual-stack lab (createLab({ ipv6: true })), with static IPv6 routing set up here (no mwan code).
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { createLab, hasLabPrivileges, type Lab } from './topology.ts';
import { burst, startServerInNs, startServers } from './traffic.ts';
import { listNamespaces } from './netns.ts';
import { sourceRouting6 } from './dual-stack.ts';

const hostState = async (): Promise<string> =>
  (await Promise.all([execa('ip', ['-o', 'link', 'show']), execa('ip', ['-6', 'route', 'show', 'table', 'all'])]))
    .map((r) => r.stdout.replace(/^\d+: /gm, '').replace(/ +\\.*$/gm, ''))
    .join('\n');

const sourceRouting = (lab: Lab): Promise<unknown> =>
  lab.exec(lab.ns.router, ['ip', '-6', '-batch', '-'], {
    input: sourceRouting6(
      lab.addr6,
      Array.from({ length: lab.wans }, (_, k) => k + 1),
    ).join('\n'),
  });

describe('dual-stack lab harness (network namespaces)', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let hostBefore = '';

  before(async function () {
    const p = await hasLabPrivileges();
    if (!p.ok) {
      console.log(`dual-stack lab tests skipped: ${p.why}`);
      this.skip();
    }
    hostBefore = await hostState();
    lab = await createLab({ wans: 3, ipv6: true, routerDefaultVia: 2 });
    await Promise.all([
      startServerInNs(lab, lab.ns.inet, lab.addr6.server, 80),
      startServers(lab),
      lab.exec(lab.ns.router, ['nft', '-f', '-'], {
        // NPTv6 on wan2 (LAN ULA → the /64 at the start of ISP 2's delegated /56), masquerade for IPv4.
        input: `table inet t {\n  chain post {\n    type nat hook postrouting priority srcnat; policy accept;\n    ip6 saddr fd00:77::/64 oifname "wan2" snat ip6 prefix to 2001:db8:2:100::/64\n    oifname "wan2" meta nfproto ipv4 masquerade\n  }\n}\n`,
      }),
      sourceRouting(lab),
    ]);
  });

  after(async () => {
    if (!lab) return;
    await lab.teardown();
    assert.deepEqual(
      (await listNamespaces()).filter((n) => n.startsWith(lab!.prefix)),
      [],
    );
    assert.equal(await hostState(), hostBefore, 'the host namespace changed');
  });

  it('maps addresses to ISPs and refuses IPv6 addresses in a lab without IPv6', async () => {
    const l = lab!;
    for (const i of [1, 2, 3]) {
      assert.equal(l.ispForAddress6(l.addr6.routerWan(i)), i);
      assert.equal(l.ispForAddress6(l.addr6.delegated(i).replace('::/56', '::9')), i);
    }
    assert.equal(l.ispForAddress6('2001:db8:4::2'), undefined);
    assert.equal(l.ispForAddress6(l.addr6.server), undefined);
    assert.equal(l.ispForAddress6(l.addr6.client), undefined);
    const v4only = await createLab({ wans: 1 });
    try {
      assert.equal(v4only.ipv6, false);
      assert.throws(() => v4only.addr6.routerWan(1), /no IPv6/);
    } finally {
      await v4only.teardown();
    }
  });

  it('the router reaches the IPv6 server through each ISP, seen with that WAN address', async () => {
    const l = lab!;
    for (const i of [1, 2, 3]) {
      const r = await burst(l, l.ns.router, { count: 4, to: l.addr6.server, bind: l.addr6.routerWan(i) });
      assert.deepEqual(r.bySource, { [l.addr6.routerWan(i)]: 4 }, `via isp${i}: ${JSON.stringify(r)}`);
    }
  });

  it('a socket bound to a WAN device needs an IPv6 route for that device: the main table has only wan2', async () => {
    const l = lab!;
    await l.exec(l.ns.router, ['ip', '-6', 'rule', 'del', 'priority', '1001']);
    try {
      const r = await l.exec(l.ns.router, ['ping', '-c', '1', '-W', '1', '-I', 'wan1', l.addr6.server], {
        reject: false,
      });
      assert.notEqual(r.exitCode, 0, r.stdout);
      assert.match(r.stderr, /unreachable/i);
    } finally {
      await l.exec(l.ns.router, [
        'ip',
        '-6',
        'rule',
        'add',
        'from',
        l.addr6.routerWan(1),
        'lookup',
        '101',
        'priority',
        '1001',
      ]);
    }
  });

  it('a LAN client behind NPTv6 is seen with its host part in ISP 2 delegated prefix; IPv4 alongside', async () => {
    const l = lab!;
    const r6 = await burst(l, l.ns.client, { count: 6, to: l.addr6.server });
    assert.deepEqual(r6.bySource, { '2001:db8:2:100::2': 6 }, JSON.stringify(r6));
    const r4 = await burst(l, l.ns.client, { count: 6 });
    assert.equal(r4.byIsp[2], 6, JSON.stringify(r4));
  });

  it('cutUpstream(i, "ipv6") breaks IPv6 beyond ISP i alone; restoreUpstream mends it', async () => {
    const l = lab!;
    await l.cutUpstream(2, 'ipv6');
    try {
      const v6 = await burst(l, l.ns.client, { count: 4, to: l.addr6.server, timeoutMs: 400 });
      assert.equal(v6.ok, 0, JSON.stringify(v6));
      const v4 = await burst(l, l.ns.client, { count: 4 });
      assert.equal(v4.byIsp[2], 4, JSON.stringify(v4));
      const other = await burst(l, l.ns.router, { count: 2, to: l.addr6.server, bind: l.addr6.routerWan(3) });
      assert.equal(other.ok, 2, JSON.stringify(other));
    } finally {
      await l.restoreUpstream(2, 'ipv6');
    }
    const back = await burst(l, l.ns.client, { count: 4, to: l.addr6.server });
    assert.deepEqual(back.bySource, { '2001:db8:2:100::2': 4 }, JSON.stringify(back));
  });
});
