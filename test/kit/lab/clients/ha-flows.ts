// Lab client for HA takeovers: N long TCP flows (a message every interval) and a new connection every few ms, for a bounded time (or until "stop" on stdin).
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    to: { type: 'string' },
    port: { type: 'string' },
    flows: { type: 'string', default: '20' },
    'interval-ms': { type: 'string', default: '100' },
    'connect-every-ms': { type: 'string', default: '0' },
    seconds: { type: 'string', default: '10' },
    /** The LAN source address to connect from (default: the kernel's choice). */
    from: { type: 'string' },
  },
});
const port = Number(values.port);
const flows = Number(values.flows);
const interval = Number(values['interval-ms']);
const connectEvery = Number(values['connect-every-ms']);
const seconds = Number(values.seconds);
if (!values.to || !(port > 0) || !(flows >= 0 && flows <= 100) || !(interval >= 10) || !(seconds > 0 && seconds <= 900))
  throw new Error(
    'usage: ha-flows --to ADDR --port P [--flows N<=100] [--interval-ms] [--connect-every-ms] [--seconds<=900]',
  );
const host = values.to;
const localAddress = values.from;

interface Flow {
  sock: Socket;
  firstSource: string | null;
  lastSource: string | null;
  lastReplyAt: number;
  maxGapMs: number;
  replies: number;
  closed: string | null;
}

/** Lines of a socket, one callback each. */
function onLines(sock: Socket, fn: (line: string) => void): void {
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    buf += chunk;
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    for (const l of parts) fn(l);
  });
}

function openFlow(): Promise<Flow> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, localAddress });
    sock.setNoDelay(true);
    const f: Flow = {
      sock,
      firstSource: null,
      lastSource: null,
      lastReplyAt: 0,
      maxGapMs: 0,
      replies: 0,
      closed: null,
    };
    const timer = setTimeout(() => reject(new Error('flow connect timeout')), 5000);
    onLines(sock, (line) => {
      const now = Date.now();
      const source = line.split(' ')[0];
      if (f.firstSource === null) {
        f.firstSource = source;
        clearTimeout(timer);
        resolve(f);
      } else f.replies++;
      f.lastSource = source;
      if (f.lastReplyAt) f.maxGapMs = Math.max(f.maxGapMs, now - f.lastReplyAt);
      f.lastReplyAt = now;
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      f.closed ??= e.code ?? e.message;
    });
    sock.on('close', () => {
      f.closed ??= 'eof';
    });
  });
}

/** One short connection: resolves with the time its greeting arrived, or null (failed or over 1 s). */
function probeConnect(): Promise<number | null> {
  return new Promise((resolve) => {
    const sock = connect({ host, port, localAddress });
    const done = (v: number | null) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), 1000);
    sock.once('data', () => done(Date.now()));
    sock.on('error', () => done(null));
  });
}

const list = await Promise.all(Array.from({ length: flows }, openFlow));
const started = Date.now();
for (const f of list) f.lastReplyAt = started;
let n = 0;
const tick = setInterval(() => {
  n++;
  for (const f of list) if (!f.closed) f.sock.write(`${n}\n`);
}, interval);
const connects: { at: number; ok: number | null }[] = [];
const pending: Promise<void>[] = [];
const connectTick =
  connectEvery > 0
    ? setInterval(() => {
        const at = Date.now();
        const entry = { at, ok: null as number | null };
        connects.push(entry);
        pending.push(
          probeConnect().then((ok) => {
            entry.ok = ok;
          }),
        );
      }, connectEvery)
    : undefined;
console.log(`ready ${started}`);

// The time is up, or a "stop" line on stdin ends the run early (a test that knows when it is done).
await new Promise<void>((resolve) => {
  setTimeout(resolve, seconds * 1000);
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    if (d.includes('stop')) resolve();
  });
  process.stdin.on('error', () => undefined);
});
process.stdin.pause();
clearInterval(tick);
clearInterval(connectTick);
await Promise.all(pending);
const end = Date.now();
// A flow whose last reply is older than 3 intervals at the end stalled for good.
for (const f of list) if (!f.closed && end - f.lastReplyAt > 3 * interval + 500) f.closed = 'stalled';
for (const f of list) f.maxGapMs = Math.max(f.maxGapMs, f.closed ? end - f.lastReplyAt : 0);
// The longest time between two successful new connections (each measured from its attempt's start).
const oks = connects.filter((c) => c.ok !== null).map((c) => c.ok as number);
let worstConnectGapMs = 0;
for (let i = 1; i < oks.length; i++) worstConnectGapMs = Math.max(worstConnectGapMs, oks[i] - oks[i - 1]);
console.log(
  `result ${JSON.stringify({
    started,
    flows: list.map((f) => ({
      firstSource: f.firstSource,
      lastSource: f.lastSource,
      replies: f.replies,
      maxGapMs: f.maxGapMs,
      closed: f.closed,
    })),
    connects: { tried: connects.length, ok: oks.length, okTimes: oks, worstGapMs: worstConnectGapMs },
  })}`,
);
for (const f of list) f.sock.destroy();
process.exit(0);
