// A dual-stack HA pair in ipv6.mode npt: the virtual link-local gateway, IPv6 flows across the master's power loss, stop clean.
import assert from 'node:assert/strict';
import { otherRouter, useHaPair } from '../../kit/lab/ha-fixture.ts';
import { ROUTERS, type HaLab, type RouterName } from '../../kit/lab/ha-pair.ts';
import { ispForAddress6 } from '../../kit/lab/ha-pair6.ts';
import { startFlows } from '../../kit/lab/ha-traffic.ts';
import { waitFor } from '../../kit/time.ts';

/** A router's IPv6 state as text: addresses, rules, routes (sorted: a link that went down and up lists them anew), sysctls. */
async function snapshot6(lab: HaLab, r: RouterName): Promise<string> {
  const ns = lab.ns.router(r);
  const run = async (argv: string[]) => (await lab.exec(ns, argv)).stdout;
  const sorted = (text: string) => text.split('\n').sort().join('\n');
  const [addrs, rules, routes, sysctls] = await Promise.all([
    run(['ip', '-6', '-br', 'addr']),
    run(['ip', '-6', 'rule']),
    run(['ip', '-6', 'route', 'show', 'table', 'all']),
    run([
      'sysctl',
      'net.ipv6.conf.all.forwarding',
      'net.netfilter.nf_conntrack_tcp_loose',
      ...lab.devices().map((d) => `net.ipv6.conf.${d}.accept_ra`),
    ]),
  ]);
  const addrLines = addrs
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .map(([dev, , ...a]) => `${dev} ${a.sort().join(' ')}`);
  return [addrLines.sort().join('\n'), rules, sorted(routes), sysctls].join('\n---\n');
}

