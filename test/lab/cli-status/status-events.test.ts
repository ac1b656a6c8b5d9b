// The CLI against a real daemon: status in 100 columns with flaps and last failure, no loss before a full window,
// no stale RTT on a link-down WAN, and `events --type 'wan.*' --text`.
import assert from 'node:assert/strict';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, MWANCTL, type Mwan } from '../../kit/lab/fixture.ts';
import { waitFor } from '../../kit/time.ts';
import { ctlOk, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';

/** 24 characters, the longest a WAN name may be. */
const longName = (i: number) => `uplink-${i}-fiber-provider-x`.slice(0, 24);

describe('mwan lab: status and events as an admin reads them', function () {
  this.timeout(240000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let events: ManagedProcess | undefined;

  before(async function () {
    await skipWithoutLab(this, 'cli-status');
    lab = await createLab({ wans: 4 });
    await startServers(lab);
  });
  after(async () => {
    await events?.kill();
    await mwan?.cleanup();
    await lab?.restoreCarrier(2).catch(() => undefined);
    await lab?.teardown();
  });

  it('a fresh daemon shows no loss until the window is full, 100 columns, flaps and no stale RTT after a link loss', async () => {
    const l = lab!;
    mwan = mwanFor(l);
    const cfg = labConfig(l, mwan.dir);
    (cfg.wans as Record<string, unknown>[]).forEach((w, k) => {
      w.name = longName(k + 1);
      w.probes = [
        { method: 'icmp', target: l.addr.server },
        { method: 'icmp', target: l.addr.server2 },
      ];
    });
    mwan.writeConfig(cfg);
    const t0 = Date.now();
    await mwan.startDaemon();
    events = l.spawn(l.ns.router, [
      process.execPath,
      MWANCTL,
      '--config',
      mwan.configPath,
      'events',
      '--type',
      'wan.*',
      '--type',
      'link.down',
      '--text',
    ]);

    // RTT at once; loss unknown while the 66-round window (about 10 s) fills
    await waitFor(
      async () => (await statusOf(mwan!)).wans.every((w) => w.rttMs !== null),
      20000,
      'probe answers on every WAN',
    );
    const fresh = await statusOf(mwan);
    if (Date.now() - t0 < 8000)
      assert.deepEqual(
        fresh.wans.map((w) => w.lossPct),
        [null, null, null, null],
        JSON.stringify(fresh.wans.map((w) => w.lossPct)),
      );
    const text = await ctlOk(mwan, ['status']);
    assert.deepEqual(
      text.split('\n').filter((line) => line.length > 100),
      [],
      text,
    );
    assert.match(text, new RegExp(`^${longName(1)} +online +\\S+ ago +\\d+ ms +\\S+ +0 +- +`, 'm'), text);

    // once the window is full: the loss of a healthy lab, not a third of the first rounds
    await waitFor(
      async () => (await statusOf(mwan!)).wans.every((w) => w.lossPct !== null),
      30000,
      'a full health window on every WAN',
    );
    for (const w of (await statusOf(mwan)).wans)
      assert.ok(w.lossPct! < 5, `${w.name}: ${w.lossPct}% loss on a healthy link`);

    // a link loss: a flap and a last failure, no RTT or loss left over from before
    await l.cutCarrier(2);
    await waitFor(async () => (await statusOf(mwan!)).wans[1].state === 'link-down', 20000, `${longName(2)} link-down`);
    const down = (await statusOf(mwan)).wans[1];
    assert.deepEqual([down.rttMs, down.lossPct, down.flaps], [null, null, 1]);
    assert.match(down.lastFailure?.reason ?? '', /^link-down: no carrier$/);
    const after = await ctlOk(mwan, ['status']);
    assert.deepEqual(
      after.split('\n').filter((line) => line.length > 100),
      [],
      after,
    );
    assert.match(after, new RegExp(`^${longName(2)} +link-down +\\S+ ago +- +- +1 +\\d+s ago +`, 'm'), after);
    const wide = await ctlOk(mwan, ['status', '-v']);
    assert.match(wide, new RegExp(`^${longName(2)} +link-down +wan2 +`, 'm'), wide);
    assert.match(wide, new RegExp(`\\nlast failure:\\n {2}${longName(2)}: \\S+ link-down: no carrier`), wide);

    // the event follower printed readable lines for the filtered events only
    const line = await events.waitForLine(new RegExp(`wan\\.offline +${longName(2)} offline: no carrier`), 10000);
    assert.match(line, /^\d{4}-\d\d-\d\dT\S+Z wan\.offline/);
    await l.restoreCarrier(2);
    await events.waitForLine(new RegExp(`wan\\.online +${longName(2)} online: `), 20000);
    const kinds = new Set(events.lines.map((l) => l.split(/\s+/)[1]));
    assert.ok(
      [...kinds].every((k) => /^wan\.|^link\.down$/.test(k)),
      `only the filtered events: ${[...kinds].join(', ')}`,
    );
    assert.ok(kinds.has('link.down'), 'the second --type adds link.down');
  });
});
