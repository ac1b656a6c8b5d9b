// One `conntrack -E` process shared by every subscriber: flow events as records, a resync signal when events were lost.
import { execa, type ResultPromise } from 'execa';
import { execaRunner, type Runner } from '../process/runner.ts';
import { tiedArgv } from '../process/tied-spawn.ts';
import { parseConntrackLine, type ConntrackRecord } from './parse.ts';

export interface ConntrackSubscriber {
  event(r: ConntrackRecord): void;
  /** Events were lost (buffer overrun) or the event process restarted: re-read the table with `list()`. */
  resync?(): void;
}

export interface ConntrackFeed {
  /** Starts the event process with the first subscriber, stops it after the last one leaves. */
  subscribe(s: ConntrackSubscriber): () => void;
  /** The whole table, once (`conntrack -L`): for a start or a resync, never per decision. */
  list(): Promise<ConntrackRecord[]>;
}

const RESTART_MS = 1000;

export function createConntrackFeed(
  run: Runner = execaRunner,
  spawn = (argv: string[]) => {
    const [file, ...args] = tiedArgv(argv); // SIGKILL when the daemon dies, even by kill -9
    return execa(file, args, { buffer: false, reject: false });
  },
): ConntrackFeed {
  const subscribers = new Set<ConntrackSubscriber>();
  let child: ResultPromise | undefined;
  let restart: NodeJS.Timeout | undefined;

  const each = (fn: (s: ConntrackSubscriber) => void) => {
    for (const s of [...subscribers]) {
      try {
        fn(s);
      } catch {
        /* a subscriber's bug must not stop the feed */
      }
    }
  };

  const start = () => {
    const proc = spawn([
      'conntrack',
      '-E',
      '-e',
      'NEW,UPDATE,DESTROY',
      '-o',
      'timestamp,id',
      '-b',
      String(8 * 1024 * 1024),
    ]);
    child = proc;
    let partial = '';
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const r = parseConntrackLine(line);
        if (r) each((s) => s.event(r));
      }
    });
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (text: string) => {
      if (/ENOBUFS/.test(text)) each((s) => s.resync?.());
    });
    void Promise.resolve(proc).then(() => {
      if (child !== proc || subscribers.size === 0) return;
      child = undefined;
      restart = setTimeout(() => {
        restart = undefined;
        if (subscribers.size) {
          start();
          each((s) => s.resync?.());
        }
      }, RESTART_MS);
    });
  };

  return {
    subscribe(s) {
      subscribers.add(s);
      if (!child && !restart) start();
      return () => {
        subscribers.delete(s);
        if (subscribers.size) return;
        clearTimeout(restart);
        restart = undefined;
        const c = child;
        child = undefined;
        c?.kill('SIGTERM');
      };
    },
    async list() {
      const r = await run(['conntrack', '-L', '-o', 'id'], { allowFailure: true });
      return r.stdout.split('\n').flatMap((line) => parseConntrackLine(line) ?? []);
    },
  };
}
