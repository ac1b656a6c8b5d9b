// Long-lived processes inside lab namespaces: spawn via `ip netns exec`, read stdout line by line, kill, track.
import { execa, type ResultPromise } from 'execa';

export interface SpawnOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Working directory. */
  cwd?: string;
}

export interface ExitInfo {
  exitCode: number | undefined;
  signal: string | undefined;
}

export interface ManagedProcess {
  readonly ns: string;
  readonly argv: string[];
  readonly pid: number | undefined;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** True once the process has exited. */
  readonly hasExited: boolean;
  /** Every stdout line seen so far. */
  readonly lines: readonly string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** The next stdout line not yet consumed by nextLine/waitForLine; rejects on timeout or exit. */
  nextLine(timeoutMs?: number): Promise<string>;
  /** Consumes stdout lines until one matches; rejects on timeout or exit. */
  waitForLine(match: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Writes to the process's stdin. */
  write(data: string): void;
  /** SIGTERM, then SIGKILL after graceMs (default 2000); resolves when the process is gone. */
  kill(graceMs?: number): Promise<ExitInfo>;
}

/** A set of managed processes that can be killed together. */
export class ProcessTracker {
  readonly #procs = new Set<ManagedProcess>();

  add(p: ManagedProcess): void {
    this.#procs.add(p);
    void p.exited.then(() => this.#procs.delete(p));
  }

  pids(): number[] {
    return [...this.#procs].map((p) => p.pid).filter((p): p is number => typeof p === 'number');
  }

  async killAll(graceMs = 2000): Promise<void> {
    await Promise.all([...this.#procs].map((p) => p.kill(graceMs)));
    this.#procs.clear();
  }
}

/** Spawns `argv` inside namespace `ns` (via `ip netns exec`, which execs so the pid is the program's own). */
export function spawnInNs(
  ns: string,
  argv: string[],
  opts: SpawnOptions = {},
  tracker?: ProcessTracker,
): ManagedProcess {
  if (argv.length === 0) throw new Error('spawnInNs: empty argv');
  const child: ResultPromise = execa('ip', ['netns', 'exec', ns, ...argv], {
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    env: opts.env,
    cwd: opts.cwd,
    cleanup: true,
  });
  const lines: string[] = [];
  let cursor = 0;
  let partial = '';
  let err = '';
  let done = false;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };

  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    if (parts.length) wake();
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    err = (err + chunk).slice(-8192);
  });
  child.stdin?.on('error', () => {
    /* process gone; writes are dropped */
  });

  const exited: Promise<ExitInfo> = child
    .then(
      (r) => ({ exitCode: r.exitCode, signal: r.signal }),
      () => ({ exitCode: undefined, signal: undefined }),
    )
    .then((info) => {
      done = true;
      if (partial) {
        lines.push(partial);
        partial = '';
      }
      wake();
      return info;
    });

  const describe = (): string => `[${ns}] ${argv.join(' ')}`;

  function waitForLine(match: string | RegExp | null, timeoutMs = 10000): Promise<string> {
    return new Promise((resolve, reject) => {
      const test = (l: string): boolean =>
        match === null || (typeof match === 'string' ? l.includes(match) : match.test(l));
      const check = (): void => {
        while (cursor < lines.length) {
          const l = lines[cursor++];
          if (test(l)) {
            finish();
            resolve(l);
            return;
          }
        }
        if (done) {
          finish();
          reject(new Error(`${describe()} exited before printing ${String(match ?? 'a line')}; stderr: ${err.trim()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${describe()}: no ${String(match ?? 'line')} within ${timeoutMs} ms; stderr: ${err.trim()}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  const proc: ManagedProcess = {
    ns,
    argv,
    get pid() {
      return child.pid;
    },
    exited,
    get hasExited() {
      return done;
    },
    lines,
    stderr: () => err,
    nextLine: (t) => waitForLine(null, t),
    waitForLine: (m, t) => waitForLine(m, t),
    write: (data) => {
      if (!done) child.stdin?.write(data);
    },
    async kill(graceMs = 2000) {
      if (done) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
  tracker?.add(proc);
  return proc;
}
