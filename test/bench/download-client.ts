// Lab client for the makespan bench: a pool of workers downloads --count transfers, each on a new TCP connection; prints one JSON line.
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    to: { type: 'string' },
    port: { type: 'string' },
    count: { type: 'string' },
    workers: { type: 'string', default: '12' },
    bytes: { type: 'string' },
    'deadline-s': { type: 'string', default: '60' },
    bind: { type: 'string' },
  },
});
const port = Number(values.port);
const count = Number(values.count);
const bytes = Number(values.bytes);
const workers = Math.max(1, Math.min(Number(values.workers), count));
const deadlineMs = Number(values['deadline-s']) * 1000;
if (!values.to || !(port > 0) || !(count > 0) || !(bytes > 0) || !(deadlineMs > 0)) {
  throw new Error(
    'usage: download-client --to ADDR --port P --count N --bytes B [--workers W] [--deadline-s S] [--bind SRC]',
  );
}

/** One finished (or failed) transfer: the source the server saw, payload bytes, start and end (ms from the run's start). */
interface Transfer {
  src: string | undefined;
  bytes: number;
  start: number;
  end: number;
}
const t0 = performance.now();
const now = () => performance.now() - t0;
const done: Transfer[] = [];
const open = new Set<() => void>();

function once(): Promise<Transfer> {
  return new Promise((resolve) => {
    const start = now();
    const sock = connect({ host: values.to!, port, localAddress: values.bind });
    let src: string | undefined;
    let head = '';
    let got = 0;
    const finish = (): void => {
      open.delete(finish);
      sock.destroy();
      resolve({ src, bytes: got, start, end: now() });
    };
    open.add(finish);
    sock.on('data', (chunk: Buffer) => {
      if (src === undefined) {
        head += chunk.toString('latin1');
        const nl = head.indexOf('\n');
        if (nl < 0) return;
        src = head.slice(0, nl).trim();
        got += Buffer.byteLength(head.slice(nl + 1), 'latin1');
      } else got += chunk.length;
    });
    sock.on('error', finish);
    sock.on('close', finish);
  });
}

let started = 0;
async function worker(): Promise<void> {
  while (started < count && now() < deadlineMs) {
    started++;
    done.push(await once());
  }
}

function report(timedOut: boolean): never {
  for (const f of [...open]) f();
  const ok = done.filter((d) => d.bytes === bytes);
  const bySource: Record<string, { transfers: number; bytes: number; lastEndMs: number }> = {};
  for (const d of done) {
    const s = (bySource[d.src ?? '?'] ??= { transfers: 0, bytes: 0, lastEndMs: 0 });
    s.transfers += d.bytes === bytes ? 1 : 0;
    s.bytes += d.bytes;
    s.lastEndMs = Math.max(s.lastEndMs, Math.round(d.end));
  }
  const makespanMs = done.length ? Math.max(...done.map((d) => d.end)) - Math.min(...done.map((d) => d.start)) : 0;
  const durations = ok.map((d) => Math.round(d.end - d.start));
  process.stdout.write(
    `${JSON.stringify({ ok: ok.length, failed: done.length - ok.length, timedOut, makespanMs, totalBytes: done.reduce((a, d) => a + d.bytes, 0), bySource, durations, transfers: done.map((d) => [d.src, Math.round(d.start), Math.round(d.end)]) })}\n`,
  );
  process.exit(0);
}

// Hard bound on the whole run: report what arrived by the deadline (plus a grace for transfers in flight).
const abort = setTimeout(() => report(true), deadlineMs + 5000);
await Promise.all(Array.from({ length: workers }, worker));
clearTimeout(abort);
report(started < count);
