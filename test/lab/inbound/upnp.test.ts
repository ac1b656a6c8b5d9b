// UPnP: upnpc on the LAN maps a port through miniupnpd, the internet reaches it through the WAN served, and after a failover through the next;
// a mapping forged through a description with a newline is never forwarded, not even after miniupnpd restarts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { burst, nodeArgv, startServerInNs } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, routerSnapshot, type Mwan } from '../../kit/lab/fixture.ts';
import { NOTHING_TO_DO, ctlOk, layoutOf, settledSnapshot, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

const PORT = 9000; // the client maps external TCP 9000 to its own 9000; every ISP forwards its public 9000 to the router
const HONEST = 5557; // the mapping whose description carries the forged line
const FORGED = 6000; // the forged line maps WAN 6000 to another LAN host's SSH
const OTHER_HOST = '10.77.0.3';
const FORGED_DESCRIPTION = `x\nTCP:${FORGED}:${OTHER_HOST}:22:0:injected`;
const MINIUPNPD = '/usr/sbin/miniupnpd';
const STUN_SERVER = fileURLToPath(new URL('../../kit/lab/servers/stun-server.ts', import.meta.url));
const IGD = 'http://10.77.0.1:5000/rootDesc.xml';

/** Why the suite cannot run without miniupnpd and upnpc, or undefined when both are there (nothing is run to check). */
function missingTools(): string | undefined {
  if (!existsSync(MINIUPNPD)) return `${MINIUPNPD} is missing (apt-get install miniupnpd-nftables)`;
  const dirs = (process.env.PATH ?? '/usr/bin:/bin').split(':');
  if (!dirs.some((d) => d && existsSync(path.join(d, 'upnpc')))) return 'upnpc is missing (apt-get install miniupnpc)';
  return undefined;
}

describe('mwan lab: UPnP through miniupnpd, following the preferred WAN', function () {
  this.timeout(90000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let daemon: ManagedProcess;
  let pristine = '';

  before(async function () {
    await skipWithoutLab(this, 'upnp');
    const missing = missingTools();
    if (missing) {
      console.log(`upnp: skipped (needs miniupnpd and upnpc): ${missing}`);
      this.skip();
    }
    lab = await createLab({
      wans: 3,
      ispPortForward: [1, 2, 3].flatMap((isp) => [PORT, HONEST, FORGED].map((port) => ({ isp, port }))),
    });
    const l = lab;
    pristine = await settledSnapshot(l);
    mwan = mwanFor(l, (dir) =>
      labConfig(l, dir, {
        // isp2 and isp3 share tier 2: after isp1 fails the router's own traffic spreads over both, so the STUN queries
        // only agree on isp2's address because mwan routes them out of the WAN miniupnpd serves.
        mode: 'failover',
        wans: { 1: { tier: 1 }, 2: { tier: 2 }, 3: { tier: 2 } },
        // The lab's ISPs NAT like home routers: miniupnpd learns each WAN's public address from a STUN server in inet.
        extra: { plugins: { upnp: { enabled: true, stun: { host: l.addr.server } } } },
      }),
    );
    const stun = l.spawn(l.ns.inet, nodeArgv(STUN_SERVER, ['--bind', l.addr.server]));
    // Another LAN host (a second address of the client namespace) runs SSH-like port 22: the forged mapping's target.
    await l.exec(l.ns.client, ['ip', 'addr', 'add', `${OTHER_HOST}/24`, 'dev', 'eth0']);
    await Promise.all([
      stun.waitForLine('ready', 15000),
      startServerInNs(l, l.ns.client, '0.0.0.0', [PORT, HONEST, 22]),
    ]);
    daemon = await mwan.startDaemon();
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  /** Waits for a daemon log line matching `re` (any line seen so far counts). */
  const logged = (re: RegExp, ms = 15000) =>
    waitFor(() => daemon.lines.some((l) => re.test(l)), ms, `a daemon log line matching ${re}`);

  /** upnpc in the LAN client; `args` after the IGD selection. With `reject: false` a failure gives its output too. */
  async function upnpc(args: string[], o: { discover?: boolean; reject?: boolean } = {}): Promise<string> {
    const r = await lab!.exec(lab!.ns.client, ['upnpc', ...(o.discover ? ['-i'] : ['-i', '-u', IGD]), ...args], {
      timeout: 15000,
      reject: o.reject,
    });
    return r.stdout;
  }
  /** Polls `upnpc -l` (the gateway may be restarting) until it reports `address` as its external address. */
  const reports = (address: string) =>
    waitFor(
      async () => (await upnpc(['-l'], { reject: false })).includes(`ExternalIPAddress = ${address}\n`),
      15000,
      `the gateway to report ${address} as its external address`,
    );

  /** `count` connections from inet to ISP `i`'s public address, port PORT. */
  const viaIsp = (i: number, count = 5, port = PORT) =>
    burst(lab!, lab!.ns.inet, { count, concurrency: 5, to: lab!.addr.ispPublic(i), port, timeoutMs: 1500 });
  const table = async (name: string) =>
    (await lab!.exec(lab!.ns.router, ['nft', 'list', 'table', 'inet', name])).stdout;
  const files = () => ({
    leases: path.join(mwan!.dir, 'state', 'upnp', 'miniupnpd.leases'),
    accepted: path.join(mwan!.dir, 'state', 'upnp', 'accepted.leases'),
  });

  /** The forged mapping is nowhere: not in miniupnpd's table, not in mwan's, not in the accepted leases; WAN port FORGED does not answer. */
  async function assertForgedRefused(when: string): Promise<void> {
    assert.doesNotMatch(await table('mwan_upnp'), new RegExp(`dport ${FORGED}\\b`), `${when}: miniupnpd's table`);
    assert.doesNotMatch(
      await table('mwan'),
      new RegExp(`dport ${FORGED}\\b|${OTHER_HOST.replaceAll('.', '\\.')}`),
      `${when}: mwan's table`,
    );
    assert.doesNotMatch(
      await readFile(files().accepted, 'utf8'),
      new RegExp(`:${FORGED}:`),
      `${when}: the leases miniupnpd gets back`,
    );
    for (const i of [1, 2, 3])
      assert.equal(
        (await viaIsp(i, 2, FORGED)).ok,
        0,
        `${when}: WAN port ${FORGED} on isp${i} must not reach ${OTHER_HOST}:22`,
      );
  }

  const miniupnpdPids = async (): Promise<string[]> => {
    const pids = (await execa('ip', ['netns', 'pids', lab!.ns.router])).stdout.split('\n').filter(Boolean);
    const comms = await Promise.all(
      pids.map((p) =>
        readFile(`/proc/${p}/comm`, 'utf8').then(
          (c) => c.trim(),
          () => '',
        ),
      ),
    );
    return pids.filter((_, k) => comms[k] === 'miniupnpd');
  };

  it('serves the preferred WAN (isp1) and upnpc, discovering the gateway by SSDP, maps a port; the internet reaches the LAN server through isp1', async () => {
    const l = lab!;
    await logged(/UPnP: miniupnpd serves isp1 \(wan1\)/);
    await logged(/miniupnpd: Port forwarding is now enabled/);
    const out = await upnpc(['-a', l.addr.client, String(PORT), String(PORT), 'TCP'], { discover: true });
    assert.match(out, new RegExp(`ExternalIPAddress = ${l.addr.ispPublic(1).replaceAll('.', '\\.')}`), out);
    assert.match(
      out,
      new RegExp(
        `external ${l.addr.ispPublic(1).replaceAll('.', '\\.')}:${PORT} TCP is redirected to internal ${l.addr.client.replaceAll('.', '\\.')}:${PORT}`,
      ),
      out,
    );
    await logged(/UPnP: 1 mapping, forwarded on isp1, isp2, isp3/, 5000);
    const ms = await waitFor(async () => (await viaIsp(1, 1)).ok === 1, 20000, 'the mapping to answer through isp1');
    const r = await viaIsp(1);
    assert.equal(r.ok, 5, JSON.stringify(r));
    assert.deepEqual(r.bySource, { [l.addr.inetPeer(1)]: 5 }, 'the LAN server sees the remote address');
    console.log(`      mapped port answered through isp1 ${Math.round(ms)} ms after upnpc returned`);
    assert.equal(
      await ctlOk(mwan!, ['apply', '--print']),
      NOTHING_TO_DO,
      "mwan's table is stable with the mapping in it",
    );
    assert.match(
      (await l.exec(l.ns.router, ['nft', 'list', 'table', 'inet', 'mwan_upnp'])).stdout,
      /dnat ip to 10\.77\.0\.2:9000/,
      'miniupnpd keeps its own record in its own table',
    );
  });

  it('mwan forwards the mapping on every WAN, not only the one the gateway reports', async () => {
    for (const i of [2, 3]) {
      const r = await viaIsp(i);
      assert.equal(r.ok, 5, `isp${i}: ${JSON.stringify(r)}`);
      assert.deepEqual(r.bySource, { [lab!.addr.inetPeer(i)]: 5 });
    }
  });

  it('a description with a newline forges a lease line for another host: mwan does not forward it; the honest mapping works', async () => {
    const l = lab!;
    const out = await upnpc(['-e', FORGED_DESCRIPTION, '-a', l.addr.client, String(HONEST), String(HONEST), 'TCP']);
    assert.match(out, new RegExp(`is redirected to internal ${l.addr.client.replaceAll('.', '\\.')}:${HONEST}`), out);
    await waitFor(
      async () => (await table('mwan')).includes(`tcp dport ${HONEST} dnat ip to ${l.addr.client}:${HONEST}`),
      20000,
      'mwan to forward the honest mapping',
    );
    assert.match(
      await readFile(files().leases, 'utf8'),
      new RegExp(`^TCP:${FORGED}:${OTHER_HOST.replaceAll('.', '\\.')}:22:0:injected$`, 'm'),
      'miniupnpd wrote the forged line into its lease file (the attack is real)',
    );
    await waitFor(async () => (await viaIsp(1, 1, HONEST)).ok === 1, 20000, 'the honest mapping to answer');
    for (const i of [1, 2, 3]) assert.equal((await viaIsp(i, 3, HONEST)).ok, 3, `honest mapping through isp${i}`);
    await waitFor(
      async () => (await readFile(files().accepted, 'utf8')).includes(`TCP:${HONEST}:`),
      20000,
      'the accepted leases to hold the honest mapping',
    );
    await assertForgedRefused('while miniupnpd runs');
  });

  it("on failover (isp1 loses carrier) miniupnpd moves to isp2 with the mapping, reports isp2's address, and isp2 answers", async () => {
    const l = lab!;
    const before = await miniupnpdPids();
    assert.equal(before.length, 1, `one miniupnpd runs: ${before}`);
    const t0 = performance.now();
    await l.cutCarrier(1);
    try {
      await logged(/UPnP: miniupnpd serves isp2 \(wan2\), was isp1/);
      const moved = performance.now() - t0;
      await reports(l.addr.ispPublic(2));
      const list = await upnpc(['-l']);
      assert.match(
        list,
        new RegExp(`TCP\\s+${PORT}->${l.addr.client.replaceAll('.', '\\.')}:${PORT}`),
        `the mapping survived the restart:\n${list}`,
      );
      const reported = performance.now() - t0;
      const rules = (await l.exec(l.ns.router, ['ip', 'rule', 'show'])).stdout;
      assert.match(
        rules,
        new RegExp(
          `to ${l.addr.server.replaceAll('.', '\\.')} iif lo .*lookup ${layoutOf(mwan!).wans.get('isp2')!.table}`,
        ),
        `STUN leaves by isp2:\n${rules}`,
      );
      const r = await viaIsp(2);
      assert.equal(r.ok, 5, JSON.stringify(r));
      const after = await miniupnpdPids();
      assert.equal(after.length, 1, `still one miniupnpd: ${after}`);
      assert.notDeepEqual(after, before, 'miniupnpd was restarted');
      assert.equal((await statusOf(mwan!)).wans.find((w) => w.name === 'isp1')?.state, 'link-down');
      console.log(
        `      instance moved ${Math.round(moved)} ms after the carrier cut; isp2's address reported after ${Math.round(reported)} ms`,
      );
    } finally {
      await l.restoreCarrier(1);
    }
    await logged(/UPnP: miniupnpd serves isp1 \(wan1\), was isp2/);
    await reports(l.addr.ispPublic(1));
    assert.equal((await viaIsp(1)).ok, 5);
    assert.ok(
      !daemon.lines.some((line) => /UPnP: 0 mappings/.test(line)),
      'the mapping stayed forwarded while miniupnpd restarted',
    );
  });

  it('after miniupnpd restarted (failover and back) the forged line did not come back; the honest mapping did', async () => {
    const l = lab!;
    assert.ok(
      daemon.lines.filter((line) => /UPnP: miniupnpd serves/.test(line)).length >= 3,
      'miniupnpd was restarted twice',
    );
    await waitFor(
      async () => (await table('mwan_upnp')).includes(`th dport ${HONEST} dnat ip to ${l.addr.client}:${HONEST}`),
      15000,
      'miniupnpd to re-create the honest mapping',
    );
    const leases = await readFile(files().leases, 'utf8');
    assert.doesNotMatch(
      leases,
      new RegExp(`:${FORGED}:|injected`),
      `the lease file miniupnpd started from:\n${leases}`,
    );
    await assertForgedRefused('after two restarts');
    assert.equal((await viaIsp(1, 3, HONEST)).ok, 3, 'the honest mapping still answers');
    await upnpc(['-d', String(HONEST), 'TCP']);
    await waitFor(
      async () => !(await table('mwan')).includes(`dport ${HONEST} `),
      20000,
      'mwan to withdraw the deleted mapping',
    );
  });

  it('a deleted mapping stops answering; `mwanctl stop` ends miniupnpd and leaves the router as it was, byte for byte', async () => {
    const l = lab!;
    await upnpc(['-d', String(PORT), 'TCP']);
    await logged(/UPnP: 0 mappings/, 5000);
    await waitFor(async () => (await viaIsp(1, 1)).ok === 0, 20000, 'the deleted mapping to stop answering');
    assert.match((await l.exec(l.ns.router, ['nft', 'list', 'tables'])).stdout, /table inet mwan_upnp/);
    await ctlOk(mwan!, ['stop']);
    const exit = await mwan!.daemon!.exited;
    assert.equal(exit.exitCode, 0, daemon.stderr());
    assert.deepEqual(await miniupnpdPids(), []);
    assert.equal(await routerSnapshot(l), pristine);
  });
});
