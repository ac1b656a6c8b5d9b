// Under journald the daemon's lines carry `<N>` priorities; a carrier cut logs one warn line naming the WAN and why.
import assert from 'node:assert/strict';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor, MWANCTL, type Mwan } from '../../kit/lab/fixture.ts';
import { skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { sleep, waitFor } from '../../kit/time.ts';

interface Entry {
  priority: number;
  level: number;
  msg: string;
  wan?: string;
}

describe('daemon: log levels and journald priorities', function () {
  this.timeout(180000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let daemon: ManagedProcess | undefined;
  const entries = (): Entry[] =>
    daemon!.lines.map((l) => {
      const m = /^<(\d)>(\{.*\})$/.exec(l);
      assert.ok(m, `a line without its <N> priority: ${l}`);
      return { priority: Number(m[1]), ...(JSON.parse(m[2]) as { level: number; msg: string; wan?: string }) };
    });

  before(async function () {
    await skipWithoutLab(this, 'daemon/logs');
    lab = await createLab({ wans: 2 });
    mwan = mwanFor(lab);
    const cfg = labConfig(lab, mwan.dir);
    for (const w of cfg.wans as Record<string, unknown>[]) w.probes = [{ method: 'icmp', target: lab.addr.server }];
    mwan.writeConfig(cfg);
    // As systemd starts it: stdout is the stream JOURNAL_STREAM names (device:inode of the shell's stdout, kept by exec).
    const start = `JOURNAL_STREAM=$(stat -L -c %d:%i /proc/$$/fd/1) exec "$0" "$@"`;
    daemon = lab.spawn(lab.ns.router, [
      'sh',
      '-c',
      start,
      process.execPath,
      MWANCTL,
      '--config',
      mwan.configPath,
      'daemon',
    ]);
    await daemon.waitForLine(/mwan daemon ready/, 30000);
    await waitFor(
      async () => (await statusOf(mwan!)).wans.every((w) => w.state === 'online'),
      30000,
      'both WANs online',
    );
  });

  after(async () => {
    try {
      await daemon?.kill(5000);
      await mwan?.ctl(['stop']).catch(() => undefined);
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  it('a carrier cut logs one warn line (<4>) naming the WAN and the reason; the return one info line', async () => {
    const seen = entries().length;
    await lab!.cutCarrier(1);
    await waitFor(
      () =>
        entries()
          .slice(seen)
          .some((e) => e.wan === 'isp1'),
      20000,
      'a log line about isp1',
    );
    await sleep(3000); // probes fail meanwhile: no second line for the same outage
    const outage = entries()
      .slice(seen)
      .filter((e) => e.level >= 40);
    assert.deepEqual(
      outage.map((e) => [e.priority, e.level, e.msg]),
      [[4, 40, 'isp1 offline: no carrier']],
    );
    const back = entries().length;
    await lab!.restoreCarrier(1);
    // Link up, probes not yet answering: still out (offline, an info line), then online.
    await waitFor(
      () =>
        entries()
          .slice(back)
          .some((e) => e.msg.startsWith('isp1 online')),
      30000,
      'isp1 back online',
    );
    const lines = entries()
      .slice(back)
      .filter((e) => e.wan === 'isp1');
    assert.deepEqual(
      lines.filter((e) => e.priority < 6).map((e) => e.msg),
      [],
      'no second warning for the same outage',
    );
    const line = lines.find((e) => e.msg.startsWith('isp1 online'))!;
    assert.equal(line.priority, 6);
    assert.match(line.msg, /^isp1 online: .*, after \d+ s out$/);
  });

  it('hides debug lines (reconciles) at the default level', () => {
    const all = entries();
    assert.ok(all.length > 3);
    assert.deepEqual(
      all.filter((e) => e.level < 30).map((e) => e.msg),
      [],
    );
    assert.ok(!all.some((e) => e.msg === 'kernel state reconciled'));
  });
});
