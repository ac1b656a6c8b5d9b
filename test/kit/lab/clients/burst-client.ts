// Lab client: opens N bounded TCP connections, reads the source address the server saw, prints one JSON summary line.
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    to: { type: 'string' },
    port: { type: 'string' },
    count: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '10' },
    'timeout-ms': { type: 'string', default: '2000' },
    bind: { type: 'string' },
  },
});
const to = values.to;
const port = Number(values.port);
const count = Number(values.count);
const concurrency = Math.max(1, Math.min(Number(values.concurrency), count || 1));
const timeoutMs = Number(values['timeout-ms']);
if (!to || !(port > 0) || !(count >= 0) || !(timeoutMs > 0)) {
  throw new Error('usage: burst-client --to ADDR --port P --count N --concurrency C --timeout-ms T [--bind SRC]');
}

const started = Date.now();
const bySource: Record<string, number> = {};
/** Every answer's source address in the order the answers came (with --concurrency 1, the order of the connections). */
const order: string[] = [];
let ok = 0;
let failed = 0;

function once(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: to, port, localAddress: values.bind });
    let buf = '';
    const finish = (src: string | undefined): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(src);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl).trim());
    });
    sock.on('error', () => finish(undefined));
    sock.on('close', () => finish(undefined));
  });
}

// Hard bound on the whole run, whatever happens.
const abort = setTimeout(() => report(), count * timeoutMs + 1000);

let next = 0;
async function worker(): Promise<void> {
  while (next < count) {
    next++;
    const src = await once();
    if (src) {
      ok++;
      bySource[src] = (bySource[src] ?? 0) + 1;
      order.push(src);
    } else failed++;
  }
}

function report(): void {
  clearTimeout(abort);
  failed = count - ok;
  process.stdout.write(JSON.stringify({ ok, failed, bySource, order, ms: Date.now() - started }) + '\n');
  process.exit(0);
}

await Promise.all(Array.from({ length: concurrency }, worker));
report();
