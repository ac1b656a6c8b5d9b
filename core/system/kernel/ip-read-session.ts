// A long-lived `ip -json -N -batch -` for reads (the 30 s check, every snapshot): no process start per read; one JSON line per show command.
import type { ChildProcess } from 'node:child_process';
import { startBatchProcess } from './batch-process.ts';

/** Sent after each batch: its one JSON line names the loopback device (no route, rule or address listing does). */
const MARKER = 'link show dev lo';
const MARKER_LINE = /^\[\{"ifindex":\d+,"ifname":"lo",.*"link_type":/;
const TIMEOUT_MS = 15000;

interface Pending {
  count: number;
  resolve: (outputs: string[]) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Runs batches of `show` commands in one `ip -json … -batch -` process (tied to this process's life): each command
 * prints exactly one line of JSON, and the marker's line ends the batch. Any failure (a bad command makes ip exit,
 * a line out of step, a timeout) rejects the batch and ends the process; the next batch starts a new one.
 */
export class IpReadSession {
  private child?: ChildProcess;
  private out = '';
  private err = '';
  private pending?: Pending;
  private queue: Promise<unknown> = Promise.resolve();

  /** For example `['ip', '-json', '-N', '-4', '-batch', '-']`. */
  constructor(private readonly argv: string[]) {}

  show(commands: string[]): Promise<string[]> {
    const next = this.queue.then(() => this.once(commands));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.child?.stdin?.end();
    this.child = undefined;
  }

  private start(): ChildProcess {
    this.out = '';
    this.err = '';
    const child = startBatchProcess(this.argv, {
      stdout: (chunk) => {
        this.out += chunk;
        this.collect(child);
      },
      stderr: (chunk) => {
        this.err += chunk;
      },
    });
    child.on('error', (error) => this.fail(child, error));
    child.on('close', (code, signal) =>
      this.fail(child, new Error(`${this.argv.join(' ')} exited (${code ?? signal}): ${this.err.trim()}`)),
    );
    return child;
  }

  /** Settles the pending batch once its outputs and the marker's line have all arrived. */
  private collect(child: ChildProcess): void {
    const p = this.pending;
    if (!p) return;
    const lines = this.out.split('\n');
    if (lines.length <= p.count + 1) return; // the marker's line is not complete yet
    const outputs = lines.slice(0, p.count);
    const marker = lines[p.count];
    const rest = lines.slice(p.count + 1).join('\n');
    if (!MARKER_LINE.test(marker) || rest !== '' || outputs.some((o) => !o.startsWith('['))) {
      this.fail(child, new Error(`${this.argv.join(' ')}: output out of step with its commands`));
      return;
    }
    this.out = '';
    this.pending = undefined;
    clearTimeout(p.timer);
    p.resolve(outputs);
  }

  private fail(child: ChildProcess, error: Error): void {
    if (this.child === child) {
      this.child = undefined;
      child.kill('SIGKILL');
    }
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    p.reject(error);
  }

  private once(commands: string[]): Promise<string[]> {
    this.child ??= this.start();
    const child = this.child;
    this.out = '';
    this.err = '';
    return new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(child, new Error(`${this.argv.join(' ')} did not answer within ${TIMEOUT_MS / 1000} s`)),
        TIMEOUT_MS,
      );
      this.pending = { count: commands.length, resolve, reject, timer };
      child.stdin!.write(`${commands.join('\n')}\n${MARKER}\n`);
    });
  }
}
