// ipv6.mode prefixes on two LANs (lan0 and guest0): each LAN host takes an address from its own /64 of each WAN's delegated
// prefix (subnets 0 and 1), both hosts reach the internet from each prefix, a WAN out of service is deprecated on both LANs,
// and stop leaves the router's IPv6 rules, routes and sysctls as they were.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { burst, startServerInNs } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { addressIs, enableSlaac, hostAddresses, router6Snapshot } from '../../kit/lab/slaac.ts';
import { sleep, waitFor } from '../../kit/time.ts';

const RADVD = '/usr/sbin/radvd';
const HOST_ID = '::5';
/** The /64 number of each LAN in every WAN's delegated 2001:db8:<i>:100::/56. */
const SUBNET = { lan0: 0, guest0: 1 } as const;
type LanName = keyof typeof SUBNET;
/** The LAN host's address from WAN i on a LAN: 2001:db8:<i>:10<subnet>::5. */
const hostAddr = (i: number, lan: LanName) => `2001:db8:${i}:10${SUBNET[lan]}::5`;

describe('mwan lab: IPv6 prefixes mode on two LANs', function () {
  this.timeout(150000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let daemon: ManagedProcess | undefined;
  let before6 = '';
  const nsOf = (lan: LanName) => (lan === 'lan0' ? lab!.ns.client : lab!.ns.guest);
  const is = (i: number, lan: LanName, state: 'preferred' | 'deprecated') =>
    addressIs(lab!, nsOf(lan), hostAddr(i, lan), state);
  const everywhere = async (i: number, state: 'preferred' | 'deprecated') =>
    (await is(i, 'lan0', state)) && (await is(i, 'guest0', state));

  before(async function () {
    await skipWithoutLab(this, 'ipv6 prefixes on two LANs');
    if (!existsSync(RADVD)) {
      console.log(`ipv6 prefixes on two LANs: skipped: ${RADVD} is missing (apt-get install radvd)`);
      this.skip();
    }
    lab = await createLab({ wans: 2, ipv6: true, guestLan: true });
    const l = lab;
    // What a DHCPv6-PD client does on the router: an address in each LAN's /64 of each WAN on that LAN's device.
    await l.exec(l.ns.router, ['ip', '-6', '-batch', '-'], {
      input: [1, 2]
        .flatMap((i) =>
          (['lan0', 'guest0'] as const).map(
            (lan) => `addr add ${hostAddr(i, lan).replace(/::5$/, '::1')}/64 dev ${lan} nodad`,
          ),
        )
        .join('\n'),
    });
    await Promise.all([enableSlaac(l, l.ns.client, HOST_ID), enableSlaac(l, l.ns.guest, HOST_ID)]);
    // Each ISP counts forwarded packets whose source is in the other ISP's block: a leak (BCP 38).
    for (const i of [1, 2])
      await l.exec(l.ns.isp(i), ['nft', '-f', '-'], {
        input: `table ip6 leak {\n  chain forward_count {\n    type filter hook forward priority -10; policy accept;\n    ip6 saddr 2001:db8:${3 - i}::/48 counter\n  }\n}\n`,
      });
    await startServerInNs(l, l.ns.inet, l.addr6.server, 80);
    await sleep(1500); // link-local routes settle before the snapshot
    before6 = await router6Snapshot(l, ['wan1', 'wan2']);
    mwan = mwanFor(l, (dir) =>
      labConfig(l, dir, {
        extra: {
          lan: [{ device: 'lan0' }, { device: 'guest0' }],
          ipv6: {
            mode: 'prefixes',
            lan: [
              { device: 'lan0', prefix: l.addr6.lanPrefix, subnet: SUBNET.lan0 },
              { device: 'guest0', prefix: l.guest.prefix6, subnet: SUBNET.guest0 },
            ],
            ra: { maxIntervalSeconds: 4 },
          },
        },
        wans: Object.fromEntries(
          [1, 2].map((i) => [
            i,
            {
              ipv6: {
                address: `${l.addr6.routerWan(i)}/64`,
                gateway: l.addr6.ispGateway(i),
                prefix: l.addr6.delegated(i),
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

  it("each LAN host takes an address in its own LAN's /64 of both WANs, all preferred, and none of the other LAN's", async () => {
    try {
      await waitFor(
        async () => (await everywhere(1, 'preferred')) && (await everywhere(2, 'preferred')),
        20000,
        'SLAAC addresses in both WANs on both LANs',
      );
    } catch (error) {
      console.log(daemon!.lines.filter((x) => /radvd|RA:/.test(x)).join('\n'));
      console.log((await lab!.exec(lab!.ns.router, ['cat', `${mwan!.dir}/state/ra/radvd.conf`])).stdout);
      for (const lan of ['lan0', 'guest0'] as const) console.log(lan, [...(await hostAddresses(lab!, nsOf(lan)))]);
      throw error;
    }
    const client = [...(await hostAddresses(lab!, lab!.ns.client)).keys()];
    const guest = [...(await hostAddresses(lab!, lab!.ns.guest)).keys()];
    assert.ok(!client.some((a) => /^2001:db8:\d:101:/.test(a)), `the lan0 host took a guest0 prefix: ${client}`);
    assert.ok(!guest.some((a) => /^2001:db8:\d:100:/.test(a)), `the guest0 host took a lan0 prefix: ${guest}`);
  });

  it('both hosts reach the internet from each of their prefixes, each by its own WAN', async () => {
    const l = lab!;
    for (const lan of ['lan0', 'guest0'] as const)
      for (const i of [1, 2]) {
        const r = await burst(l, nsOf(lan), { count: 2, to: l.addr6.server, bind: hostAddr(i, lan), timeoutMs: 3000 });
        assert.deepEqual(r.bySource, { [hostAddr(i, lan)]: 2 }, `${lan} from WAN ${i}'s prefix: ${JSON.stringify(r)}`);
      }
    for (const i of [1, 2]) {
      const out = (await l.exec(l.ns.isp(i), ['nft', 'list', 'table', 'ip6', 'leak'])).stdout;
      assert.equal(Number(/packets (\d+)/.exec(out)?.[1] ?? 'NaN'), 0, `ISP ${i} forwarded the other ISP's prefix`);
    }
  });

  it('a WAN out of service: its /64 is deprecated on both LANs (the other stays preferred); back: preferred on both', async () => {
    await ctlOk(mwan!, ['wan', 'down', 'isp1']);
    const ms = await waitFor(() => everywhere(1, 'deprecated'), 10000, "isp1's addresses deprecated on both LANs");
    assert.ok(await everywhere(2, 'preferred'), "isp2's addresses stay preferred");
    const r = await burst(lab!, lab!.ns.guest, { count: 4, concurrency: 2, to: lab!.addr6.server, timeoutMs: 2000 });
    assert.deepEqual(Object.keys(r.bySource), [hostAddr(2, 'guest0')], `new guest connections: ${JSON.stringify(r)}`);
    await ctlOk(mwan!, ['wan', 'up', 'isp1']);
    await waitFor(() => everywhere(1, 'preferred'), 10000, "isp1's addresses preferred again on both LANs");
    console.log(`      deprecated on both LANs ${Math.round(ms)} ms after wan down`);
  });

  it('stop ends radvd and leaves ip -6 rules, routes and sysctls as they were', async () => {
    await ctlOk(mwan!, ['stop']);
    await waitFor(() => daemon!.hasExited, 15000, 'the daemon to exit');
    await sleep(500);
    assert.equal(await router6Snapshot(lab!, ['wan1', 'wan2']), before6);
  });
});
