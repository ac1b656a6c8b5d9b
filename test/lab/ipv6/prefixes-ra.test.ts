// ipv6.mode prefixes in the dual-stack lab: radvd advertises both WANs' /64s (SLAAC on the LAN host), an out-of-service
// WAN's prefix turns deprecated and new connections take the other, source routing never leaks a prefix by another
// WAN, pinholes open from every WAN, ICMPv6 PMTU passes the firewall while unsolicited TCP is dropped, stop is clean.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { burst, startServerInNs } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { sleep, waitFor } from '../../kit/time.ts';

const RADVD = '/usr/sbin/radvd';
const HOST_ID = '::5'; // the LAN host's SLAAC interface identifier (ip token): its address in every prefix
const PINHOLE = 8080; // forwarded (pinholed) to the LAN host
const CLOSED = 8081; // the LAN host listens here too, but nothing opens it
const lanPrefix = (i: number) => `2001:db8:${i}:100::/64`;
const hostAddr = (i: number) => `2001:db8:${i}:100::5`;

describe('mwan lab: IPv6 prefixes mode (radvd, deprecation, source routing, pinholes, ICMPv6)', function () {
  this.timeout(150000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let daemon: ManagedProcess | undefined;
  let before6 = '';

  /** The router's IPv6 rules, routes of every table (link-local and kernel-made ones left out) and IPv6 sysctls. */
  const router6 = async (): Promise<string> => {
    const run = async (argv: string[]) => (await lab!.exec(lab!.ns.router, argv)).stdout;
    const routes = (await run(['ip', '-6', 'route', 'show', 'table', 'all']))
      .split('\n')
      .filter((l) => !/fe80::|^local |^multicast |^anycast /.test(l))
      .join('\n');
    return [
      await run(['ip', '-6', 'rule', 'show']),
      routes,
      await run([
        'sysctl',
        'net.ipv6.conf.all.forwarding',
        'net.ipv6.conf.wan1.accept_ra',
        'net.ipv6.conf.wan2.accept_ra',
      ]),
    ].join('\n## \n');
  };
  /** The LAN host's global addresses on eth0: address → deprecated? */
  const hostAddresses = async (): Promise<Map<string, boolean>> => {
    const out = (await lab!.exec(lab!.ns.client, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']))
      .stdout;
    const seen = new Map<string, boolean>();
    for (const line of out.split('\n')) {
      const m = /inet6 ([0-9a-f:]+)\/\d+/.exec(line);
      if (m) seen.set(m[1], /\bdeprecated\b/.test(line));
    }
    return seen;
  };
  const preferred = async (i: number) => (await hostAddresses()).get(hostAddr(i)) === false;
  const deprecated = async (i: number) => (await hostAddresses()).get(hostAddr(i)) === true;
  /** New connections from the LAN host (no bind: the host picks its source) to the inet server; sources it saw. */
  const fromHost = async (count = 6) =>
    burst(lab!, lab!.ns.client, { count, concurrency: 3, to: lab!.addr6.server, port: 80, timeoutMs: 2000 });
  /** Packets from WAN 1's prefix that ISP 2 forwarded (a leak). */
  const leaked = async (): Promise<number> => {
    const out = (await lab!.exec(lab!.ns.isp(2), ['nft', 'list', 'table', 'ip6', 'leak'])).stdout;
    return Number(/packets (\d+)/.exec(out)?.[1] ?? 'NaN');
  };

  before(async function () {
    await skipWithoutLab(this, 'ipv6 prefixes');
    if (!existsSync(RADVD)) {
      console.log(`ipv6 prefixes: skipped: ${RADVD} is missing (apt-get install radvd)`);
      this.skip();
    }
    lab = await createLab({ wans: 2, ipv6: true });
    const l = lab;
    // What a DHCPv6-PD client does on the router: an address from each WAN's /64 on the LAN (its connected route).
    await l.exec(l.ns.router, ['ip', '-6', '-batch', '-'], {
      input: [1, 2].map((i) => `addr add ${hostAddr(i).replace(/::5$/, '::1')}/64 dev lan0 nodad`).join('\n'),
    });
    // The LAN host takes SLAAC addresses with a fixed identifier, so the pinhole's ::5 is its address in both prefixes.
    await l.exec(l.ns.client, ['ip', 'token', 'set', HOST_ID, 'dev', 'eth0']);
    await l.exec(l.ns.client, [
      'sysctl',
      '-q',
      '-w',
      'net.ipv6.conf.eth0.accept_ra=1',
      'net.ipv6.conf.eth0.autoconf=1',
    ]);
    // ISP 2 counts forwarded packets whose source is in ISP 1's block: a leak (BCP 38).
    await l.exec(l.ns.isp(2), ['nft', '-f', '-'], {
      input:
        'table ip6 leak {\n  chain forward_count {\n    type filter hook forward priority -10; policy accept;\n    ip6 saddr 2001:db8:1::/48 counter\n  }\n}\n',
    });
    await Promise.all([
      startServerInNs(l, l.ns.inet, l.addr6.server, 80),
      startServerInNs(l, l.ns.client, '::', [PINHOLE, CLOSED]),
    ]);
    await sleep(1500); // link-local routes settle before the snapshot
    before6 = await router6();
    mwan = mwanFor(l, (dir) =>
      labConfig(l, dir, {
        extra: {
          ipv6: { mode: 'prefixes', ra: { maxIntervalSeconds: 4 } },
          forwards: [{ port: PINHOLE, to: l.addr.client, to6: HOST_ID }],
        },
        wans: Object.fromEntries(
          [1, 2].map((i) => [
            i,
            {
              ipv6: {
                address: `${l.addr6.routerWan(i)}/64`,
                gateway: l.addr6.ispGateway(i),
                prefix: l.addr6.delegated(i),
                lanPrefix: lanPrefix(i),
              },
            },
          ]),
        ) as never,
      }),
    );
    daemon = await mwan.startDaemon();
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  it('the LAN host takes an address in each WAN prefix by SLAAC, both preferred', async () => {
    try {
      await waitFor(
        async () => (await preferred(1)) && (await preferred(2)),
        20000,
        'SLAAC addresses in both prefixes',
      );
    } catch (error) {
      console.log(daemon!.lines.filter((l) => /radvd|RA:/.test(l)).join('\n'));
      console.log(
        JSON.stringify(JSON.parse((await mwan!.ctl(['status', '--json'])).stdout).wans, null, 1).slice(0, 3000),
      );
      console.log((await lab!.exec(lab!.ns.client, ['ip', '-6', 'addr'])).stdout);
      console.log(
        (await lab!.exec(lab!.ns.router, ['cat', `${mwan!.dir}/state/ra/radvd.conf`], { reject: false })).stdout,
      );
      console.log((await lab!.exec(lab!.ns.client, ['rdisc6', '-1', '-w', '3000', 'eth0'], { reject: false })).stdout);
      throw error;
    }
  });

  it('a WAN out of service: its address turns deprecated and new connections come from the other prefix; back: preferred again', async () => {
    const l = lab!;
    await ctlOk(mwan!, ['wan', 'down', 'isp1']);
    const ms = await waitFor(() => deprecated(1), 10000, `${hostAddr(1)} deprecated on the LAN host`);
    assert.ok(await preferred(2));
    const r = await fromHost();
    assert.equal(r.ok, 6, JSON.stringify(r));
    assert.deepEqual(Object.keys(r.bySource), [hostAddr(2)], `new connections: ${JSON.stringify(r.bySource)}`);
    await ctlOk(mwan!, ['wan', 'up', 'isp1']);
    await waitFor(() => preferred(1), 10000, `${hostAddr(1)} preferred again`);
    console.log(`      deprecated ${Math.round(ms)} ms after wan down; ${l.prefix}`);
  });

  it("a packet sourced from WAN 1's prefix leaves by WAN 1 only: cut WAN 1 and it is dropped, never sent by WAN 2", async () => {
    const l = lab!;
    const ok = await burst(l, l.ns.client, { count: 3, to: l.addr6.server, bind: hostAddr(1), timeoutMs: 2000 });
    assert.deepEqual(ok.bySource, { [hostAddr(1)]: 3 }, 'with WAN 1 up, its prefix works');
    await l.cutCarrier(1);
    try {
      await waitFor(
        async () => (await mwan!.ctl(['status', '--json'])).stdout.includes('link-down'),
        10000,
        'isp1 link-down',
      );
      const cut = await burst(l, l.ns.client, { count: 3, to: l.addr6.server, bind: hostAddr(1), timeoutMs: 1500 });
      assert.equal(cut.ok, 0, `no connection from WAN 1's prefix while it is cut: ${JSON.stringify(cut)}`);
      assert.equal(await leaked(), 0, "ISP 2 forwarded packets from ISP 1's prefix");
      const rules = (await l.exec(l.ns.router, ['ip', '-6', 'rule', 'show'])).stdout;
      assert.match(rules, /from 2001:db8:1:100::\/56 lookup \d+/, 'the source rule stays while WAN 1 is out');
    } finally {
      await l.restoreCarrier(1);
    }
  });

  it('a pinhole is reached from outside on every WAN; an unopened port of the same host is dropped', async () => {
    const l = lab!;
    for (const i of [1, 2]) {
      const r = await burst(l, l.ns.inet, { count: 2, to: hostAddr(i), port: PINHOLE, timeoutMs: 3000 });
      assert.equal(r.ok, 2, `pinhole via isp${i}: ${JSON.stringify(r)}`);
      const closed = await burst(l, l.ns.inet, { count: 2, to: hostAddr(i), port: CLOSED, timeoutMs: 1500 });
      assert.equal(closed.ok, 0, `unsolicited TCP ${CLOSED} via isp${i} must be dropped: ${JSON.stringify(closed)}`);
    }
    const drops = (await l.exec(l.ns.router, ['nft', 'list', 'chain', 'inet', 'mwan', 'fw_drop_forward'])).stdout;
    assert.match(drops, /counter packets [1-9]/, 'the forward drop chain counted them');
  });

  it('ICMPv6 packet-too-big passes the firewall: a 1400-byte ping across a 1280-MTU hop completes', async () => {
    const l = lab!;
    for (const i of [1, 2]) {
      await l.exec(l.ns.isp(i), ['ip', 'link', 'set', 'up0', 'mtu', '1280']);
      await l.exec(l.ns.inet, ['ip', 'link', 'set', `isp${i}`, 'mtu', '1280']);
    }
    const r = await l.exec(
      l.ns.client,
      ['ping', '-6', '-n', '-c', '4', '-i', '0.3', '-W', '2', '-s', '1400', l.addr6.server],
      {
        reject: false,
        timeout: 20000,
      },
    );
    const received = Number(/(\d+) received/.exec(r.stdout)?.[1] ?? 0);
    assert.ok(received >= 2, `ping -s 1400 answered ${received}/4:\n${r.stdout}${r.stderr}`);
    const pmtu = (await l.exec(l.ns.client, ['ip', '-6', 'route', 'get', l.addr6.server])).stdout;
    assert.match(pmtu, /mtu 1280/, `the host learnt the path MTU from packet-too-big: ${pmtu}`);
  });

  it('stop ends radvd (its final RA withdraws the router and deprecates the prefixes) and leaves ip -6 rules, routes and sysctls as they were', async () => {
    const l = lab!;
    const radvdPid = Number((await l.exec(l.ns.router, ['cat', `${mwan!.dir}/state/ra/radvd.pid`])).stdout.trim());
    assert.ok(radvdPid > 0, 'radvd wrote its own pid file');
    await ctlOk(mwan!, ['stop']);
    await waitFor(() => daemon!.hasExited, 15000, 'the daemon to exit');
    await waitFor(() => !existsSync(`/proc/${radvdPid}`), 5000, 'radvd to end');
    // radvd's final RA: the router withdrawn (no RA default route left on the host) and both prefixes deprecated.
    await waitFor(
      async () => (await deprecated(1)) && (await deprecated(2)),
      5000,
      'both prefixes deprecated by the final RA',
    );
    const raRoutes = (await l.exec(l.ns.client, ['ip', '-6', 'route', 'show', 'proto', 'ra'])).stdout;
    assert.doesNotMatch(raRoutes, /^default/m, `the host still has a default route from RAs: ${raRoutes}`);
    await sleep(500);
    assert.equal(await router6(), before6);
  });
});
