// A single-address uplink (kind b) on an HA pair: the master holds the modem's one address on keepalived's VMAC; a power loss moves it with the same MAC.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { ipBatch } from '../../kit/lab/netns.ts';
import { otherRouter, useHaPair } from '../../kit/lab/ha-fixture.ts';
import { ROUTERS, type HaLab, type RouterName } from '../../kit/lab/ha-pair.ts';
import { startFlows } from '../../kit/lab/ha-traffic.ts';
import { addModem, type Modem } from '../../kit/lab/ha-uplink.ts';
import { waitFor } from '../../kit/time.ts';

/** The VRRP MAC of the uplink's instance: ha.virtualRouterId 51, so the uplink's id is 52 (0x34). */
const VMAC = '00:00:5e:00:01:34';
/** The stand-in uplink client (the lab has no DHCP server): a process whose presence shows where the client runs. */
const CLIENT = ['/usr/bin/sleep', '3601'];

/** A router namespace's networking as text: links, addresses, rules, routes, nft, the sysctls mwan sets. */
async function snapshot(lab: HaLab, r: RouterName): Promise<string> {
  const ns = lab.ns.router(r);
  const run = async (argv: string[]) => (await lab.exec(ns, argv)).stdout;
  const parts = await Promise.all([
    run(['ip', '-o', 'link', 'show']).then((t) => t.replace(/^\d+: (\S+?)(@\S+)?: .*$/gm, '$1')),
    run(['ip', '-4', '-br', 'addr']),
    run(['ip', 'rule']),
    run(['ip', '-4', 'route', 'show', 'table', 'all']),
    run(['nft', 'list', 'ruleset']),
    run(['sysctl', 'net.ipv4.ip_forward', 'net.netfilter.nf_conntrack_tcp_loose']),
  ]);
  return parts.join('\n---\n');
}

/** Whether the uplink's client (the stand-in) runs in the router's namespace. */
async function clientRuns(lab: HaLab, r: RouterName): Promise<boolean> {
  const out = await execa('ip', ['netns', 'pids', lab.ns.router(r)], { reject: false });
  const pids = String(out.stdout ?? '')
    .split('\n')
    .map(Number)
    .filter((n) => n > 1);
  const cmdline = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    } catch {
      return ''; // gone meanwhile
    }
  };
  return pids.some((pid) => cmdline(pid) === CLIENT.join(' '));
}

