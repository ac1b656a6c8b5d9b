// One queue per script: runs of the same script never overlap, waiting runs are bounded, and closing stops them all.
import type { RunScript, ScriptResult } from '../../plugin-api/index.ts';

export interface QueueHooks {
  /** Called after every run with what the script did. */
  finished(file: string, env: Record<string, string>, result: ScriptResult): void;
  /** Called when a waiting run is dropped because the queue is full or closing. */
  dropped(file: string, env: Record<string, string>, why: 'full' | 'closing'): void;
}

interface Lane {
  waiting: Record<string, string>[];
  running?: Promise<void>;
}

export class ScriptQueues {
  private readonly lanes = new Map<string, Lane>();
  private readonly abort = new AbortController();
  private closed = false;

  constructor(
    private readonly run: RunScript,
    private readonly timeoutMs: number,
    private readonly maxQueued: number,
    private readonly hooks: QueueHooks,
  ) {}

  /** Queues one run of `file`; returns at once. */
  enqueue(file: string, env: Record<string, string>): void {
    if (this.closed) {
      this.hooks.dropped(file, env, 'closing');
      return;
    }
    let lane = this.lanes.get(file);
    if (!lane) {
      lane = { waiting: [] };
      this.lanes.set(file, lane);
    }
    lane.waiting.push(env);
    if (lane.waiting.length > this.maxQueued) this.hooks.dropped(file, lane.waiting.shift()!, 'full');
    if (!lane.running) lane.running = this.drain(file, lane);
  }

  private async drain(file: string, lane: Lane): Promise<void> {
    for (let env = lane.waiting.shift(); env; env = lane.waiting.shift()) {
      const result = await Promise.resolve()
        .then(() => this.run(file, env, this.timeoutMs, this.abort.signal))
        .catch((error: Error) => ({ exitCode: null, signal: null, timedOut: false, ms: 0, stderr: error.message }));
      try {
        this.hooks.finished(file, env, result);
      } catch {
        /* a reporting failure must not stop the lane */
      }
    }
    lane.running = undefined;
    this.lanes.delete(file);
  }

  /** Resolves when no script is running or waiting. */
  async idle(): Promise<void> {
    while (this.lanes.size) await Promise.all([...this.lanes.values()].map((l) => l.running));
  }

  get busy(): number {
    return this.lanes.size;
  }

  /** Drops waiting runs, gives running ones `graceMs` to finish, then kills them and waits for them to end. */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    for (const [file, lane] of this.lanes)
      for (const env of lane.waiting.splice(0)) this.hooks.dropped(file, env, 'closing');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([this.idle(), grace]);
    clearTimeout(timer);
    this.abort.abort();
    await this.idle();
  }
}
