// The history with a real daemon: state changes and their reasons recorded, surviving a daemon restart; `history --wan`
// filters; status counts flaps in the last 24 h from it; a history file others could have written is ignored with a line.
import assert from 'node:assert/strict';
import { chmodSync, statSync } from 'node:fs';
import path from 'node:path';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

interface Entry {
  at: string;
  event: string;
  wan?: string;
  reason: string;
  flap?: boolean;
}

describe('mwan lab: history', function () {
  this.timeout(240000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'history');
    lab = await createLab({ wans: 2 });
  });
  after(async () => {
    await mwan?.cleanup();
    await lab?.restoreCarrier(2).catch(() => undefined);
    await lab?.teardown();
  });

  const history = async (m: Mwan, ...args: string[]): Promise<Entry[]> =>
    (await ctlOk(m, ['history', '--json', ...args]))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Entry);

  it('records state changes with reasons, survives a restart, filters by WAN, and feeds the 24 h flaps of status', async () => {
    const l = lab!;
    mwan = mwanFor(l);
    mwan.writeConfig(labConfig(l, mwan.dir));
    await mwan.startDaemon();
    await l.cutCarrier(2);
    await waitFor(async () => (await statusOf(mwan!)).wans[1].state === 'link-down', 20000, 'isp2 link-down');
    await l.restoreCarrier(2);
    await waitFor(async () => (await statusOf(mwan!)).wans[1].inService, 20000, 'isp2 back');
    await ctlOk(mwan, ['wan', 'down', 'isp1']);
    await ctlOk(mwan, ['wan', 'up', 'isp1']);
    const file = path.join(mwan.dir, 'state', 'history.json');
    await waitFor(
      async () => (await history(mwan!, '--wan', 'isp1')).some((e) => e.event === 'wan.admin'),
      10000,
      'the admin entries written',
    );

    const isp2 = await history(mwan, '--wan', 'isp2');
    const offline = isp2.find((e) => e.event === 'wan.offline' && e.flap);
    assert.ok(offline, JSON.stringify(isp2));
    assert.match(offline.reason, /no carrier|administratively down/);
    assert.ok(isp2.every((e) => e.wan === 'isp2'));
    const isp1 = await history(mwan, '--wan', 'isp1');
    assert.deepEqual(
      isp1.filter((e) => e.event === 'wan.admin').map((e) => e.reason),
      ['taken out of service by an administrator', 'put back in service by an administrator'],
    );
    assert.ok(!isp1.some((e) => e.flap), '`wan down` is no flap');
    assert.equal(statSync(file).mode & 0o777, 0o600);

    // restart: the registry starts afresh, the history does not
    const exit = await mwan.daemon!.kill(20000);
    assert.equal(exit.exitCode, 0, JSON.stringify(exit));
    await mwan.startDaemon();
    const after = await statusOf(mwan);
    assert.equal(after.wans[1].flaps, 0, 'the new daemon saw no flap');
    assert.equal(after.wans[1].flaps24h, 1, 'the history did');
    assert.equal(after.wans[1].lastFailure?.at, offline.at);
    assert.deepEqual(
      (await history(mwan, '--wan', 'isp2')).slice(0, isp2.length),
      isp2,
      'the entries outlived the restart',
    );
    assert.equal((await history(mwan, '--since', '1s')).filter((e) => e.event === 'wan.admin').length, 0);
    assert.match(await ctlOk(mwan, ['status']), /^isp2 +online +\S+ ago +- +- +1 +\S+ ago/m);

    // a history file someone else could have changed is ignored with a line naming it, then replaced
    await mwan.daemon!.kill(20000);
    chmodSync(file, 0o666);
    const refused = await mwan.ctl(['history']);
    assert.match(refused.stderr, /ignoring .*history\.json has mode 0666/);
    const daemon = await mwan.startDaemon();
    assert.ok(
      daemon.lines.some((line) => /ignoring .*history\.json has mode 0666/.test(line)),
      daemon.lines.join('\n'),
    );
    await ctlOk(mwan, ['wan', 'down', 'isp1']);
    await waitFor(() => (statSync(file).mode & 0o777) === 0o600, 10000, 'the daemon replaced the file');
    // The first write after the start replaces the file (the WANs' wan.online can come before the admin entry).
    let fresh: Entry[] = [];
    await waitFor(
      async () => (fresh = await history(mwan!)).some((e) => e.event === 'wan.admin'),
      10000,
      'the admin entry in the new file',
    );
    assert.ok(!fresh.some((e) => e.flap), `the refused file's entries are gone: ${JSON.stringify(fresh)}`);
    await ctlOk(mwan, ['wan', 'up', 'isp1']);
  });
});
