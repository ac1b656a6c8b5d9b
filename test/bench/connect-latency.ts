// Bench client: opens TCP connections one after another and prints each one's setup time (connect() to established), as one JSON line.
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    to: { type: 'string' },
    port: { type: 'string' },
    count: { type: 'string', default: '500' },
    'timeout-ms': { type: 'string', default: '3000' },
  },
});
const count = Number(values.count);
const timeoutMs = Number(values['timeout-ms']);
if (!values.to || !(Number(values.port) > 0) || !(count > 0 && count <= 100000))
  throw new Error('usage: connect-latency --to ADDR --port P [--count N ≤ 100000] [--timeout-ms T]');

const samplesMs: number[] = [];
let failed = 0;
const deadline = Date.now() + count * timeoutMs;
for (let i = 0; i < count && Date.now() < deadline; i++) {
  const ms = await new Promise<number | undefined>((resolve) => {
    const t0 = process.hrtime.bigint();
    const sock = connect({ host: values.to!, port: Number(values.port) });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(undefined);
    }, timeoutMs);
    sock.once('connect', () => {
      const dt = Number(process.hrtime.bigint() - t0) / 1e6;
      clearTimeout(timer);
      sock.destroy();
      resolve(dt);
    });
    sock.once('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
  });
  if (ms === undefined) failed++;
  else samplesMs.push(ms);
}
process.stdout.write(`${JSON.stringify({ samplesMs, failed })}\n`);
