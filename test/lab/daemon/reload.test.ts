// SIGHUP (the unit's ExecReload) reloads the config: a valid change is applied and named; an invalid one is refused, naming the field; unchanged WANs keep `since`.
import assert from 'node:assert/strict';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor, routerSnapshot, type Mwan } from '../../kit/lab/fixture.ts';
import { balanceChain, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';
import { execArgv, labUnit, unitValue } from './unit-commands.ts';

interface LogLine {
  msg: string;
  level: number;
  changes?: string[];
}

describe('daemon: reload on SIGHUP (ExecReload)', function () {
  this.timeout(180000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let daemon: ManagedProcess | undefined;
  let unit = '';
  let config: Record<string, unknown> = {};
  const logs = () => daemon!.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
  const wansOf = (c: Record<string, unknown>) => c.wans as Record<string, unknown>[];

  before(async function () {
    await skipWithoutLab(this, 'daemon/reload');
    lab = await createLab({ wans: 2 });
    mwan = mwanFor(lab);
    config = labConfig(lab, mwan.dir);
    for (const w of wansOf(config))
      w.probes = [
        { method: 'icmp', target: lab.addr.server },
        { method: 'icmp', target: lab.addr.server2 },
      ];
    mwan.writeConfig(config);
    unit = labUnit(mwan.dir, mwan.configPath).unit;
    daemon = await mwan.startDaemon();
    await waitFor(
      async () => (await statusOf(mwan!)).wans.every((w) => w.state === 'online'),
      30000,
      'both WANs online',
    );
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  /** ExecReload as systemd runs it, with $MAINPID the daemon's pid; then waits for the reload's log line. */
  const execReload = async (expect: RegExp): Promise<LogLine> => {
    const seen = logs().length;
    const r = await lab!.exec(
      lab!.ns.router,
      execArgv(unitValue(unit, 'ExecReload')!, { MAINPID: String(daemon!.pid) }),
      { reject: false },
    );
    assert.equal(r.exitCode, 0, r.stderr);
    let found: LogLine | undefined;
    await waitFor(
      () =>
        (found = logs()
          .slice(seen)
          .find((l) => expect.test(l.msg))) !== undefined,
      30000,
      `a log line matching ${expect}`,
    );
    return found!;
  };

  it('a valid change is applied, the log line names it, and the unchanged WAN keeps its `since`', async () => {
    const before = await statusOf(mwan!);
    const since = (name: string, s = before) => s.wans.find((w) => w.name === name)!.since;
    wansOf(config)[1].weight = 3;
    mwan!.writeConfig(config);
    const line = await execReload(/^configuration reloaded/);
    assert.equal(line.msg, 'configuration reloaded: wan isp2 changed (weight)');
    assert.equal(line.level, 30);
    await waitFor(
      async () => (await statusOf(mwan!)).wans.find((w) => w.name === 'isp2')!.weight === 3,
      10000,
      'isp2 weight 3',
    );
    const after = await statusOf(mwan!);
    assert.equal(since('isp1', after), since('isp1'), 'isp1 (unchanged) keeps its since');
    assert.equal(since('isp2', after), since('isp2'), 'isp2 (weight only, probes unchanged) keeps its since');
    assert.ok(
      after.wans.every((w) => w.state === 'online' && w.flaps === 0),
      JSON.stringify(after.wans),
    );
    assert.equal(daemon!.hasExited, false, 'SIGHUP did not end the daemon');
  });

  it('an invalid change is refused: the old config stays and the error names the field', async () => {
    const kernel = await routerSnapshot(lab!);
    const chain = await balanceChain(lab!);
    wansOf(config)[0].weight = -5;
    mwan!.writeConfig(config);
    const line = await execReload(/^configuration reload refused/);
    assert.equal(line.level, 50);
    assert.match(line.msg, /wans\[0\]\.weight|wans\.0\.weight/, line.msg);
    assert.equal(await balanceChain(lab!), chain);
    assert.equal(await routerSnapshot(lab!), kernel);
    assert.equal(daemon!.hasExited, false);
    wansOf(config)[0].weight = 1; // valid again (status reads the file to find the socket), not reloaded
    mwan!.writeConfig(config);
    const status = await statusOf(mwan!);
    assert.deepEqual(
      status.wans.map((w) => w.weight),
      [1, 3],
      'the running configuration is the last valid one',
    );
  });
});
