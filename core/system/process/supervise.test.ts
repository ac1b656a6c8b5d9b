// Tests supervise: restarts with growing delays, backoff reset after a stable run, files and before/after commands, stop.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { supervise, type ExitInfo } from './supervise.ts';
import type { Runner } from './runner.ts';

let dir: string;

/** True while `pid` is a live process (a zombie awaiting its reaper counts as dead). */
async function alive(pid: number): Promise<boolean> {
  try {
    const s = await readFile(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('supervise', () => {
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mwan-supervise-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('restarts a process that exits, doubling the delay after each quick failure', async () => {
    const exits: ExitInfo[] = [];
    const p = supervise(
      { name: 'flaky', argv: ['sh', '-c', 'exit 3'], backoff: { firstMs: 10, maxMs: 40 } },
      { exited: (i) => exits.push(i) },
    );
    await until(() => exits.length >= 4);
    await p.stop();
    assert.deepEqual(
      exits.slice(0, 4).map((e) => [e.code, e.restartInMs]),
      [
        [3, 10],
        [3, 20],
        [3, 40],
        [3, 40],
      ],
    );
    assert.ok(p.starts >= 4);
  });

  it('a run that lasted stableMs resets the delay', async () => {
    const exits: ExitInfo[] = [];
    const p = supervise(
      { name: 'steady', argv: ['sh', '-c', 'sleep 0.05'], backoff: { firstMs: 5, maxMs: 1000, stableMs: 30 } },
      { exited: (i) => exits.push(i) },
    );
    await until(() => exits.length >= 3);
    await p.stop();
    assert.deepEqual(
      exits.slice(0, 3).map((e) => e.restartInMs),
      [5, 5, 5],
    );
  });

  it('writes its files and runs the before commands before every start, the after commands once on stop', async () => {
    const calls: string[] = [];
    const run: Runner = async (argv) => {
      calls.push(argv.join(' '));
      return { stdout: '', stderr: '', exitCode: 0 };
    };
    const conf = path.join(dir, 'sub', 'daemon.conf');
    const lines: string[] = [];
    const p = supervise(
      {
        name: 'daemon',
        argv: ['sh', '-c', `cat ${conf}; echo oops >&2; exec sleep 30`],
        files: [{ path: conf, content: 'listen=lan0\n' }],
        before: [['nft', '-f', 'init.nft']],
        after: [['nft', 'delete', 'table', 'inet', 'x']],
      },
      { line: (l, s) => lines.push(`${s}: ${l}`) },
      run,
    );
    await until(() => lines.length >= 2);
    assert.deepEqual(lines.sort(), ['stderr: oops', 'stdout: listen=lan0']);
    assert.equal((await stat(conf)).mode & 0o777, 0o600);
    const pid = p.pid!;
    assert.ok(await alive(pid));
    await p.stop();
    assert.equal(p.pid, undefined);
    assert.equal(await alive(pid), false);
    assert.deepEqual(calls, ['nft -f init.nft', 'nft delete table inet x']);
    await p.stop(); // idempotent
    assert.equal(calls.length, 2);
  });

  it('a failing before command counts as a failed start and is retried; the process does not run meanwhile', async () => {
    let attempts = 0;
    const run: Runner = async () => {
      if (++attempts < 3) throw new Error('nft: table busy');
      return { stdout: '', stderr: '', exitCode: 0 };
    };
    const exits: ExitInfo[] = [];
    const started: number[] = [];
    const p = supervise(
      { name: 'd', argv: ['sleep', '30'], before: [['nft', '-f', 'x']], backoff: { firstMs: 5 } },
      { exited: (i) => exits.push(i), started: (pid) => started.push(pid) },
      run,
    );
    await until(() => started.length === 1);
    await p.stop();
    assert.deepEqual(
      exits.slice(0, 2).map((e) => [e.error, e.restartInMs]),
      [
        ['nft: table busy', 5],
        ['nft: table busy', 10],
      ],
    );
    assert.equal(exits[2].restartInMs, null, 'stopped on purpose');
  });

  it('a missing program is reported and retried, not thrown', async () => {
    const exits: ExitInfo[] = [];
    const p = supervise(
      { name: 'missing', argv: [path.join(dir, 'no-such-daemon')], backoff: { firstMs: 5 } },
      { exited: (i) => exits.push(i) },
    );
    await until(() => exits.length >= 2);
    await p.stop();
    assert.match(exits[0].error ?? '', /ENOENT/);
    assert.equal(exits[0].code, null);
  });

  it('stop sends SIGKILL after the grace time to a process that ignores SIGTERM', async () => {
    let ready = false;
    const p = supervise(
      {
        name: 'stubborn',
        argv: ['sh', '-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done'],
        stopGraceMs: 100,
      },
      {
        line: (l) => {
          if (l === 'ready') ready = true;
        },
      },
    );
    await until(() => ready);
    const pid = p.pid!;
    const t0 = Date.now();
    await p.stop();
    assert.ok(Date.now() - t0 >= 90, 'waited for the grace time');
    assert.equal(await alive(pid), false);
  });

  it('stop during a pending restart cancels it; after-command failures are reported', async () => {
    const problems: string[] = [];
    const exits: ExitInfo[] = [];
    const run: Runner = async (argv) => {
      if (argv[0] === 'cleanup') throw new Error('no such table');
      return { stdout: '', stderr: '', exitCode: 0 };
    };
    const p = supervise(
      { name: 'd', argv: ['true'], after: [['cleanup']], backoff: { firstMs: 60_000 } },
      { exited: (i) => exits.push(i), problem: (m) => problems.push(m) },
      run,
    );
    await until(() => exits.length === 1);
    await p.stop();
    assert.equal(p.starts, 1);
    assert.deepEqual(problems, ['d: no such table']);
  });
});

describe("supervise: tied to the supervisor's life", () => {
  it('the supervised process gets SIGKILL when the process that supervises it is killed with kill -9', async function () {
    this.timeout(20000);
    const { execa } = await import('execa');
    const script = `import('${new URL('./supervise.ts', import.meta.url).href}').then(({ supervise }) => supervise({ name: 'sleeper', argv: ['sleep', '60'] }, { started: (pid) => console.log(pid) }))`;
    const parent = execa(process.execPath, ['--import', 'tsx', '-e', script], { reject: false, buffer: false });
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout?.setEncoding('utf8');
      parent.stdout?.once('data', (line: string) => resolve(Number(line.trim())));
      void parent.then(() => reject(new Error('the supervising process ended early')));
    });
    const t0 = Date.now();
    while (!(await alive(pid)) || !(await readFile(`/proc/${pid}/cmdline`, 'utf8')).startsWith('sleep')) {
      if (Date.now() - t0 > 5000) throw new Error('sleep never ran');
      await new Promise((r) => setTimeout(r, 20));
    }
    parent.kill('SIGKILL');
    await parent;
    const t1 = Date.now();
    while (await alive(pid)) {
      if (Date.now() - t1 > 5000) {
        process.kill(pid, 'SIGKILL');
        assert.fail(`sleep (pid ${pid}) outlived its killed supervisor`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
