// UPnP on an HA pair: miniupnpd runs on the master only; a mapping made through it answers from outside after the master loses power, and the new master's miniupnpd lists it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { otherRouter, useHaPair } from '../../kit/lab/ha-fixture.ts';
import type { HaLab, RouterName } from '../../kit/lab/ha-pair.ts';
import type { Lab } from '../../kit/lab/topology.ts';
import { burst, nodeArgv, startServerInNs } from '../../kit/lab/traffic.ts';
import { waitFor } from '../../kit/time.ts';

const PORT = 9000; // the LAN host maps external TCP 9000 to its own 9000; each ISP forwards its public 9000 to the WAN's virtual address
const MINIUPNPD = '/usr/sbin/miniupnpd';
const STUN_SERVER = fileURLToPath(new URL('../../kit/lab/servers/stun-server.ts', import.meta.url));

/** Why the suite cannot run without miniupnpd and upnpc, or undefined (nothing is run to check). */
function missingUpnpTools(): string | undefined {
  if (!existsSync(MINIUPNPD)) return `${MINIUPNPD} is missing (apt-get install miniupnpd-nftables)`;
  const dirs = (process.env.PATH ?? '/usr/bin:/bin').split(':');
  if (!dirs.some((d) => d && existsSync(path.join(d, 'upnpc')))) return 'upnpc is missing (apt-get install miniupnpc)';
  return undefined;
}

/** Each ISP forwards its public TCP PORT to the WAN's virtual address (held by the master). */
const ispForward = (lab: HaLab, i: number) => `
table ip labfwd {
  chain prerouting { type nat hook prerouting priority dstnat; policy accept; iifname "up0" tcp dport ${PORT} dnat to ${lab.addr.wanVip(i)}; }
}
`;

