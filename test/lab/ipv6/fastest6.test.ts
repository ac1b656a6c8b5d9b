// IPv6 twins of two IPv4 strategy details (ipv6.mode npt): fastest-response learns IPv6 destinations into fastest6_<policy> (isp1 answers SYNs a second late), and a rule's named set matches IPv6 through its ipv6_addr twin <name>6.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServerInNs } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { NOTHING_TO_DO, ctlOk, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { ispById } from '../../kit/lab/strategies.ts';
import { waitFor } from '../../kit/time.ts';
import { ispForAddress6 } from '../../kit/lab/dual-stack.ts';

const SET_PORT = 8083;

/** Makes an ISP slow to answer new IPv6 TCP connections: it drops the first SYN of each (the client retransmits after 1 s). */
async function slowHandshakes6(lab: Lab, isp: number, on: boolean): Promise<void> {
  await lab.exec(lab.ns.isp(isp), ['nft', 'delete', 'table', 'ip6', 'slowsyn'], { reject: false });
  if (!on) return;
  await lab.exec(lab.ns.isp(isp), ['nft', '-f', '-'], {
    input: `table ip6 slowsyn {
  set seen { type ipv6_addr . inet_service; flags dynamic, timeout; timeout 30s; }
  chain firstsyn {
    type filter hook forward priority -5; policy accept;
    iifname "down0" tcp flags & (syn | ack) == syn ip6 saddr . tcp sport @seen accept
    iifname "down0" tcp flags & (syn | ack) == syn add @seen { ip6 saddr . tcp sport } drop
  }
}
`,
  });
}