describe('mwan lab: an HA pair on a single-address uplink (keepalived VMAC)', function () {
  this.timeout(240000);
  let modem: Modem;
  const baseline = {} as Record<RouterName, string>;
  const pair = useHaPair({
    suite: 'ha single-uplink',
    lab: { wans: 1 },
    prepare: async (lab) => {
      modem = await addModem(lab);
      for (const r of ROUTERS) baseline[r] = await snapshot(lab, r);
    },
    // isp1 (a shared subnet) stays as a second tier; the modem's uplink is the preferred WAN.
    top: (lab) => ({
      mode: 'failover',
      wans: [
        {
          name: 'modem',
          device: 'vmacm',
          gateway: '192.168.1.1',
          tier: 1,
          probes: [{ method: 'icmp', target: 'gateway' }],
        },
        { name: 'isp1', device: 'wan1', gateway: lab.addr.ispGateway(1), tier: 2 },
      ],
    }),
    ha: () => ({ uplinks: { modem: { link: 'wanm', address: '192.168.1.10/24', client: CLIENT } } }),
  });
  let master: RouterName = 'r1';

  const vmacOf = async (r: RouterName) => {
    const t = (
      await pair.lab.exec(pair.lab.ns.router(r), ['ip', '-br', 'link', 'show', 'dev', 'vmacm'], { reject: false })
    ).stdout;
    return /\s([0-9a-f:]{17})\s/.exec(t)?.[1] ?? null;
  };
  const holds = async (r: RouterName) =>
    (
      await pair.lab.exec(pair.lab.ns.router(r), ['ip', '-4', '-br', 'addr', 'show', 'dev', 'vmacm'], { reject: false })
    ).stdout.includes('192.168.1.10/24');
  const wanOf = async (r: RouterName, name: string) => {
    const res = await pair.nodes[r].ctl(['status', '--json']);
    assert.equal(res.exitCode, 0, res.stderr);
    return (
      JSON.parse(res.stdout) as { wans: { name: string; state: string; flaps: number; address: string | null }[] }
    ).wans.find((w) => w.name === name)!;
  };

  it('the master holds the modem address on the VMAC (same MAC on both), runs the client, and serves the LAN through it', async () => {
    master = await pair.elected();
    const backup = otherRouter(master);
    await waitFor(() => holds(master), 30000, `${master} holds 192.168.1.10 on vmacm`);
    assert.equal(await holds(backup), false, 'the backup has no address on the uplink');
    assert.equal(await vmacOf(master), VMAC);
    assert.equal(await vmacOf(backup), VMAC, 'keepalived made the same VMAC on the backup');
    await waitFor(() => clientRuns(pair.lab, master), 30000, `the uplink client runs on ${master}`);
    assert.equal(await clientRuns(pair.lab, backup), false, 'no client on the backup');
    await waitFor(
      async () => (await wanOf(master, 'modem')).state === 'online',
      30000,
      'the modem WAN online on the master',
    );
    const run = await startFlows(pair.lab, { flows: 2, seconds: 1 });
    for (const f of (await run.result).flows) {
      assert.equal(f.closed, null);
      assert.equal(f.firstSource, modem.public, 'the server saw the modem public address');
    }
    assert.deepEqual(
      await modem.neighbour().then((n) => n?.mac),
      VMAC,
      "the modem's entry for the address is the VMAC",
    );
  });

  it('the backup shows the uplink as held by the peer: not offline, no flap (status and --json)', async () => {
    const backup = otherRouter(master);
    await waitFor(
      async () => (await wanOf(backup, 'modem')).state === 'held-by-peer',
      30000,
      'held-by-peer on the backup',
    );
    const w = await wanOf(backup, 'modem');
    assert.equal(w.flaps, 0);
    assert.equal(w.address, null);
    const text = await pair.nodes[backup].ctl(['status']);
    assert.match(text.stdout, /held-by-peer/);
    assert.match(text.stdout, /uplink modem on vmacm: held by the peer; client not running/);
    const json = JSON.parse((await pair.nodes[backup].ctl(['status', '--json'])).stdout);
    assert.equal(json.plugins.ha.uplinks[0].client.running, false);
  });

  it('a power loss of the master: the backup takes the address with the same MAC, the modem entry stays valid, flows go on', async () => {
    const lab = pair.lab;
    const survivor = otherRouter(master);
    const run = await startFlows(lab, { flows: 3, seconds: 14, connectEveryMs: 100 });
    await new Promise((r) => setTimeout(r, 1500));
    await modem.setLink(master, false);
    await lab.powerOff(master);
    const cutAt = Date.now();
    await waitFor(() => holds(survivor), 30000, `${survivor} holds 192.168.1.10`);
    console.log(`      ${survivor} holds the uplink address ${Date.now() - cutAt} ms after the power loss`);
    const n = await modem.neighbour();
    assert.equal(n?.mac, VMAC, 'the same MAC answers for the address');
    assert.match(n?.state ?? '', /REACHABLE|STALE|DELAY|PROBE/, `the modem's entry is valid (${n?.state})`);
    await waitFor(async () => (await pair.nodes[survivor].role()) === 'master', 45000, `${survivor} says master`);
    await waitFor(() => clientRuns(lab, survivor), 30000, `the uplink client runs on ${survivor}`);
    await waitFor(async () => (await wanOf(survivor, 'modem')).state === 'online', 30000, 'the modem WAN online');
    const res = await run.result;
    assert.ok(res.connects.ok > 0, 'new connections worked');
    const late = await startFlows(lab, { flows: 2, seconds: 1 });
    for (const f of (await late.result).flows)
      assert.equal(f.firstSource, modem.public, 'new connections leave by the modem');
    assert.deepEqual(
      res.flows.filter((f) => f.closed !== null),
      [],
      'long flows survive the takeover',
    );
    for (const f of res.flows) assert.equal(f.lastSource, f.firstSource, 'the server sees the same public address');
  });

  it('stop leaves the survivor as it was (the VMAC removed); the old master, rebooted and stopped, too', async () => {
    const lab = pair.lab;
    const survivor = otherRouter(master);
    // The old master's reboot: links up; what a reboot loses (keepalived's addresses, its VMAC, the connection table).
    await lab.powerOn(master, true);
    await ipBatch(['link del dev vmacm'], lab.ns.router(master), true).catch(() => undefined);
    await modem.setLink(master, true);
    await pair.nodes[master].start();
    await waitFor(async () => (await pair.nodes[master].role()) === 'backup', 60000, `${master} back as backup`);
    assert.equal(await holds(survivor), true, 'the survivor keeps the address (nopreempt)');
    for (const r of [master, survivor]) {
      const res = await pair.nodes[r].ctl(['stop']);
      assert.equal(res.exitCode, 0, res.stderr);
      await pair.nodes[r].daemon?.exited;
    }
    for (const r of ROUTERS) assert.equal(await snapshot(lab, r), baseline[r], `${r} as before`);
  });
});
