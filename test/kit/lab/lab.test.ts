// Self-test of the namespace lab harness, using only static routing set up here (no mwan code).
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { createLab, hasLabPrivileges, removeStaleLabs, type Lab } from './topology.ts';
import { burst, openLongLived, startServerInNs, startServers } from './traffic.ts';
import { listNamespaces } from './netns.ts';

const hostLinks = async (): Promise<string[]> =>
  (await execa('ip', ['-o', 'link', 'show'])).stdout
    .split('\n')
    .map((l) => l.split(':')[1]?.trim() ?? '')
    .sort();

const remaining = async (prefix: string): Promise<string[]> =>
  (await listNamespaces()).filter((n) => n.startsWith(prefix));

const masquerade = (lab: Lab, dev: string): Promise<unknown> =>
  lab.exec(lab.ns.router, ['nft', '-f', '-'], {
    input: `table ip t {\n  chain post { type nat hook postrouting priority srcnat; oifname "${dev}" masquerade; }\n}\n`,
  });

describe('lab harness (network namespaces)', function () {
  this.timeout(30000);

  before(async function () {
    const p = await hasLabPrivileges();
    if (!p.ok) {
      console.log(`lab tests skipped: ${p.why}`);
      this.skip();
    }
  });

  describe('3-WAN lab with a static default via wan2', () => {
    let lab: Lab | undefined;
    let buildMs = 0;
    let linksBefore: string[] = [];

    before(async () => {
      linksBefore = await hostLinks();
      const t = Date.now();
      lab = await createLab({ wans: 3, routerDefaultVia: 2 });
      buildMs = Date.now() - t;
      await masquerade(lab, 'wan2');
      await startServers(lab);
    });

    after(async () => {
      if (!lab) return;
      await lab.teardown();
      await lab.teardown(); // idempotent
      assert.deepEqual(await remaining(lab.prefix), []);
    });

    it('builds in well under 2 s and touches no host link', async () => {
      assert.ok(buildMs < 2000, `build took ${buildMs} ms`);
      assert.deepEqual(await hostLinks(), linksBefore);
      assert.equal(lab!.namespaces.length, 6);
    });

    it('maps ISP public addresses to ISP indexes', () => {
      const l = lab!;
      for (const i of [1, 2, 3]) assert.equal(l.ispForPublicAddress(l.addr.ispPublic(i)), i);
      assert.equal(l.ispForPublicAddress('::ffff:198.51.100.10'), 2);
      assert.equal(l.ispForPublicAddress('198.51.100.18'), undefined); // isp4 does not exist
      assert.equal(l.ispForPublicAddress(l.addr.inetPeer(1)), undefined);
      assert.equal(l.ispForPublicAddress('10.77.0.2'), undefined);
    });

    it('sends all 30 connections out through isp2', async () => {
      const r = await burst(lab!, lab!.ns.client, { count: 30 });
      assert.equal(r.ok, 30, JSON.stringify(r));
      assert.equal(r.byIsp[2], 30);
      assert.deepEqual(Object.keys(r.bySource), [lab!.addr.ispPublic(2)]);
    });

    it('answers UDP with the source address the server saw', async () => {
      const l = lab!;
      const r = await l.exec(l.ns.client, ['socat', '-t', '0.3', '-T', '2', '-', `UDP:${l.addr.server}:5353`], {
        input: 'hello\n',
      });
      assert.equal(r.stdout.trim(), `${l.addr.ispPublic(2)} hello`);
    });

    it('cutCarrier makes the WAN fail; restoreCarrier brings it back', async () => {
      const l = lab!;
      await l.cutCarrier(2);
      const down = await burst(l, l.ns.client, { count: 5, concurrency: 5, timeoutMs: 400 });
      assert.equal(down.ok, 0, JSON.stringify(down));
      await l.restoreCarrier(2);
      await l.exec(l.ns.router, ['ip', 'route', 'replace', 'default', 'via', l.addr.ispGateway(2), 'dev', 'wan2']);
      const up = await burst(l, l.ns.client, { count: 10 });
      assert.equal(up.byIsp[2], 10, JSON.stringify(up));
    });

    it('cutUpstream makes the path beyond the gateway fail while the link stays up', async () => {
      const l = lab!;
      await l.cutUpstream(2);
      try {
        const down = await burst(l, l.ns.client, { count: 5, concurrency: 5, timeoutMs: 400 });
        assert.equal(down.ok, 0, JSON.stringify(down));
        // the gateway itself still answers: only probes beyond it can tell
        await l.exec(l.ns.router, ['ping', '-c', '1', '-W', '1', l.addr.ispGateway(2)], { timeout: 3000 });
      } finally {
        await l.restoreUpstream(2);
      }
      const up = await burst(l, l.ns.client, { count: 10 });
      assert.equal(up.byIsp[2], 10, JSON.stringify(up));
    });

    it('keeps a long-lived connection that answers checks', async () => {
      const conn = await openLongLived(lab!, lab!.ns.client, { to: lab!.addr.server2, port: 8080 });
      try {
        assert.equal(conn.seenAs, lab!.addr.ispPublic(2));
        assert.equal(await conn.check(), `${lab!.addr.ispPublic(2)} probe-1`);
        assert.equal(await conn.check(), `${lab!.addr.ispPublic(2)} probe-2`);
      } finally {
        await conn.close();
      }
    });

    it('a long-lived connection notices when the server goes away', async () => {
      const l = lab!;
      const server = await startServerInNs(l, l.ns.inet, l.addr.server, 9000);
      const conn = await openLongLived(l, l.ns.client, { port: 9000 });
      try {
        await conn.check();
        await server.kill();
        await assert.rejects(conn.check(), /connection (lost|already broken)|client exited/);
      } finally {
        await conn.close();
      }
    });
  });

  it('an ISP port forward reaches a router server when replies leave via that ISP', async () => {
    const lab = await createLab({ wans: 2, routerDefaultVia: 1, ispPortForward: [{ isp: 1, port: 2222 }] });
    try {
      await startServerInNs(lab, lab.ns.router, '0.0.0.0', 2222);
      const r = await burst(lab, lab.ns.inet, { count: 5, to: lab.addr.ispPublic(1), port: 2222 });
      assert.equal(r.ok, 5, JSON.stringify(r));
      assert.deepEqual(r.bySource, { [lab.addr.inetPeer(1)]: 5 });
      // replies leaving through the other ISP break the forward: the reply path matters
      await lab.exec(lab.ns.router, [
        'ip',
        'route',
        'replace',
        'default',
        'via',
        lab.addr.ispGateway(2),
        'dev',
        'wan2',
      ]);
      const bad = await burst(lab, lab.ns.inet, { count: 3, to: lab.addr.ispPublic(1), port: 2222, timeoutMs: 400 });
      assert.equal(bad.ok, 0, JSON.stringify(bad));
    } finally {
      await lab.teardown();
    }
    assert.deepEqual(await remaining(lab.prefix), []);
  });

  it('two labs in one process get different prefixes and both tear down', async () => {
    const [a, b] = await Promise.all([createLab({ wans: 1 }), createLab({ wans: 8, routerDefaultVia: 8 })]);
    try {
      assert.notEqual(a.prefix, b.prefix);
      assert.equal((await remaining(a.prefix)).length, 4);
      assert.equal((await remaining(b.prefix)).length, 11);
      await masquerade(b, 'wan8');
      await startServers(b);
      const r = await burst(b, b.ns.client, { count: 5 });
      assert.equal(r.byIsp[8], 5, JSON.stringify(r));
      await assert.rejects(a.exec(b.ns.router, ['true']), /not a namespace of lab/);
    } finally {
      await Promise.all([a.teardown(), b.teardown()]);
    }
    assert.deepEqual([...(await remaining(a.prefix)), ...(await remaining(b.prefix))], []);
  });

  it('removeStaleLabs deletes namespaces of dead owners only', async () => {
    // A pid above any pid_max (4194304), different per test process: two suites at once must not share the name.
    const dead = `mwl-${(60466175 - process.pid).toString(36)}-old-client`;
    const mine = `mwl-${process.pid.toString(36)}-liv-client`;
    await execa('ip', ['-batch', '-'], { input: `netns add ${dead}\nnetns add ${mine}\n` });
    try {
      await removeStaleLabs();
      const names = await listNamespaces();
      assert.ok(!names.includes(dead), 'stale namespace survived');
      assert.ok(names.includes(mine), 'live namespace was removed');
    } finally {
      await execa('ip', ['-force', '-batch', '-'], { input: `netns del ${dead}\nnetns del ${mine}\n`, reject: false });
    }
  });

  it('rejects bad options', async () => {
    await assert.rejects(createLab({ wans: 0 }), /wans must be 1..8/);
    await assert.rejects(createLab({ wans: 9 }), /wans must be 1..8/);
    await assert.rejects(createLab({ wans: 2, routerDefaultVia: 3 }), /out of 1..2/);
    await assert.rejects(createLab({ ispPortForward: [{ isp: 1, port: 70000 }] }), /bad forwarded port/);
  });
});
