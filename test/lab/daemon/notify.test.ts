// The daemon under the unit's ExecStart with a NOTIFY_SOCKET: READY=1 after the first reconcile with the WAN status, watchdog heartbeats, STATUS on a carrier cut.
import assert from 'node:assert/strict';
import path from 'node:path';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';
import { execArgv, labUnit, unitValue } from './unit-commands.ts';

describe('daemon under systemd: Type=notify', function () {
  this.timeout(120000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  const procs: ManagedProcess[] = [];

  before(async function () {
    await skipWithoutLab(this, 'daemon/notify');
    lab = await createLab({ wans: 2 });
    mwan = mwanFor(lab);
  });

  after(async () => {
    try {
      for (const p of procs) await p.kill(2000).catch(() => undefined);
      await mwan?.ctl(['stop']).catch(() => undefined);
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  it('READY=1 with "2/2 WANs in service" once reconciled, heartbeats every half WATCHDOG_USEC, STATUS naming a cut WAN', async () => {
    const { unit } = labUnit(mwan!.dir, mwan!.configPath);
    assert.equal(unitValue(unit, 'Type'), 'notify');
    assert.equal(unitValue(unit, 'WatchdogSec'), '30');
    const socket = path.join(mwan!.dir, 'notify.sock');
    // socat prints each datagram; the daemon's lines end in a newline, so they stay apart.
    const systemd = lab!.spawn(lab!.ns.router, ['socat', '-u', `UNIX-RECV:${socket}`, 'STDOUT']);
    procs.push(systemd);
    await waitFor(
      async () => (await lab!.exec(lab!.ns.router, ['test', '-S', socket], { reject: false })).exitCode === 0,
      10000,
      'the notify socket',
    );
    const env = ['env', `NOTIFY_SOCKET=${socket}`, 'WATCHDOG_USEC=1000000'];
    const daemon = lab!.spawn(lab!.ns.router, [...env, ...execArgv(unitValue(unit, 'ExecStart')!)]);
    procs.push(daemon);
    const t0 = Date.now();
    await systemd.waitForLine('READY=1', 30000);
    assert.ok(
      daemon.lines.some((l) => l.includes('kernel state set up at start')),
      'READY came after the first reconcile',
    );
    assert.equal(await systemd.nextLine(5000), 'STATUS=2/2 WANs in service');
    await waitFor(() => systemd.lines.filter((l) => l === 'WATCHDOG=1').length >= 3, 10000, 'three heartbeats');
    assert.ok(Date.now() - t0 >= 1000, 'heartbeats are paced (every 500 ms)');
    await lab!.cutCarrier(2);
    await systemd.waitForLine('STATUS=1/2 WANs in service (isp2 link-down)', 20000);
    await daemon.kill(20000);
    await systemd.waitForLine('STOPPING=1', 10000);
  });
});