describe('mwan lab: UPnP on an HA pair (miniupnpd on the master only, its leases survive a takeover)', function () {
  this.timeout(300000);
  const missing = missingUpnpTools();
  before(function () {
    if (missing) {
      console.log(`ha-upnp: skipped (needs miniupnpd and upnpc): ${missing}`);
      this.skip();
    }
  });
  const pair = useHaPair({
    suite: 'ha-upnp',
    top: (lab) => ({ plugins: { upnp: { enabled: true, stun: { host: lab.addr.server } } } }),
    async prepare(lab) {
      for (let i = 1; i <= lab.wans; i++)
        await lab.exec(lab.ns.isp(i), ['nft', '-f', '-'], { input: ispForward(lab, i) });
      const stun = lab.spawn(lab.ns.inet, nodeArgv(STUN_SERVER, ['--bind', lab.addr.server]));
      await Promise.all([
        stun.waitForLine('ready', 15000),
        startServerInNs(lab as unknown as Lab, lab.ns.client, '0.0.0.0', PORT),
      ]);
    },
  });
  let master: RouterName = 'r1';

  const igd = () => `http://${pair.lab.addr.lanVip}:5000/rootDesc.xml`;
  /** upnpc in the LAN host against the gateway at the LAN's virtual address; a failure gives its output too. */
  const upnpc = async (args: string[]) => {
    const r = await pair.lab.exec(pair.lab.ns.client, ['upnpc', '-i', '-u', igd(), ...args], {
      timeout: 15000,
      reject: false,
    });
    return `${r.stdout}\n${r.stderr}`;
  };
  const listed = (out: string) =>
    new RegExp(`TCP\\s+${PORT}->${pair.lab.addr.client.replaceAll('.', '\\.')}:${PORT}\\b`).test(out);
  /** Connections from the internet to ISP `i`'s public address, port PORT. */
  const viaIsp = (i: number, count = 3) =>
    burst(pair.lab as unknown as Lab, pair.lab.ns.inet, {
      count,
      concurrency: count,
      to: pair.lab.addr.ispPublic(i),
      port: PORT,
      timeoutMs: 1500,
    });
  const miniupnpdIn = async (r: RouterName): Promise<number> => {
    const pids = (await execa('ip', ['netns', 'pids', pair.lab.ns.router(r)])).stdout.split('\n').filter(Boolean);
    const comms = await Promise.all(
      pids.map((p) =>
        readFile(`/proc/${p}/comm`, 'utf8').then(
          (c) => c.trim(),
          () => '',
        ),
      ),
    );
    return comms.filter((c) => c === 'miniupnpd').length;
  };
  const acceptedOf = (r: RouterName) =>
    readFile(path.join(pair.nodes[r].dir, 'state', 'upnp', 'accepted.leases'), 'utf8').catch(() => '');
  const mwanTable = async (r: RouterName) =>
    (await pair.lab.exec(pair.lab.ns.router(r), ['nft', 'list', 'table', 'inet', 'mwan'])).stdout;
  const dnat = () => `tcp dport ${PORT} dnat ip to ${pair.lab.addr.client}:${PORT}`;

  it('the master runs miniupnpd, the backup none; upnpc maps a port through the master and the internet reaches the LAN host', async () => {
    master = await pair.elected();
    const backup = otherRouter(master);
    // miniupnpd learns the public address by STUN: once upnpc sees it, the gateway is ready.
    await waitFor(
      async () => /ExternalIPAddress = 198\.51\.100\./.test(await upnpc(['-l'])),
      60000,
      "the master's miniupnpd to answer upnpc with a public address",
    );
    assert.equal(await miniupnpdIn(master), 1, 'one miniupnpd on the master');
    assert.equal(await miniupnpdIn(backup), 0, 'no miniupnpd on the backup');
    const out = await upnpc(['-a', pair.lab.addr.client, String(PORT), String(PORT), 'TCP']);
    assert.match(
      out,
      new RegExp(`is redirected to internal ${pair.lab.addr.client.replaceAll('.', '\\.')}:${PORT}`),
      out,
    );
    await waitFor(async () => (await viaIsp(1, 1)).ok === 1, 30000, 'the mapping to answer through isp1').catch(
      async (error: Error) => {
        const tables = await Promise.all(
          ['mwan', 'mwan_upnp'].map(
            async (t) =>
              (await pair.lab.exec(pair.lab.ns.router(master), ['nft', 'list', 'table', 'inet', t], { reject: false }))
                .stdout,
          ),
        );
        const log = (pair.nodes[master].daemon?.lines ?? []).filter((l) => /UPnP|HA:|miniupnpd/.test(l));
        throw new Error(`${error.message}; the master's tables:\n${tables.join('\n')}\nits log:\n${log.join('\n')}`);
      },
    );
    for (const i of [1, 2]) assert.equal((await viaIsp(i)).ok, 3, `the mapping answers through isp${i}`);
  });

  it('the backup holds the master’s lease (accepted.leases) and forwards it already, without a miniupnpd', async () => {
    const backup = otherRouter(master);
    await waitFor(
      async () => (await acceptedOf(backup)).includes(`TCP:${PORT}:${pair.lab.addr.client}:${PORT}:`),
      30000,
      "the master's lease in the backup's accepted.leases",
    );
    await waitFor(
      async () => (await mwanTable(backup)).includes(dnat()),
      30000,
      "the mapping in the backup's mwan table",
    );
    assert.equal(await miniupnpdIn(backup), 0, 'still no miniupnpd on the backup');
    const status = await pair.nodes[backup].ctl(['status', '--json']);
    const link = (
      JSON.parse(status.stdout) as { plugins?: { ha?: { peerLink?: { upnpLeases?: { leases: number } } } } }
    ).plugins?.ha?.peerLink;
    assert.equal(link?.upnpLeases?.leases, 1, `the backup's status counts the copied lease: ${JSON.stringify(link)}`);
  });

  it('the master loses power: the new master answers the mapping from outside within seconds, and its miniupnpd lists it', async () => {
    const old = master;
    const t0 = Date.now();
    await pair.lab.powerOff(old);
    master = otherRouter(old);
    await waitFor(async () => (await viaIsp(1, 1)).ok === 1, 30000, 'the mapping to answer through the new master');
    const answeredMs = Date.now() - t0;
    console.log(
      `      the mapping answered from outside ${answeredMs} ms after the power loss (including the client's start)`,
    );
    assert.ok(answeredMs < 20000, `answered after ${answeredMs} ms`);
    assert.equal(await pair.nodes[master].role(), 'master');
    for (const i of [1, 2])
      assert.equal((await viaIsp(i)).ok, 3, `the mapping answers through isp${i} (same external port)`);

    let last = '';
    await waitFor(
      async () => {
        last = await upnpc(['-l']);
        return listed(last);
      },
      60000,
      "the new master's miniupnpd to list the mapping",
    ).catch((error: Error) => {
      throw new Error(`${error.message}; upnpc -l said: ${last}`);
    });
    console.log(`      upnpc -l lists it ${Date.now() - t0} ms after the power loss`);
    assert.equal(await miniupnpdIn(master), 1, 'one miniupnpd on the new master');
    assert.equal((await viaIsp(1)).ok, 3, 'still answering once miniupnpd restored it');
  });
});
