// Supervises one long-lived helper process (a daemon such as miniupnpd): start with argv, restart with backoff, stop.
import { execa, type ResultPromise } from 'execa';
import { constants } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { describeError } from '../../errors.ts';
import { execaRunner, type Runner } from './runner.ts';
import { tiedArgv } from './tied-spawn.ts';

export interface ProcessSpec {
  /** A label for logs and errors, e.g. `miniupnpd`. */
  name: string;
  /** The program and its arguments (no shell). It must stay in the foreground. */
  argv: string[];
  /** Files written before every start (parent directories created), e.g. the program's configuration. */
  files?: { path: string; content: string; mode?: number }[];
  /** Commands run in order before every start, like systemd's ExecStartPre; a failure counts as a failed start. */
  before?: string[][];
  /** Commands run once after `stop()`, like ExecStopPost; failures are reported, not thrown. */
  after?: string[][];
  /** Restart delay: `firstMs`, doubled after each failure up to `maxMs`; a run that lasted `stableMs` resets it. */
  backoff?: { firstMs?: number; maxMs?: number; stableMs?: number };
  /** Time between SIGTERM and SIGKILL when stopping (default 2000 ms). */
  stopGraceMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** How long the run lasted. */
  ms: number;
  /** When it will be started again; null when it was stopped on purpose. */
  restartInMs: number | null;
  /** Why it could not start (a `before` command failed, the program is missing). */
  error?: string;
}

export interface ProcessEvents {
  /** Each line the process writes, without the newline. */
  line?(line: string, stream: 'stdout' | 'stderr'): void;
  started?(pid: number): void;
  exited?(info: ExitInfo): void;
  /** Something that does not stop supervision went wrong (an `after` command failed). */
  problem?(message: string): void;
}

export interface Supervised {
  readonly name: string;
  /** The running process, if any. */
  readonly pid: number | undefined;
  /** How many times it was started. */
  readonly starts: number;
  /**
   * Sends `signal` to the running process (radvd re-reads its file on SIGHUP); false when none runs. The real, memory
   * and idle supervisors have it; optional for supervisors written by hand in tests.
   */
  signal?(signal: 'SIGHUP' | 'SIGUSR1'): boolean;
  /** Ends supervision: SIGTERM (SIGKILL after the grace time), then the `after` commands. Idempotent. */
  stop(): Promise<void>;
}

export type Supervise = (spec: ProcessSpec, events?: ProcessEvents) => Supervised;

/** Longest line passed on; the rest of a longer line is dropped. */
const LINE_CAP = 2000;
/** After the process exits, how long its descendants may keep its output open before we stop reading. */
const CLOSE_GRACE_MS = 100;

function eachLine(stream: Readable | null | undefined, onLine: (line: string) => void): void {
  if (!stream) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = (parts.pop() ?? '').slice(0, LINE_CAP);
    for (const p of parts) onLine(p.slice(0, LINE_CAP));
  });
  stream.on('end', () => {
    if (partial) onLine(partial);
    partial = '';
  });
  stream.on('error', () => undefined);
}

/** Throws `spawn <file> ENOENT` unless `file` (a path, or a name looked up in PATH) is an executable. */
async function findProgram(file: string): Promise<void> {
  const dirs = file.includes('/')
    ? ['']
    : (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').filter(Boolean);
  for (const d of dirs) {
    try {
      await access(d ? path.join(d, file) : file, constants.X_OK);
      return;
    } catch {
      /* next */
    }
  }
  throw Object.assign(new Error(`spawn ${file} ENOENT`), { code: 'ENOENT' });
}

/** Starts `spec` at once and keeps it running until `stop()`. `run` executes the before/after commands (tests swap it). */
export function supervise(spec: ProcessSpec, events: ProcessEvents = {}, run: Runner = execaRunner): Supervised {
  if (spec.argv.length === 0) throw new Error(`supervise ${spec.name}: empty argv`);
  const firstMs = spec.backoff?.firstMs ?? 500;
  const maxMs = spec.backoff?.maxMs ?? 30_000;
  const stableMs = spec.backoff?.stableMs ?? 10_000;
  let child: ResultPromise | undefined;
  let exited: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let starting: Promise<void> = Promise.resolve();
  let stopped: Promise<void> | undefined;
  let failures = 0;
  let starts = 0;

  const nextDelay = (): number => Math.min(maxMs, firstMs * 2 ** failures++);
  const schedule = (ms: number) => {
    timer = setTimeout(() => {
      timer = undefined;
      starting = start();
    }, ms);
  };

  async function prepare(): Promise<void> {
    await findProgram(spec.argv[0]); // setpriv would only exit 127: say plainly that the program is missing
    for (const f of spec.files ?? []) {
      await mkdir(path.dirname(f.path), { recursive: true });
      await writeFile(f.path, f.content, { mode: f.mode ?? 0o600 });
    }
    for (const argv of spec.before ?? []) await run(argv);
  }

  async function start(): Promise<void> {
    if (stopped) return;
    try {
      await prepare();
    } catch (error) {
      if (stopped) return;
      const delay = nextDelay();
      events.exited?.({ code: null, signal: null, ms: 0, restartInMs: delay, error: describeError(error) });
      schedule(delay);
      return;
    }
    if (stopped) return;
    const [file, ...args] = tiedArgv(spec.argv); // SIGKILL when the daemon dies, even by kill -9
    const t0 = performance.now();
    const sub = execa(file, args, {
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: true,
    });
    child = sub;
    starts++;
    eachLine(sub.stdout, (l) => events.line?.(l, 'stdout'));
    eachLine(sub.stderr, (l) => events.line?.(l, 'stderr'));
    if (sub.pid !== undefined) events.started?.(sub.pid);
    exited = new Promise<{ code: number | null; signal: string | null; error?: string }>((resolve) => {
      sub.once('exit', (code, signal) => {
        // A descendant may keep the pipes open: stop reading them shortly after the process itself is gone.
        setTimeout(() => {
          sub.stdout?.destroy();
          sub.stderr?.destroy();
        }, CLOSE_GRACE_MS);
        resolve({ code, signal });
      });
      // execa never rejects here (reject: false); a spawn failure (ENOENT, EACCES) has no exit event.
      sub.then(
        (r) => {
          if (r.failed && r.exitCode === undefined && !r.signal)
            resolve({ code: null, signal: null, error: r.originalMessage || r.shortMessage });
        },
        (e: Error) => resolve({ code: null, signal: null, error: e.message }),
      );
    }).then((end) => {
      child = undefined;
      const ms = performance.now() - t0;
      const info = { ...end, ms: Math.round(ms) };
      if (stopped) {
        events.exited?.({ ...info, restartInMs: null });
        return;
      }
      if (ms >= stableMs) failures = 0;
      const delay = nextDelay();
      events.exited?.({ ...info, restartInMs: delay });
      schedule(delay);
    });
  }

  starting = start();

  return {
    name: spec.name,
    get pid() {
      return child?.pid;
    },
    get starts() {
      return starts;
    },
    signal(name) {
      return child?.pid !== undefined && !stopped && child.kill(name);
    },
    stop() {
      stopped ??= (async () => {
        clearTimeout(timer);
        await starting;
        const running = child;
        if (running) {
          running.kill('SIGTERM');
          const kill = setTimeout(() => running.kill('SIGKILL'), spec.stopGraceMs ?? 2000);
          await exited;
          clearTimeout(kill);
        }
        for (const argv of spec.after ?? []) {
          try {
            await run(argv);
          } catch (error) {
            events.problem?.(`${spec.name}: ${describeError(error)}`);
          }
        }
      })();
      return stopped;
    },
  };
}
