// Tests runScript: the exact environment, exit codes, stderr, the time limit killing a script and its children, abort.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OUTPUT_CAP, runScript, scriptEnvironment } from './scripts.ts';

let dir: string;

async function script(name: string, body: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

/** True while `pid` is a live process (a zombie awaiting its reaper counts as dead). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Variables every POSIX shell exports by itself. */
const SHELL_OWN = new Set(['PWD', 'OLDPWD', 'SHLVL', '_']);

describe('runScript', () => {
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mwan-scripts-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes exactly PATH, HOME, LANG and the given variables, nothing else of the daemon', async () => {
    process.env.MWAN_TEST_SECRET = 'must not leak';
    try {
      const out = path.join(dir, 'env.out');
      const file = await script('env.sh', 'exec env > "$OUT"');
      const result = await runScript(file, { OUT: out, ACTION: 'connected', EMPTY: '', SPACED: 'a b=c' }, 5000);
      assert.equal(result.exitCode, 0, result.stderr);
      const seen = Object.fromEntries(
        (await readFile(out, 'utf8'))
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      for (const key of SHELL_OWN) delete seen[key];
      assert.deepEqual(seen, scriptEnvironment({ OUT: out, ACTION: 'connected', EMPTY: '', SPACED: 'a b=c' }));
      assert.equal(seen.PATH, process.env.PATH);
      assert.equal(seen.MWAN_TEST_SECRET, undefined);
    } finally {
      delete process.env.MWAN_TEST_SECRET;
    }
  });

  it('lets the given environment override PATH and falls back to a system PATH', () => {
    assert.equal(scriptEnvironment({ PATH: '/opt/bin' }, { PATH: '/usr/bin' }).PATH, '/opt/bin');
    assert.deepEqual(Object.keys(scriptEnvironment({}, { HOME: '/root', TERM: 'xterm', USER: 'x' })), ['PATH', 'HOME']);
    assert.match(scriptEnvironment({}, {}).PATH, /\/usr\/sbin/);
  });

  it('reports the exit code and captures stderr and stdout', async () => {
    const file = await script('fail.sh', 'echo "out here"; echo "no route to $WAN" >&2; exit 3');
    const result = await runScript(file, { WAN: 'isp2' }, 5000);
    assert.equal(result.exitCode, 3);
    assert.equal(result.signal, null);
    assert.equal(result.timedOut, false);
    assert.equal(result.stderr.trim(), 'no route to isp2');
    assert.equal(result.stdout?.trim(), 'out here');
    assert.equal((await runScript(await script('ok.sh', 'exit 0'), {}, 5000)).exitCode, 0);
  });

  it('keeps only the first OUTPUT_CAP bytes of a chatty script and still lets it finish', async () => {
    const file = await script('chatty.sh', `head -c 200000 /dev/zero | tr '\\0' x >&2; exit 0`);
    const result = await runScript(file, {}, 5000);
    assert.equal(result.exitCode, 0);
    assert.ok(result.stderr.startsWith('x'.repeat(OUTPUT_CAP)));
    assert.match(result.stderr, /\[195904 more bytes dropped\]$/);
  });

  it('kills a hanging script and its child at the limit', async () => {
    const pidFile = path.join(dir, 'child.pid');
    const file = await script('hang.sh', `sleep 30 & echo $! > "${pidFile}"; echo started >&2; wait`);
    const result = await runScript(file, {}, 400);
    assert.equal(result.timedOut, true);
    assert.equal(result.exitCode, null);
    assert.equal(result.signal, 'SIGTERM');
    assert.ok(result.ms >= 400 && result.ms < 1400, `took ${result.ms} ms`);
    assert.equal(result.stderr.trim(), 'started');
    const child = Number(await readFile(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await alive(child), false, `child sleep ${child} survived`);
  });

  it('sends SIGKILL one second after SIGTERM to a script that ignores SIGTERM', async () => {
    const file = await script('stubborn.sh', `trap '' TERM; while :; do sleep 0.05; done`);
    const result = await runScript(file, {}, 200);
    assert.equal(result.timedOut, true);
    assert.equal(result.signal, 'SIGKILL');
    assert.ok(result.ms >= 1150 && result.ms < 2500, `took ${result.ms} ms`);
  });

  it('stops a script when the abort signal fires, without calling it a timeout', async () => {
    const file = await script('long.sh', 'sleep 30');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await runScript(file, {}, 10_000, controller.signal);
    assert.equal(result.timedOut, false);
    assert.equal(result.signal, 'SIGTERM');
    assert.ok(result.ms < 1000, `took ${result.ms} ms`);
  });

  it('does not wait for a background child that keeps the output open', async () => {
    const pidFile = path.join(dir, 'bg.pid');
    const file = await script('bg.sh', `sleep 5 & echo $! > "${pidFile}"; exit 0`);
    const result = await runScript(file, {}, 10_000);
    assert.equal(result.exitCode, 0);
    assert.ok(result.ms < 1000, `took ${result.ms} ms`);
    process.kill(Number(await readFile(pidFile, 'utf8')), 'SIGKILL');
  });

  it('resolves with the reason when the file cannot be run', async () => {
    const missing = await runScript(path.join(dir, 'nope.sh'), {}, 1000);
    assert.equal(missing.exitCode, null);
    assert.match(missing.stderr, /ENOENT/);
    const noExec = path.join(dir, 'plain.txt');
    await writeFile(noExec, 'echo hi\n');
    const refused = await runScript(noExec, {}, 1000);
    assert.equal(refused.exitCode, null);
    assert.match(refused.stderr, /EACCES/);
  });
});
