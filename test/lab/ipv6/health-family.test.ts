// Verdicts per family against a real daemon: a dual-stack WAN whose IPv6 upstream is cut leaves service for IPv6
// only (IPv4 stays online), status and events say so, and it comes back when the upstream does.
import assert from 'node:assert/strict';
import { sourceRouting6 } from '../../kit/lab/dual-stack.ts';
import { labConfig, mwanFor, MWANCTL, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { waitFor } from '../../kit/time.ts';

const WANS = [1, 2];

describe('mwan lab: health per family (IPv6)', function () {
  this.timeout(180000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let events: ManagedProcess | undefined;

  before(async function () {
    await skipWithoutLab(this, 'ipv6 health-family');
    lab = await createLab({ wans: WANS.length, ipv6: true });
    // mwan does not route its own IPv6 probes yet (docs/ipv6.md, "Routing mwan's own probes"): by hand.
    await lab.exec(lab.ns.router, ['ip', '-6', '-batch', '-'], { input: sourceRouting6(lab.addr6, WANS).join('\n') });
  });
  after(async () => {
    await events?.kill();
    await mwan?.cleanup();
    await lab?.teardown();
  });

  /** A failed wait with what the daemon said: the wide status and its last log lines. */
  async function explain(error: Error): Promise<never> {
    const status = await ctlOk(mwan!, ['status', '-v']).catch((e) => String(e));
    throw new Error(`${error.message}\n${status}\n${mwan!.daemon?.lines.slice(-20).join('\n')}`);
  }

  it('an IPv6 upstream cut takes the WAN out of service for IPv6 only, and it comes back', async () => {
    const l = lab!;
    mwan = mwanFor(l);
    const cfg = labConfig(l, mwan.dir);
    for (const w of cfg.wans as Record<string, unknown>[])
      w.probes = [
        { method: 'icmp', target: l.addr.server },
        { method: 'icmp', target: `[${l.addr6.server}]` },
      ];
    // Generous timing: a loaded machine must not make IPv4 flap (which the test asserts it never does).
    cfg.health = { intervalMs: 200, timeoutMs: 1000, downAfter: 5, upAfter: 10 };
    mwan.writeConfig(cfg);
    await mwan.startDaemon();
    events = l.spawn(l.ns.router, [process.execPath, MWANCTL, '--config', mwan.configPath, 'events', '--text']);

    const both = async (i: number) => {
      const w = (await statusOf(mwan!)).wans[i - 1];
      return { v4: w.state, v6: w.ipv6?.state, in4: w.inService, in6: w.ipv6?.inService, w };
    };
    await waitFor(
      async () => (await statusOf(mwan!)).wans.every((w) => w.inService && w.ipv6?.inService),
      30000,
      'every WAN in service for both families',
    ).catch(explain);
    const start = await both(1);
    assert.equal(start.w.ipv6?.address, l.addr6.routerWan(1));
    assert.equal(start.w.ipv6?.sharedFate, false);
    // IPv6's own figures, shown as IPv4's are: a measured RTT and loss in --json and on the ipv6 row
    await waitFor(async () => typeof (await both(1)).w.ipv6?.rttMs === 'number', 10000, 'an IPv6 RTT').catch(explain);
    const measured = (await both(1)).w.ipv6!;
    assert.ok(measured.rttMs! >= 0 && measured.rttMs! < 1000, `IPv6 RTT ${measured.rttMs}`);
    assert.ok('lossPct' in measured, 'IPv6 loss in --json (null until the window has a loss figure, as IPv4)');
    assert.match(await ctlOk(mwan, ['status']), /^ {2}ipv6 +online +\S+ ago +\d+ ms +(\d+%|-)/m);

    // IPv6 beyond isp1's gateway is dropped: its IPv6 probes fail, its IPv4 ones do not
    const cutAt = Date.now();
    await l.cutUpstream(1, 'ipv6');
    await waitFor(async () => (await both(1)).v6 === 'offline', 20000, 'isp1 offline for IPv6').catch(explain);
    const outMs = Date.now() - cutAt;
    const cut = await both(1);
    assert.deepEqual([cut.v4, cut.in4, cut.in6], ['online', true, false], JSON.stringify(cut.w));
    assert.deepEqual([(await both(2)).in4, (await both(2)).in6], [true, true], 'isp2 keeps both families');
    const text = await ctlOk(mwan, ['status']);
    assert.match(text, /^isp1 +online\b/m, text);
    assert.match(text, /^isp1\n? {2}ipv6 +offline\b|^ {2}ipv6 +offline\b/m, text);
    assert.match(text, /^ {2}isp1 \(IPv6\): /m, text);
    await events.waitForLine(/wan\.offline +isp1 IPv6 offline: /, 10000);
    assert.ok(
      !events.lines.some((x) => /wan\.offline +isp1 offline/.test(x)),
      `no IPv4 offline event:\n${events.lines.join('\n')}`,
    );
    const json = JSON.parse(await ctlOk(mwan, ['status', '--json'])) as {
      wans: { lossPct: number | null; ipv6?: { state: string; lossPct: number | null } }[];
    };
    assert.equal(json.wans[0].ipv6?.state, 'offline');
    assert.ok((json.wans[0].ipv6?.lossPct ?? 0) > 0, `IPv6 loss after the cut: ${JSON.stringify(json.wans[0])}`);

    // the upstream returns: IPv6 back in service, IPv4 never left
    await l.restoreUpstream(1, 'ipv6');
    await waitFor(async () => (await both(1)).in6 === true, 30000, 'isp1 back in service for IPv6').catch(explain);
    await events.waitForLine(/wan\.online +isp1 IPv6 online: /, 10000);
    const back = await both(1);
    assert.deepEqual([back.v4, back.v6], ['online', 'online']);
    assert.ok(
      !events.lines.some((x) => /wan\.offline +isp1 offline/.test(x)),
      `IPv4 never left service:\n${events.lines.join('\n')}\n${JSON.stringify(back.w)}`,
    );
    console.log(`      isp1 out of service for IPv6 ${outMs} ms after the cut`);
  });
});
