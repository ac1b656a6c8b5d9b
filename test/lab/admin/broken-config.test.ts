// A broken configuration file never takes away status, wan, events and stop: they reach the daemon (or act on the last good configuration) and warn.
import assert from 'node:assert/strict';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { labConfig, mwanFor, MWANCTL, type Mwan } from '../../kit/lab/fixture.ts';
import { waitFor } from '../../kit/time.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';
import type { StatusReport } from '../../../cli/status/status.ts';

const WARNED = /mwanctl: warning: invalid configuration in .*:\s*wans\[0\]\.weight: got -3/;

describe('mwan lab: a broken configuration file', function () {
  this.timeout(240000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let events: ManagedProcess | undefined;

  before(async function () {
    await skipWithoutLab(this, 'admin broken config');
    lab = await createLab({ wans: 3 });
  });
  after(async () => {
    await events?.kill();
    await mwan?.cleanup();
    await lab?.teardown();
  });

  /** Runs mwanctl, insists on exit 0 and on the warning naming the broken field; returns stdout. */
  const warnedOk = async (args: string[]) => {
    const r = await mwan!.ctl(args, { timeout: 60000 });
    assert.equal(
      r.exitCode,
      0,
      `mwanctl ${args.join(' ')} exited ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
    );
    assert.match(r.stderr, WARNED, `mwanctl ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  const status = async () => JSON.parse((await warnedOk(['status', '--json'])).stdout) as StatusReport;

  it('with a daemon: status, wan down/up, events and stop still work, and each warns naming the field', async () => {
    const l = lab!;
    mwan = mwanFor(l);
    const good = labConfig(l, mwan.dir);
    mwan.writeConfig(good);
    await mwan.startDaemon();
    const broken = structuredClone(good) as { wans: Record<string, unknown>[] };
    broken.wans[0].weight = -3;
    mwan.writeConfig(broken);
    assert.equal((await mwan.ctl(['check'])).exitCode, 2, 'the file is broken indeed');

    const s = await status();
    assert.equal(s.daemon, true);
    assert.deepEqual(
      s.wans.map((w) => w.name),
      ['isp1', 'isp2', 'isp3'],
    );

    events = l.spawn(l.ns.router, [
      process.execPath,
      MWANCTL,
      '--config',
      mwan.configPath,
      'events',
      '--type',
      'wan.*',
      '--text',
    ]);
    await waitFor(async () => WARNED.test(events!.stderr()), 30000, 'events warns about the configuration');
    await warnedOk(['wan', 'down', 'isp2']);
    await waitFor(async () => (await status()).wans[1].state === 'admin-down', 20000, 'isp2 admin-down');
    await events.waitForLine(/isp2/, 20000);
    await warnedOk(['wan', 'up', 'isp2']);
    await waitFor(async () => (await status()).wans[1].state !== 'admin-down', 20000, 'isp2 back');

    // An events follower keeps the daemon's socket server open after a stop (server.close waits for it): end it first.
    await events.kill();
    const stop = await warnedOk(['stop']);
    assert.match(stop.stdout, /mwan state removed/);
    await waitFor(async () => mwan!.daemon!.hasExited, 20000, 'the daemon exits');
    const nft = await l.exec(l.ns.router, ['nft', 'list', 'tables']);
    assert.doesNotMatch(nft.stdout, /inet mwan/);
  });

  it('without a daemon: status and stop act on the last good configuration, and warn', async () => {
    const l = lab!;
    // apply the good file once (recording it), then break it again
    const good = labConfig(l, mwan!.dir);
    mwan!.writeConfig(good);
    const apply = await mwan!.ctl(['apply'], { timeout: 60000 });
    assert.equal(apply.exitCode, 0, apply.stderr);
    const broken = structuredClone(good) as { wans: Record<string, unknown>[] };
    broken.wans[0].weight = -3;
    mwan!.writeConfig(broken);

    const s = await status();
    assert.equal(s.daemon, false);
    assert.deepEqual(
      s.wans.map((w) => w.name),
      ['isp1', 'isp2', 'isp3'],
    );
    assert.match((await l.exec(l.ns.router, ['nft', 'list', 'tables'])).stdout, /inet mwan/);
    await warnedOk(['stop']);
    assert.doesNotMatch((await l.exec(l.ns.router, ['nft', 'list', 'tables'])).stdout, /inet mwan/);
    // apply still refuses the broken file
    const refused = await mwan!.ctl(['apply']);
    assert.equal(refused.exitCode, 2);
    assert.match(refused.stderr, /wans\[0\]\.weight/);
  });
});
