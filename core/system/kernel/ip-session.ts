// A long-lived `ip -batch -` for applies: no process start per batch; a marker command tells when a batch is done.
import type { ChildProcess } from 'node:child_process';
import { startBatchProcess } from './batch-process.ts';

/** Printed by `link show dev lo` (the marker after each batch); no route or rule command prints it. */
const MARKER_LINE = /^\s+link\/loopback /m;
const TIMEOUT_MS = 30000;

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
  /** Lines the session had read before this batch (ip numbers lines from the start of its input). */
  offset: number;
  timer: NodeJS.Timeout;
}

/**
 * Runs batches of `ip` lines in one `ip -batch -` process (tied to this process's life). Without `-force` ip stops at
 * the first failing line and exits: the batch is rejected with ip's own words, its line number counted from the
 * batch's start, as `ip -batch -` run alone would print them; the next batch starts a new process.
 */
export class IpSession {
  private child?: ChildProcess;
  private lines = 0;
  private out = '';
  private err = '';
  private pending?: Pending;
  private queue: Promise<void> = Promise.resolve();

  /** `ip -batch -` by default; `['ip', '-6', '-batch', '-']` for IPv6 routes and rules. */
  constructor(private readonly argv: string[] = ['ip', '-batch', '-']) {}

  run(lines: string[]): Promise<void> {
    const next = this.queue.then(() => this.once(lines));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private start(): ChildProcess {
    this.lines = 0;
    this.out = '';
    this.err = '';
    const child = startBatchProcess(this.argv, {
      stdout: (chunk) => {
        this.out += chunk;
        if (this.pending && MARKER_LINE.test(this.out) && this.out.endsWith('\n')) {
          this.out = '';
          this.settle();
        }
      },
      stderr: (chunk) => {
        this.err += chunk;
      },
    });
    child.on('error', (error) => this.settle(error));
    child.on('close', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const at = this.pending?.offset ?? 0;
      const stderr = this.err.replace(
        /Command failed -:(\d+)/g,
        (_, n: string) => `Command failed -:${Number(n) - at}`,
      );
      this.settle(new Error(`command failed (exit ${code ?? signal}): ${this.argv.join(' ')}\n${stderr.trim()}`));
    });
    return child;
  }

  private settle(error?: Error): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve();
  }

  private once(lines: string[]): Promise<void> {
    this.child ??= this.start();
    const child = this.child;
    this.err = '';
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        this.settle(
          new Error(`${this.argv.join(' ')} did not finish ${lines.length} lines within ${TIMEOUT_MS / 1000} s`),
        );
      }, TIMEOUT_MS);
      this.pending = { resolve, reject, offset: this.lines, timer };
      this.lines += lines.length + 1;
      child.stdin!.write(`${lines.join('\n')}\nlink show dev lo\n`);
    });
  }
}
