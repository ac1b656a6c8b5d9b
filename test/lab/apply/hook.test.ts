// The ifupdown hook and `mwanctl install`: the hook notifies the daemon or starts a one-shot apply, never fails, never blocks.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { MWANCTL, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

const HOOK = fileURLToPath(new URL('../../../hooks/mwan', import.meta.url));
const BUILD_BUNDLE = fileURLToPath(new URL('../../../cli/build-bundle.mjs', import.meta.url));
/** The hook returns at once (mwanctl runs in the background); allow for starting `sh` on a loaded machine. */
const HOOK_BUDGET_MS = 2500;

describe('mwan lab: ifupdown hook and install', function () {
  this.timeout(60000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  const tmp: string[] = [];

  before(async function () {
    await skipWithoutLab(this, 'hook');
    lab = await createLab({ wans: 3 });
    mwan = mwanFor(lab);
    await mwan.startDaemon();
  });

  after(async () => {
    try {
      for (const d of tmp) rmSync(d, { recursive: true, force: true });
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  /** Runs hooks/mwan in the router namespace with the variables ifupdown sets. */
  async function runHook(
    iface: string,
    o: { config?: string; mode?: string; phase?: string } = {},
  ): Promise<{ exitCode: number; ms: number; out: string }> {
    const env = {
      IFACE: iface,
      LOGICAL: iface,
      MODE: o.mode ?? 'start',
      PHASE: o.phase ?? 'post-up',
      ADDRFAM: 'inet',
      METHOD: 'static',
      VERBOSITY: '0',
      MWANCTL: `${process.execPath} ${MWANCTL}`,
      MWAN_CONFIG: o.config ?? mwan!.configPath,
    };
    const t0 = performance.now();
    const r = await lab!.exec(
      lab!.ns.router,
      ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'sh', HOOK],
      { reject: false, timeout: 10000 },
    );
    return { exitCode: r.exitCode, ms: performance.now() - t0, out: r.stdout + r.stderr };
  }

  const nftTablePresent = async (): Promise<boolean> =>
    (await lab!.exec(lab!.ns.router, ['nft', 'list', 'table', 'inet', 'mwan'], { reject: false })).exitCode === 0;

  it('with the daemon running: notifies it within the budget (lastHook is wan2 post-up, then wan3 post-down)', async () => {
    const before = await statusOf(mwan!);
    assert.equal(before.lastHook ?? null, null);
    const r = await runHook('wan2');
    console.log(`      hook for wan2 (daemon running) took ${Math.round(r.ms)} ms`);
    assert.equal(r.exitCode, 0, r.out);
    assert.ok(r.ms < HOOK_BUDGET_MS, `hook took ${Math.round(r.ms)} ms`);
    await waitFor(
      async () => (await statusOf(mwan!)).lastHook?.iface === 'wan2',
      20000,
      'the daemon to hear the hook for wan2',
    );
    const s = await statusOf(mwan!);
    assert.equal(s.lastHook?.iface, 'wan2', JSON.stringify(s.lastHook));
    assert.equal(s.lastHook?.phase, 'post-up');

    const down = await runHook('wan3', { mode: 'stop', phase: 'post-down' });
    assert.equal(down.exitCode, 0, down.out);
    assert.ok(down.ms < HOOK_BUDGET_MS, `hook took ${Math.round(down.ms)} ms`);
    await waitFor(
      async () => (await statusOf(mwan!)).lastHook?.iface === 'wan3',
      20000,
      'the daemon to hear the hook for wan3',
    );
    const s2 = await statusOf(mwan!);
    assert.deepEqual([s2.lastHook?.iface, s2.lastHook?.phase], ['wan3', 'post-down']);
  });

  it('ignores unrelated interfaces (lo, eth9): exits 0 and the daemon hears nothing', async () => {
    const before = (await statusOf(mwan!)).lastHook;
    assert.equal(before?.iface, 'wan3');
    for (const iface of ['lo', 'eth9']) {
      const r = await runHook(iface);
      assert.equal(r.exitCode, 0, `${iface}: ${r.out}`);
      assert.ok(r.ms < HOOK_BUDGET_MS, `${iface}: hook took ${Math.round(r.ms)} ms`);
    }
    await new Promise((r) => setTimeout(r, 3000)); // time for a background mwanctl to reach the daemon, were one started
    assert.deepEqual((await statusOf(mwan!)).lastHook, before);
  });

  it('exits 0 even with a broken configuration', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-hook-'));
    tmp.push(dir);
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{ "wans": [ { "name": "isp1", "device": "wan1", "weight": -1 } ], ');
    const r = await runHook('wan2', { config: broken });
    assert.equal(r.exitCode, 0, r.out);
    assert.ok(r.ms < HOOK_BUDGET_MS, `hook took ${Math.round(r.ms)} ms`);
    // mwanctl itself does fail on that file: the hook is what swallows it
    const direct = await mwan!.ctl(['--config', broken, 'check']);
    assert.equal(direct.exitCode, 2, direct.stderr);
  });

  it('without a daemon: an unrelated interface does nothing; wan2 starts a one-shot apply that installs the table', async () => {
    await ctlOk(mwan!, ['stop']);
    await mwan!.daemon!.exited;
    assert.equal(await nftTablePresent(), false, 'stop left the nft table behind');

    const unrelated = await runHook('eth9');
    assert.equal(unrelated.exitCode, 0, unrelated.out);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await nftTablePresent(), false, 'a hook for eth9 changed the kernel');

    const t0 = performance.now();
    const r = await runHook('wan2', { mode: 'start', phase: 'post-up' });
    console.log(`      hook for wan2 (no daemon) returned in ${Math.round(r.ms)} ms`);
    assert.equal(r.exitCode, 0, r.out);
    assert.ok(r.ms < HOOK_BUDGET_MS, `hook took ${Math.round(r.ms)} ms`);
    await waitFor(nftTablePresent, 30000, 'the detached apply to install the mwan nft table');
    console.log(`      mwan's nft table present ${Math.round(performance.now() - t0)} ms after the hook started`);
  });

  it('install --root writes the hooks, unit and wrapper; uninstall --root removes them', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'mwan-root-'));
    tmp.push(root);
    const m = mwan!;
    const out = await ctlOk(m, ['install', '--root', root]);
    const files = {
      up: 'etc/network/if-up.d/mwan',
      down: 'etc/network/if-down.d/mwan',
      unit: 'etc/systemd/system/mwan.service',
      wrapper: 'usr/local/sbin/mwanctl',
    };
    for (const f of Object.values(files)) {
      assert.ok(existsSync(path.join(root, f)), `${f} missing; install printed:\n${out}`);
      assert.match(out, new RegExp(`installed .*${f.replace(/\./g, '\\.')}`));
    }
    for (const f of [files.up, files.down, files.wrapper]) {
      assert.equal(statSync(path.join(root, f)).mode & 0o111, 0o111, `${f} is not executable`);
    }
    const hook = readFileSync(path.join(root, files.up), 'utf8');
    assert.match(hook, /^MWANCTL="\/usr\/local\/sbin\/mwanctl"/m);
    assert.match(hook, new RegExp(`^MWAN_CONFIG="${m.configPath.replace(/[.]/g, '\\.')}"`, 'm'));
    assert.equal(readFileSync(path.join(root, files.down), 'utf8'), hook);
    const syntax = await lab!.exec(lab!.ns.router, ['sh', '-n', path.join(root, files.up)], { reject: false });
    assert.equal(syntax.exitCode, 0, syntax.stderr);
    const unit = readFileSync(path.join(root, files.unit), 'utf8');
    assert.match(
      unit,
      new RegExp(`^ExecStart=/usr/local/sbin/mwanctl daemon --config ${m.configPath.replace(/[.]/g, '\\.')}$`, 'm'),
    );
    assert.match(unit, /^ExecStop=\/usr\/local\/sbin\/mwanctl stop/m);
    const wrapper = readFileSync(path.join(root, files.wrapper), 'utf8');
    assert.ok(wrapper.startsWith('#!/bin/sh\n'), wrapper);
    assert.ok(wrapper.includes(MWANCTL), wrapper);
    assert.match(wrapper, /^MWANCTL_INSTALLED=1$/m, 'the installed wrapper must run the bundle only');
    // The installed wrapper refuses a stale bundle: build it from the sources as they are now (atomic; others may run it).
    await execa(process.execPath, [BUILD_BUNDLE]);
    // The wrapper runs mwanctl with the daemon's Node flags; MWAN_NODE_FLAGS replaces them.
    const run = (env: Record<string, string>) =>
      execa('sh', [path.join(root, files.wrapper), 'check', '--config', m.configPath], { reject: false, env });
    const plain = await run({});
    assert.equal(plain.exitCode, 0, plain.stderr);
    const bogus = await run({ MWAN_NODE_FLAGS: '--no-such-node-flag' });
    assert.notEqual(bogus.exitCode, 0);
    assert.match(bogus.stderr, /no-such-node-flag/);

    const removed = await ctlOk(m, ['uninstall', '--root', root]);
    for (const f of Object.values(files)) {
      assert.equal(existsSync(path.join(root, f)), false, `${f} still there; uninstall printed:\n${removed}`);
    }
  });
});
