// The firewall: an unforwarded port is closed from the internet, SSH through a WAN is open, the LAN still gets out, groups hold.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServerInNs, startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab } from '../../kit/lab/helpers.ts';

const SSH = 22; // a report server on the router stands in for sshd
const CLOSED = 9090; // the router listens on it; the ISPs forward it to the router; nothing in mwan allows it

describe('mwan lab: the firewall', function () {
  this.timeout(120000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let config: (firewall: Record<string, unknown>) => void;

  before(async function () {
    await skipWithoutLab(this, 'firewall');
    lab = await createLab({
      wans: 3,
      ispPortForward: [1, 2, 3].flatMap((isp) => [SSH, CLOSED].map((port) => ({ isp, port }))),
    });
    const l = lab;
    mwan = mwanFor(l, (dir) => labConfig(l, dir, { extra: { firewall: { enabled: false } } }));
    const m = mwan;
    config = (firewall) => m.writeConfig(labConfig(l, m.dir, { extra: { firewall } }));
    await Promise.all([startServers(l), startServerInNs(l, l.ns.router, '0.0.0.0', [SSH, CLOSED]), mwan.startDaemon()]);
  });

  after(async () => {
    try {
      await lab?.exec(lab.ns.router, ['nft', 'delete', 'table', 'inet', 'hostfw'], { reject: false });
    } finally {
      try {
        await mwan?.cleanup();
      } finally {
        await lab?.teardown();
      }
    }
  });

  const fromInet = (i: number, port: number, count = 5, timeoutMs = 1500) =>
    burst(lab!, lab!.ns.inet, { count, concurrency: 5, to: lab!.addr.ispPublic(i), port, timeoutMs });
  const dropped = async (): Promise<number> => {
    const r = await lab!.exec(lab!.ns.router, ['nft', 'list', 'chain', 'inet', 'mwan', 'fw_drop_input']);
    return Number(/counter packets (\d+)/.exec(r.stdout)?.[1] ?? NaN);
  };

  it('with the firewall disabled, the router port the ISPs forward is reachable from the internet (the control case)', async () => {
    const r = await fromInet(1, CLOSED);
    assert.equal(r.ok, 5, JSON.stringify(r));
    const chains = (await lab!.exec(lab!.ns.router, ['nft', 'list', 'table', 'inet', 'mwan'])).stdout;
    assert.ok(!chains.includes('fw_input'), 'no firewall chain while disabled');
  });

  it('on by default in router role: the unforwarded port is unreachable through every ISP, and the drops are counted', async () => {
    config({});
    await ctlOk(mwan!, ['apply']);
    const before = await dropped();
    for (const i of [1, 2, 3]) {
      const r = await fromInet(i, CLOSED, 3, 800);
      assert.equal(r.ok, 0, `isp${i}: ${JSON.stringify(r)}`);
    }
    assert.ok((await dropped()) >= before + 3, 'fw_drop_input counted the dropped connection attempts');
  });

  it('SSH to the router is reachable through each WAN, and the router sees the remote address', async () => {
    for (const i of [1, 2, 3]) {
      const r = await fromInet(i, SSH);
      assert.equal(r.ok, 5, `isp${i}: ${JSON.stringify(r)}`);
      assert.deepEqual(r.bySource, { [lab!.addr.inetPeer(i)]: 5 });
    }
  });

  it('LAN to internet still works on every WAN, and the LAN still reaches the router itself', async () => {
    const l = lab!;
    const r = await burst(l, l.ns.client, { count: 60, concurrency: 10 });
    assert.equal(r.ok, 60, JSON.stringify(r));
    assert.ok(
      r.byIsp.slice(1).every((n) => n > 0),
      `every WAN used: ${JSON.stringify(r.byIsp)}`,
    );
    const local = await burst(l, l.ns.client, { count: 5, to: l.addr.routerLan, port: CLOSED });
    assert.equal(local.ok, 5, JSON.stringify(local));
  });

  it('answers pings from the WAN side, and drops other new traffic arriving there directly', async () => {
    const l = lab!;
    await l.exec(l.ns.isp(1), ['ping', '-c', '3', '-i', '0.2', '-W', '1', l.addr.routerWan(1)]);
    const r = await burst(l, l.ns.isp(1), { count: 3, to: l.addr.routerWan(1), port: CLOSED, timeoutMs: 800 });
    assert.equal(r.ok, 0, JSON.stringify(r));
  });

  it('SSH limited to source networks: the internet (198.51.100.0/24) gets in, the ISP link (100.64.1.1) does not', async () => {
    const l = lab!;
    config({ ssh: { port: SSH, from: ['198.51.100.0/24'] } });
    await ctlOk(mwan!, ['apply']);
    const inet = await fromInet(1, SSH);
    assert.equal(inet.ok, 5, JSON.stringify(inet));
    const isp = await burst(l, l.ns.isp(1), { count: 3, to: l.addr.routerWan(1), port: SSH, timeoutMs: 800 });
    assert.equal(isp.ok, 0, JSON.stringify(isp));
  });

  it('forwarding groups: with [[":lan", "isp1"]] the LAN reaches the internet through isp1 only', async () => {
    const l = lab!;
    config({ forwardingGroups: [[':lan', 'isp1']] });
    await ctlOk(mwan!, ['apply']);
    const r = await burst(l, l.ns.client, { count: 30, concurrency: 10, timeoutMs: 800 });
    assert.ok(r.byIsp[1] > 0 && r.ok === r.byIsp[1], `only isp1 lets LAN traffic out: ${JSON.stringify(r)}`);
    assert.ok(r.failed > 0, `connections balanced to isp2/isp3 are dropped: ${JSON.stringify(r)}`);
    config({});
    await ctlOk(mwan!, ['apply']);
  });

  it("the host's own tables keep working beside mwan's: a host rule dropping LAN traffic to the router still applies", async () => {
    const l = lab!;
    await l.exec(l.ns.router, ['nft', '-f', '-'], {
      input:
        'table inet hostfw {\n chain input {\n  type filter hook input priority 10; policy accept;\n  iifname "lan0" tcp dport 9090 drop\n }\n}\n',
    });
    const r = await burst(l, l.ns.client, { count: 3, to: l.addr.routerLan, port: CLOSED, timeoutMs: 800 });
    assert.equal(r.ok, 0, JSON.stringify(r));
    const out = await burst(l, l.ns.client, { count: 10 });
    assert.equal(out.ok, 10, JSON.stringify(out));
  });

  it('stop removes the firewall with the rest of mwan (the host table stays), and the port is reachable again', async () => {
    const l = lab!;
    await ctlOk(mwan!, ['stop']);
    const ruleset = (await l.exec(l.ns.router, ['nft', 'list', 'ruleset'])).stdout;
    assert.ok(!ruleset.includes('table inet mwan'), ruleset);
    assert.ok(ruleset.includes('table inet hostfw'), ruleset);
    const r = await burst(l, l.ns.isp(1), { count: 3, to: l.addr.routerWan(1), port: CLOSED });
    assert.equal(r.ok, 3, JSON.stringify(r));
  });
});
