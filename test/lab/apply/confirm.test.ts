// `apply --confirm`: without `mwanctl confirm` the router's state returns byte for byte; with it, the new state stays.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor, routerSnapshot, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, settledSnapshot, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { sleep, waitFor } from '../../kit/time.ts';

describe('mwan lab: apply --confirm', function () {
  this.timeout(90000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'confirm');
    lab = await createLab({ wans: 3 });
  });
  afterEach(async () => {
    await mwan?.cleanup();
    mwan = undefined;
  });
  after(async () => {
    await lab?.teardown();
  });

  const configB = (l: Lab, dir: string) =>
    labConfig(l, dir, { mode: 'failover', wans: { 1: { tier: 2 }, 2: { tier: 1 }, 3: { tier: 3 } } });

  it('with a daemon: unconfirmed, the previous state comes back byte for byte; confirmed, the new one stays', async () => {
    const l = lab!;
    mwan = mwanFor(l);
    await mwan.startDaemon();
    const before = await settledSnapshot(l);
    mwan.writeConfig(configB(l, mwan.dir));
    // Windows of 8 s: each mwanctl call (a node start) must fit in the window on a loaded machine too.
    const r = await mwan.ctl(['apply', '--confirm', '8']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stderr, /mwanctl confirm/);
    const applied = await routerSnapshot(l);
    assert.notEqual(applied, before, 'the new configuration changed the kernel');
    assert.ok((await statusOf(mwan)).confirmPending, 'status shows the pending confirmation');
    await waitFor(async () => (await routerSnapshot(l)) === before, 30000, 'the unconfirmed state to roll back');
    assert.equal(await routerSnapshot(l), before, 'rolled back byte for byte');
    assert.equal((await statusOf(mwan)).mode, 'balanced', 'the daemon went back to the previous configuration');

    await ctlOk(mwan, ['apply', '--confirm', '8']);
    await ctlOk(mwan, ['confirm']);
    await sleep(9000);
    assert.equal(await routerSnapshot(l), applied, 'the confirmed state stays');
    assert.equal((await statusOf(mwan)).mode, 'failover');
    const again = await mwan.ctl(['confirm']);
    assert.notEqual(again.exitCode, 0, 'nothing left to confirm');
  });

  it('without a daemon: the apply waits, and rolls back when nobody confirms', async () => {
    const l = lab!;
    mwan = mwanFor(l);
    await ctlOk(mwan, ['apply']);
    const before = await settledSnapshot(l);
    mwan.writeConfig(configB(l, mwan.dir));
    const r = await mwan.ctl(['apply', '--confirm', '2']);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stderr, /rolled back/);
    assert.equal(await routerSnapshot(l), before);
    await ctlOk(mwan, ['stop']);
  });
});
