// The systemd unit's exact commands: a crash (kill -9) keeps mwan's kernel state and a restart adopts it unchanged; a stop removes it.
import assert from 'node:assert/strict';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { mwanFor, routerSnapshot, type Mwan } from '../../kit/lab/fixture.ts';
import { settledSnapshot, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { execArgv, labUnit, unitValue } from './unit-commands.ts';

describe("daemon under systemd: fail static with the unit's commands", function () {
  this.timeout(180000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let unit = '';
  let pristine = '';
  const running: ManagedProcess[] = [];

  before(async function () {
    await skipWithoutLab(this, 'daemon/fail-static');
    lab = await createLab({ wans: 2 });
    pristine = await settledSnapshot(lab);
    mwan = mwanFor(lab);
    unit = labUnit(mwan.dir, mwan.configPath).unit;
  });

  after(async () => {
    try {
      for (const p of running) await p.kill(500).catch(() => undefined);
      await mwan?.ctl(['stop']).catch(() => undefined);
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  /** ExecStart as systemd runs it (in the router namespace), once the daemon says it is ready. */
  const execStart = async (): Promise<ManagedProcess> => {
    const d = lab!.spawn(lab!.ns.router, execArgv(unitValue(unit, 'ExecStart')!));
    running.push(d);
    await d.waitForLine(/mwan daemon ready/, 30000);
    return d;
  };
  /** ExecStopPost with the variables systemd sets after the main process ended (systemd.exec(5)). */
  const execStopPost = async (env: { SERVICE_RESULT: string; EXIT_CODE: string; EXIT_STATUS: string }) => {
    const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const r = await lab!.exec(lab!.ns.router, ['env', ...vars, ...execArgv(unitValue(unit, 'ExecStopPost')!)], {
      reject: false,
      timeout: 60000,
    });
    assert.equal(r.exitCode, 0, `ExecStopPost exited ${r.exitCode}: ${r.stderr}`);
    return r;
  };

  it('the unit has no ExecStop (systemd runs it after a crash too) and restarts on failure', () => {
    assert.equal(unitValue(unit, 'ExecStop'), undefined);
    assert.equal(unitValue(unit, 'Restart'), 'on-failure');
    assert.match(unitValue(unit, 'ExecStopPost') ?? '', /SERVICE_RESULT/);
  });

  it('kill -9: the nft table, rules and routes stay; the restarted daemon adopts them with an empty plan', async () => {
    const first = await execStart();
    const applied = await routerSnapshot(lab!);
    assert.notEqual(applied, pristine, 'the daemon applied its state');
    assert.match(applied, /table inet mwan/);
    process.kill(first.pid!, 'SIGKILL');
    const exit = await first.exited;
    assert.equal(exit.signal, 'SIGKILL');
    await execStopPost({ SERVICE_RESULT: 'signal', EXIT_CODE: 'killed', EXIT_STATUS: 'KILL' });
    assert.equal(await routerSnapshot(lab!), applied, 'a crash left the kernel state as it was');

    const second = await execStart();
    const adopted = second.lines
      .map((l) => JSON.parse(l) as { msg: string; changed?: boolean; ipLines?: number; nft?: boolean })
      .find((l) => l.msg.startsWith('kernel state adopted') || l.msg.startsWith('kernel state set up'));
    assert.deepEqual(
      adopted && { msg: adopted.msg, changed: adopted.changed, ipLines: adopted.ipLines, nft: adopted.nft },
      { msg: 'kernel state adopted at start: nothing to change', changed: false, ipLines: 0, nft: false },
      second.lines.join('\n'),
    );
    assert.equal(await routerSnapshot(lab!), applied, 'the restart changed nothing');
  });

  it('stop as the admin (SIGTERM, exit 0, ExecStopPost): the router is byte-for-byte as before mwan', async () => {
    const daemon = running.find((p) => !p.hasExited) ?? (await execStart());
    const exit = await daemon.kill(20000);
    assert.deepEqual(exit, { exitCode: 0, signal: undefined }, daemon.stderr());
    assert.match(await routerSnapshot(lab!), /table inet mwan/, 'SIGTERM alone leaves the state (fail static)');
    await execStopPost({ SERVICE_RESULT: 'success', EXIT_CODE: 'exited', EXIT_STATUS: '0' });
    assert.equal(await routerSnapshot(lab!), pristine);
  });
});