describe('mwan lab: a dual-stack HA pair (IPv6 npt behind a virtual link-local gateway)', function () {
  this.timeout(240000);
  const baseline = {} as Record<RouterName, string>;
  const isps = [1, 2];
  const pair = useHaPair({
    suite: 'ha-ipv6',
    lab: { wans: 2, ipv6: true },
    async prepare(lab) {
      for (const r of ROUTERS) {
        // Settled: no address tentative, and every link up has its link-local one (a link's fe80:: address appears a
        // moment after its carrier; a baseline taken before it would differ from the same router after a reboot).
        const settled = async () => {
          const ns = lab.ns.router(r);
          if ((await lab.exec(ns, ['ip', '-6', 'addr', 'show', 'tentative'])).stdout !== '') return false;
          const lines = (await lab.exec(ns, ['ip', '-6', '-br', 'addr', 'show', 'up'])).stdout.trim().split('\n');
          const up = (await lab.exec(ns, ['ip', '-br', 'link', 'show', 'up'])).stdout.trim().split('\n');
          const dev = (l: string) => l.split(/\s+/)[0].split('@')[0]; // `lan0@if5`: the name before the peer
          const devs = up.map(dev).filter((d) => d && d !== 'lo');
          return devs.every((d) => lines.some((l) => dev(l) === d && / fe80::/.test(l)));
        };
        await waitFor(settled, 10000, `${r}: IPv6 addresses settled`);
        baseline[r] = await snapshot6(lab, r);
      }
    },
    ha: (lab) => ({
      lan6: { lan0: lab.addr6!.lanVip },
      wans6: Object.fromEntries(isps.map((i) => [`isp${i}`, lab.addr6!.wanVip(i)])),
    }),
    top: (lab) => ({
      wans: isps.map((i) => ({
        name: `isp${i}`,
        device: `wan${i}`,
        gateway: lab.addr.ispGateway(i),
        ipv6: { address: 'auto', gateway: lab.addr6!.ispGateway(i), prefix: lab.addr6!.delegated(i) },
      })),
      ipv6: { mode: 'npt', lan: [{ device: 'lan0', prefix: lab.addr6!.lanPrefix }] },
    }),
  });
  const { nodes } = pair;
  let lab: HaLab;
  let master: RouterName = 'r1';
  const other = otherRouter;

  before(() => {
    lab = pair.lab;
  });

  const addrs6 = async (r: RouterName) => (await lab.exec(lab.ns.router(r), ['ip', '-6', 'addr'])).stdout;
  /** The ISP an IPv6 source seen by the server belongs to, with the client's host part kept (NPTv6). */
  const ispOfSource = (src: string | null): number | undefined =>
    src?.endsWith('::100') ? ispForAddress6(src, isps) : undefined;

  it('elects one master, which holds the link-local gateway and the WAN virtual IPv6 addresses; IPv6 leaves NPTed', async () => {
    master = await pair.elected();
    const a6 = lab.addr6!;
    const held = await addrs6(master);
    assert.match(held, new RegExp(`inet6 ${a6.lanVip}/64 scope link`), 'the LAN gateway fe80::1 on the master');
    for (const i of isps)
      assert.match(
        held,
        new RegExp(`inet6 ${a6.wanVip(i)}/128 scope global (nodad )?deprecated`),
        `WAN ${i}'s virtual address, deprecated`,
      );
    const spare = await addrs6(other(master));
    assert.doesNotMatch(spare, new RegExp(`${a6.lanVip}/64|::10/128`), 'the backup holds no virtual IPv6 address');
    const run = await startFlows(lab, { flows: 4, seconds: 1, to: a6.server });
    const res = await run.result;
    for (const f of res.flows) {
      assert.equal(f.closed, null);
      assert.ok(
        ispOfSource(f.firstSource),
        `the server saw a delegated prefix with host part ::100, got ${f.firstSource}`,
      );
    }
  });

  it('keeps the backup warm for IPv6: its ip -6 rules, NPT rules and forwarding are applied', async () => {
    const backup = lab.ns.router(other(master));
    assert.match((await lab.exec(backup, ['ip', '-6', 'rule'])).stdout, /fwmark/);
    const snat = (await lab.exec(backup, ['nft', 'list', 'chain', 'inet', 'mwan', 'snat_postrouting'])).stdout;
    for (const i of isps) assert.match(snat, new RegExp(`oifname "wan${i}" snat ip6 prefix to 2001:db8:${i}:100::/64`));
    const fwd = (await lab.exec(backup, ['sysctl', '-n', 'net.ipv6.conf.all.forwarding'])).stdout.trim();
    assert.equal(fwd, '1');
  });

  it('a power loss of the master: long IPv6 flows survive on the same prefix, new IPv6 connections work after it', async () => {
    const run = await startFlows(lab, { flows: 8, seconds: 14, connectEveryMs: 50, to: lab.addr6!.server });
    await new Promise((r) => setTimeout(r, 3000));
    const old = master;
    const powerLossAt = Date.now();
    await lab.powerOff(old);
    master = other(old);
    await waitFor(async () => (await nodes[master].role()) === 'master', 60000, `${master} becomes master`);
    const res = await run.result;
    assert.deepEqual(
      res.flows.filter((f) => f.closed !== null),
      [],
      'every long IPv6 flow survives',
    );
    for (const f of res.flows) {
      assert.ok(ispOfSource(f.firstSource), `an ISP's prefix, got ${f.firstSource}`);
      assert.equal(f.lastSource, f.firstSource, 'the server sees the same source (same WAN, same translation)');
    }
    const worst = Math.max(...res.flows.map((f) => f.maxGapMs));
    const firstAfter = res.connects.okTimes.find((t) => t > powerLossAt);
    console.log(
      `      IPv6 takeover: worst stall ${worst} ms, longest time without a new connection ${res.connects.worstGapMs} ms, ${res.connects.ok}/${res.connects.tried} new connections`,
    );
    assert.ok(worst < 8000, `worst stall ${worst} ms (bound 8 s on a loaded machine)`);
    assert.ok(firstAfter !== undefined, 'new IPv6 connections work after the power loss');
    // After the takeover every new connection works again: the last ones all succeeded.
    const late = await startFlows(lab, { flows: 3, seconds: 1, to: lab.addr6!.server });
    for (const f of (await late.result).flows) assert.equal(f.closed, null, 'a new IPv6 flow after the takeover');
  });

  it('the old master returns as backup; stop on both leaves ip -6 addr/rule/route and the sysctls as they were', async () => {
    const back = other(master);
    // After the power loss (when it ran) the old master reboots: links up, its virtual addresses and connections gone.
    if (nodes[back].daemon?.hasExited) {
      await lab.powerOn(back, true);
      await nodes[back].start();
    }
    await waitFor(async () => (await nodes[back].role()) === 'backup', 60000, `${back} is backup`);
    for (const r of [back, master]) {
      const res = await nodes[r].ctl(['stop']);
      assert.equal(res.exitCode, 0, res.stderr);
      await nodes[r].daemon?.exited;
    }
    for (const r of ROUTERS) {
      // Link-local routes come back a moment after a link is up again (the power loss set them down).
      await waitFor(async () => (await snapshot6(lab, r)) === baseline[r], 15000, `${r} as before`).catch(
        () => undefined,
      );
      assert.equal(await snapshot6(lab, r), baseline[r], `${r} as before`);
    }
  });
});
