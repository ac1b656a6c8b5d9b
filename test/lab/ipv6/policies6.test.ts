// Policies and rules for IPv6 connections (ipv6.mode npt) in the dual-stack lab: a rule sends the internet's
// 2001:db8::/48 (port 80) to isp2 only, a sticky rule (port 8081) keeps a client's IPv6 connections on one WAN;
// an NFQUEUE round robin (port 8082) decides IPv6 connections in user space; the server sees each connection's WAN
// by its lanPrefix; an IPv6-only forward (to6, no to) is reached over IPv6 on both WANs and not over IPv4; stop
// removes the ip6tables queue rules.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServerInNs } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { NOTHING_TO_DO, ctlOk, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';
import { ispForAddress6 } from '../../kit/lab/dual-stack.ts';

const COUNT = 60;
const STICKY_PORT = 8081;
const QUEUE_PORT = 8082;
const FORWARD6_PORT = 8091;

describe('mwan lab: IPv6 policies and rules (npt)', function () {
  this.timeout(300000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'ipv6 policies');
    lab = await createLab({ wans: 2, ipv6: true });
    const l = lab;
    const wans = Object.fromEntries(
      [1, 2].map((i) => [
        i,
        {
          weight: i === 1 ? 2 : 1,
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
          forwards: [{ port: FORWARD6_PORT, to6: l.addr6.client }],
          policies: {
            only2: { strategy: 'priority', members: [{ wan: 'isp2' }] },
            // The kernel's pre-choice follows the weights (3:1); round robin ignores them (1:1).
            rr: {
              strategy: 'nfqueue:round-robin',
              members: [
                { wan: 'isp1', weight: 3 },
                { wan: 'isp2', weight: 1 },
              ],
            },
          },
          rules: [
            { name: 'inet6', dst: ['2001:db8::/48'], proto: 'tcp', dport: 80, policy: 'only2' },
            { name: 'web', proto: 'tcp', dport: STICKY_PORT, policy: 'default', sticky: { timeoutSeconds: 600 } },
            { name: 'rr', proto: 'tcp', dport: QUEUE_PORT, policy: 'rr' },
          ],
        },
      }),
    );
    await Promise.all([
      startServerInNs(l, l.ns.inet, l.addr6.server, [80, STICKY_PORT, QUEUE_PORT]),
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

  /** COUNT IPv6 connections from the client to `port`; per ISP, by the source the server saw. */
  async function split6(port: number, what: string, concurrency = 10): Promise<number[]> {
    const l = lab!;
    const r = await burst(l, l.ns.client, { count: COUNT, concurrency, timeoutMs: 5000, to: l.addr6.server, port });
    assert.equal(r.ok, COUNT, `${what}: not every IPv6 connection succeeded: ${JSON.stringify(r)}`);
    const by = [0, 0, 0];
    for (const [src, n] of Object.entries(r.bySource)) {
      const i = ispForAddress6(src, 2);
      assert.ok(i, `${what}: a source no ISP owns: ${src}`);
      by[i!] += n;
    }
    console.log(`      ${what}: isp1 ${by[1]}, isp2 ${by[2]} of ${COUNT}`);
    return by;
  }

  it('a rule sends IPv6 connections to 2001:db8::/48 port 80 by isp2 only (the default policy would give isp1 2 of 3)', async () => {
    const by = await split6(80, 'rule to isp2');
    assert.deepEqual(by.slice(1), [0, COUNT]);
  });

  it("a sticky rule keeps a client's IPv6 connections on one WAN, remembered in an ipv6_addr set", async () => {
    const l = lab!;
    const by = await split6(STICKY_PORT, 'sticky');
    assert.ok(by[1] === COUNT || by[2] === COUNT, `all on one WAN, got ${by.slice(1).join('/')}`);
    const sets = await l.exec(l.ns.router, ['nft', 'list', 'table', 'inet', 'mwan']);
    const client = l.addr6.client.replace(/^\[|\]$/g, '');
    const sticky = sets.stdout.match(/set sticky6_web_\d+ \{[^}]*\}/g) ?? [];
    assert.ok(sticky.length === 2 && sticky.every((s) => s.includes('ipv6_addr')), sticky.join('\n'));
    assert.equal(
      sticky.filter((s) => s.includes(client)).length,
      1,
      `the client in one WAN's set:\n${sticky.join('\n')}`,
    );
    const again = await split6(STICKY_PORT, 'sticky again');
    assert.deepEqual(again, by, 'later connections stay on the remembered WAN');
  });

  const ip6nat = async (chain: string, list = false) =>
    (
      await lab!.exec(
        lab!.ns.router,
        ['ip6tables', '-w', '-t', 'nat', ...(list ? ['-L', chain, '-nvx'] : ['-S', chain])],
        {
          reject: false,
        },
      )
    ).stdout;

  it('nfqueue:round-robin decides IPv6 connections in user space: sequential ones alternate 1:1 (the kernel would give 3:1)', async () => {
    const rules = (await ip6nat('MWAN_NFQ')).split('\n').filter((l) => l.includes('NFQUEUE'));
    assert.equal(rules.length, 1, 'one IPv6 queue rule');
    assert.match(rules[0], /--queue-bypass/);
    const by = await split6(QUEUE_PORT, 'nfqueue round robin', 1);
    assert.deepEqual(by.slice(1), [COUNT / 2, COUNT / 2]);
    const queued = (await ip6nat('MWAN_NFQ', true))
      .split('\n')
      .filter((l) => l.includes('NFQUEUE'))
      .reduce((n, l) => n + Number(l.trim().split(/\s+/)[0]), 0);
    assert.ok(queued >= COUNT, `IPv6 packets queued: ${queued}`);
  });

  it('an IPv6-only forward is reached over IPv6 on every WAN, and over IPv4 on none', async () => {
    const l = lab!;
    // Started here: one started in `before` beside the daemon was gone by now (seen once; not understood).
    const srv = await startServerInNs(l, l.ns.client, l.addr6.client, [FORWARD6_PORT]);
    try {
      for (const i of [1, 2]) {
        const r = await burst(l, l.ns.inet, {
          count: 5,
          to: l.addr6.routerWan(i),
          port: FORWARD6_PORT,
          timeoutMs: 5000,
        });
        assert.equal(r.ok, 5, `IPv6 via isp${i}: ${JSON.stringify(r)}`);
        const v4 = await burst(l, l.ns.inet, {
          count: 2,
          to: l.addr.routerWan(i),
          port: FORWARD6_PORT,
          timeoutMs: 1000,
        });
        assert.equal(v4.ok, 0, `IPv4 via isp${i} must not be forwarded: ${JSON.stringify(v4)}`);
      }
    } finally {
      await srv.kill();
    }
  });

  it('stop removes the queue rules from ip6tables (and iptables), and only them', async () => {
    assert.match(await ip6nat('PREROUTING'), /mwan-nfqueue/);
    await ctlOk(mwan!, ['stop']);
    await mwan!.daemon?.exited;
    assert.doesNotMatch(await ip6nat('PREROUTING'), /mwan-nfqueue/);
    assert.equal(await ip6nat('MWAN_NFQ'), '');
    const v4 = await lab!.exec(lab!.ns.router, ['iptables', '-w', '-t', 'nat', '-S', 'PREROUTING'], { reject: false });
    assert.doesNotMatch(v4.stdout, /mwan-nfqueue/);
  });
});
