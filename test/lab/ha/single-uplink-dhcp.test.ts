// A single-address uplink by DHCP on an HA pair: the master's client (busybox udhcpc on the VMAC) leases the modem's one address; after a power loss the new master leases it again, same MAC.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { otherRouter, useHaPair } from '../../kit/lab/ha-fixture.ts';
import { ROUTERS, type HaLab, type RouterName } from '../../kit/lab/ha-pair.ts';
import { startFlows } from '../../kit/lab/ha-traffic.ts';
import { addModem, BUSYBOX, startDhcp, type Modem } from '../../kit/lab/ha-uplink.ts';
import { waitFor } from '../../kit/time.ts';

const VMAC = '00:00:5e:00:01:34';

/** A router namespace's link names and IPv4 addresses (what the uplink's client and keepalived change). */
async function addresses(lab: HaLab, r: RouterName): Promise<string> {
  const ns = lab.ns.router(r);
  const links = (await lab.exec(ns, ['ip', '-o', 'link', 'show'])).stdout.replace(/^\d+: (\S+?)(@\S+)?: .*$/gm, '$1');
  // Names and addresses only: a link's carrier (the dead peer's end of the sync link) is not the uplink's business.
  const addrs = (await lab.exec(ns, ['ip', '-4', '-o', 'addr', 'show'])).stdout.replace(
    /^\d+: (\S+)\s+inet (\S+).*$/gm,
    '$1 $2',
  );
  return `${links}\n---\n${addrs}`;
}

const holds = async (lab: HaLab, r: RouterName) =>
  (
    await lab.exec(lab.ns.router(r), ['ip', '-4', '-br', 'addr', 'show', 'dev', 'vmacm'], { reject: false })
  ).stdout.includes('192.168.1.10/24');

describe('mwan lab: an HA pair on a DHCP single-address uplink (udhcpc on the master only)', function () {
  this.timeout(240000);
  let modem: Modem;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-ha-dhcp-'));
  let client: string[] = [];
  const baseline = {} as Record<RouterName, string>;
  const pair = useHaPair({
    suite: 'ha single-uplink dhcp',
    lab: { wans: 1 },
    prepare: async (lab) => {
      if (!existsSync(BUSYBOX))
        throw new Error(`${BUSYBOX} is missing (Debian package busybox, test/setup/test-packages.txt)`);
      modem = await addModem(lab);
      client = await startDhcp(lab, modem, dir);
      for (const r of ROUTERS) baseline[r] = await addresses(lab, r);
    },
    top: (lab) => ({
      mode: 'failover',
      wans: [
        { name: 'modem', device: 'vmacm', gateway: '192.168.1.1', tier: 1 },
        { name: 'isp1', device: 'wan1', gateway: lab.addr.ispGateway(1), tier: 2 },
      ],
    }),
    // No fixed address: the client leases it (useHaPair reads this after prepare has set `client`).
    ha: () => ({ uplinks: { modem: { link: 'wanm', client } } }),
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  let master: RouterName = 'r1';

  const stateOf = async (r: RouterName) => {
    const res = await pair.nodes[r].ctl(['status', '--json']);
    if (res.exitCode !== 0) return null;
    return (
      (JSON.parse(res.stdout) as { wans: { name: string; state: string }[] }).wans.find((w) => w.name === 'modem')
        ?.state ?? null
    );
  };

  it('the master leases the address on its VMAC; the backup has none and says held-by-peer', async () => {
    master = await pair.elected();
    await waitFor(() => holds(pair.lab, master), 45000, `${master} leased 192.168.1.10 on vmacm`);
    assert.equal(await holds(pair.lab, otherRouter(master)), false);
    await waitFor(async () => (await stateOf(master)) === 'online', 30000, 'the modem WAN online on the master');
    assert.equal(await stateOf(otherRouter(master)), 'held-by-peer');
    const run = await startFlows(pair.lab, { flows: 1, seconds: 1 });
    assert.equal((await run.result).flows[0]?.firstSource, modem.public, 'LAN traffic leaves by the modem');
    assert.equal((await modem.neighbour())?.mac, VMAC);
  });

  it('after a power loss of the master the new master leases the same address with the same MAC; stop removes it', async () => {
    const lab = pair.lab;
    const survivor = otherRouter(master);
    await modem.setLink(master, false);
    await lab.powerOff(master);
    const cutAt = Date.now();
    await waitFor(() => holds(lab, survivor), 60000, `${survivor} leased 192.168.1.10`);
    console.log(`      ${survivor} leased the uplink address ${Date.now() - cutAt} ms after the power loss`);
    assert.equal((await modem.neighbour())?.mac, VMAC, 'the same MAC answers for the address');
    await waitFor(async () => (await stateOf(survivor)) === 'online', 30000, 'the modem WAN online on the new master');
    const run = await startFlows(lab, { flows: 1, seconds: 1 });
    assert.equal((await run.result).flows[0]?.firstSource, modem.public, 'new connections leave by the modem');
    const res = await pair.nodes[survivor].ctl(['stop']);
    assert.equal(res.exitCode, 0, res.stderr);
    await pair.nodes[survivor].daemon?.exited;
    // The client's address flushed after it stopped, keepalived's VMAC removed: links and addresses as before.
    assert.equal(await addresses(lab, survivor), baseline[survivor]);
  });
});