describe('mwan lab: fastest response and named sets over IPv6 (npt)', function () {
  this.timeout(300000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'ipv6 fastest');
    lab = await createLab({ wans: 2, ipv6: true });
    const l = lab;
    const wans = Object.fromEntries(
      [1, 2].map((i) => [
        i,
        {
          weight: 1,
          ipv6: {
            address: `${l.addr6.routerWan(i)}/64`,
            gateway: l.addr6.ispGateway(i),
            prefix: l.addr6.delegated(i),
            lanPrefix: `2001:db8:${i}:100::/64`,
          },
        },
      ]),
    );
    mwan = mwanFor(l, (dir) =>
      labConfig(l, dir, {
        wans,
        extra: {
          ipv6: { mode: 'npt', lan: [{ device: 'lan0', prefix: l.addr6.lanPrefix }] },
          policies: {
            quick: { strategy: 'fastest-response', intervalMs: 500, fastest: { timeoutSeconds: 120 } },
            only1: { strategy: 'priority', members: [{ wan: 'isp1' }] },
          },
          defaultPolicy: 'quick',
          rules: [{ name: 'banks', set: 'banks', proto: 'tcp', dport: SET_PORT, policy: 'only1' }],
        },
      }),
    );
    await Promise.all([
      startServerInNs(l, l.ns.inet, l.addr6.server, [80, SET_PORT]),
      startServerInNs(l, l.ns.inet, l.addr6.server2, [80, SET_PORT]),
      mwan.startDaemon(),
    ]);
    await waitFor(async () => (await ctlOk(mwan!, ['plan'])) === NOTHING_TO_DO, 30000, 'the daemon to settle');
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  /** IPv6 connections from the client; per ISP, by the (translated) source the server saw. */
  async function split6(count: number, o: { to?: string; port?: number; concurrency?: number }): Promise<number[]> {
    const l = lab!;
    const r = await burst(l, l.ns.client, {
      count,
      concurrency: o.concurrency ?? 10,
      timeoutMs: 5000,
      to: o.to ?? l.addr6.server,
      port: o.port ?? 80,
    });
    assert.equal(r.ok, count, `not every IPv6 connection succeeded: ${JSON.stringify(r)}`);
    const by = [0, 0, 0];
    for (const [src, n] of Object.entries(r.bySource)) {
      const i = ispForAddress6(src, 2);
      assert.ok(i, `a source no ISP owns: ${src}`);
      by[i!] += n;
    }
    return by;
  }

  /** fastest6_quick's entries: destination network → ISP (marks are id × 256, as the layout gives them). */
  const learned6 = async (): Promise<Record<string, number>> => {
    const l = lab!;
    const r = await l.exec(l.ns.router, ['nft', '-j', 'list', 'map', 'inet', 'mwan', 'fastest6_quick']);
    const map = (JSON.parse(r.stdout).nftables as { map?: { elem?: [unknown, number][] } }[]).find((x) => x.map)!.map!;
    const byMark = new Map([...ispById(mwan!)].map(([id, isp]) => [id * 256, isp]));
    const key = (k: unknown): string => (typeof k === 'string' ? k : (k as { elem: { val: string } }).elem.val);
    return Object.fromEntries((map.elem ?? []).map(([k, mark]) => [key(k), byMark.get(mark)!]));
  };

  it('learns per IPv6 /48 which WAN answers first and sends later IPv6 connections by it (isp1 answers a second late)', async () => {
    const l = lab!;
    await slowHandshakes6(l, 1, true);
    // Exploration: the weighted random choice spreads the first connections over both WANs; conntrack times each handshake.
    const explore = await split6(24, { concurrency: 24 });
    console.log(`      exploring over IPv6: isp1 ${explore[1]}, isp2 ${explore[2]} (isp1 answers a SYN after ~1 s)`);
    const ms = await waitFor(async () => (await learned6())['2001:db8::'] === 2, 20000, '2001:db8::/48 via isp2');
    const after = await split6(30, {});
    const other = await split6(30, { to: l.addr6.server2 });
    console.log(
      `      learned ${JSON.stringify(await learned6())} ${Math.round(ms)} ms after exploring; then 30 IPv6 connections isp1 ${after[1]}, isp2 ${after[2]}; to ${l.addr6.server2} (same /48) isp1 ${other[1]}, isp2 ${other[2]}`,
    );
    assert.deepEqual(after.slice(1), [0, 30]);
    assert.deepEqual(other.slice(1), [0, 30]);
    // The IPv4 map learned nothing from IPv6 connections.
    const v4 = await l.exec(l.ns.router, ['nft', 'list', 'map', 'inet', 'mwan', 'fastest_quick']);
    assert.doesNotMatch(v4.stdout, /elements/, v4.stdout);
  });

  it('an address added by hand to the twin set banks6 sends IPv6 connections by the rule, kept across an apply', async () => {
    const l = lab!;
    await slowHandshakes6(l, 1, false);
    const before = await split6(20, { port: SET_PORT });
    assert.deepEqual(before.slice(1), [0, 20], 'not in the set yet: the default policy (learned isp2)');
    const listed = (await l.exec(l.ns.router, ['nft', 'list', 'set', 'inet', 'mwan', 'banks6'])).stdout;
    assert.match(listed, /type ipv6_addr/);
    await l.exec(l.ns.router, ['nft', 'add', 'element', 'inet', 'mwan', 'banks6', `{ ${l.addr6.server} }`]);
    const inSet = await split6(20, { port: SET_PORT });
    const notInSet = await split6(20, { port: SET_PORT, to: l.addr6.server2 });
    console.log(
      `      with ${l.addr6.server} in banks6: port ${SET_PORT} isp1 ${inSet[1]}, isp2 ${inSet[2]}; to ${l.addr6.server2} isp1 ${notInSet[1]}, isp2 ${notInSet[2]}`,
    );
    assert.deepEqual(inSet.slice(1), [20, 0]);
    assert.deepEqual(notInSet.slice(1), [0, 20]);
    // Filled at run time, like the IPv4 set: an apply keeps its contents, and plan sees nothing to do.
    await ctlOk(mwan!, ['apply']);
    assert.equal(await ctlOk(mwan!, ['plan']), NOTHING_TO_DO);
    const kept = (await l.exec(l.ns.router, ['nft', 'list', 'set', 'inet', 'mwan', 'banks6'])).stdout;
    assert.ok(kept.includes(l.addr6.server), kept);
    assert.deepEqual((await split6(20, { port: SET_PORT })).slice(1), [20, 0]);
  });

  it('stop removes the learned IPv6 map and the twin set with the rest of mwan', async () => {
    const l = lab!;
    await ctlOk(mwan!, ['stop']);
    await mwan!.daemon?.exited;
    for (const [kind, name] of [
      ['map', 'fastest6_quick'],
      ['set', 'banks6'],
    ]) {
      const r = await l.exec(l.ns.router, ['nft', 'list', kind, 'inet', 'mwan', name], { reject: false });
      assert.notEqual(r.exitCode, 0, `${name} still there: ${r.stdout}`);
    }
  });
});
