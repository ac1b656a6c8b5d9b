// Tests the command prober: exit codes, the environment it gets, the time limit (whole process group), skipped rounds.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startProbe } from './index.ts';
import { assertSteady, assertTimely, good, localCtx, probeFor, sleep, spec } from './testing.ts';

/** Running (a zombie, killed but not yet reaped by whoever inherited it, does not count). */
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const pidsIn = (file: string): number[] =>
  existsSync(file) ? readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(Number) : [];

describe('command prober', function () {
  this.timeout(20000);
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-probe-cmd-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs once per interval; exit 0 is an answer; gets WAN, DEVICE, SOURCE, TARGET', async () => {
    const out = path.join(dir, 'env');
    const s = spec({
      method: 'command',
      target: '203.0.113.10',
      command: ['sh', '-c', 'echo "$WAN $DEVICE $SOURCE $TARGET" >> "$1"', 'probe', out],
    });
    const ctx = localCtx({ wan: 'fibre', device: 'wan1', source: '100.64.1.2' });
    const run = await probeFor(s, ctx, 1000);
    assertTimely(run, s, ctx);
    assertSteady(run, ctx, 1000);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.ok(lines.length >= run.during.length);
    assert.ok(
      lines.every((l) => l === 'fibre wan1 100.64.1.2 203.0.113.10'),
      lines[0],
    );
  });

  it('reports a non-zero exit with its code and first line of stderr, and a missing program', async () => {
    const ctx = localCtx();
    const s = spec({ method: 'command', target: 'x', command: ['sh', '-c', 'echo "no route" >&2; exit 3'] });
    const run = await probeFor(s, ctx, 300);
    assertTimely(run, s, ctx);
    assert.ok(
      run.during.length >= 2 &&
        run.during.every(
          (x) => x.rttMs === null && x.error === `sh -c echo "no route" >&2; exit 3: exit code 3: no route`,
        ),
      JSON.stringify(run.during),
    );
    const missing = await probeFor(spec({ method: 'command', target: 'x', command: ['/nonexistent/probe'] }), ctx, 250);
    assert.ok(
      missing.during.length >= 2 && missing.during.every((x) => x.rttMs === null && /ENOENT/.test(x.error ?? '')),
      JSON.stringify(missing.during),
    );
  });

  it('kills a run at the timeout, with its children, and reports it failed on time', async () => {
    const pids = path.join(dir, 'pids');
    // The script starts a grandchild and waits: both must die at the time limit.
    const s = spec({
      method: 'command',
      target: 'x',
      command: ['sh', '-c', 'sleep 30 & echo "$$ $!" >> "$1"; wait', 'probe', pids],
    });
    const ctx = localCtx({ intervalMs: 200, timeoutMs: 100 });
    const run = await probeFor(s, ctx, 1000);
    assertTimely(run, s, ctx);
    assert.ok(run.during.length >= 4 && good(run).length === 0, JSON.stringify(run.during));
    assert.ok(
      run.during.every((x) => x.error === 'no answer within 100 ms' && x.deliveredAt - x.sentAt >= 95),
      JSON.stringify(run.during),
    );
    const all = pidsIn(pids);
    assert.ok(all.length >= 8);
    await sleep(200);
    assert.deepEqual(all.filter(alive), [], 'processes outlived the time limit');
  });

  it('skips a round while the previous run is still going, reporting it failed', async () => {
    const s = spec({ method: 'command', target: 'x', command: ['sleep', '0.25'] });
    const ctx = localCtx({ intervalMs: 100, timeoutMs: 400 });
    const run = await probeFor(s, ctx, 1000, 600);
    assertTimely(run, s, ctx);
    const skipped = run.during.filter((x) => x.error === 'skipped: the previous run is still going');
    assert.ok(good(run).length >= 2, JSON.stringify(run.during));
    assert.ok(skipped.length >= 4, JSON.stringify(run.during));
    assert.ok(skipped.every((x) => x.deliveredAt - x.sentAt < 50));
  });

  it('stop() kills the running command and reports nothing more', async () => {
    const pids = path.join(dir, 'pids');
    const seen: unknown[] = [];
    const p = startProbe(
      spec({ method: 'command', target: 'x', command: ['sh', '-c', 'echo $$ >> "$1"; exec sleep 30', 'probe', pids] }),
      localCtx({ intervalMs: 1000, timeoutMs: 5000 }),
      (x) => seen.push(x),
    );
    await sleep(300);
    const [pid] = pidsIn(pids);
    assert.ok(pid && alive(pid), 'the command is running');
    p.stop();
    await sleep(200);
    assert.equal(alive(pid), false, 'the command survived stop()');
    assert.deepEqual(seen, []);
  });

  it('refuses a command spec without a command', () => {
    assert.throws(
      () => startProbe(spec({ method: 'command', target: 'x' }), localCtx(), () => undefined),
      /command probe of x: a command is required/,
    );
  });
});
