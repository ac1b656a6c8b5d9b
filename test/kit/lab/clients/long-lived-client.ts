// Lab client: holds one TCP connection; each stdin line is sent and the reply printed; prints `closed <why>` on loss.
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    to: { type: 'string' },
    port: { type: 'string' },
    bind: { type: 'string' },
    'timeout-ms': { type: 'string', default: '3000' },
  },
});
if (!values.to || !(Number(values.port) > 0))
  throw new Error('usage: long-lived-client --to ADDR --port P [--bind SRC]');

const sock = connect({ host: values.to, port: Number(values.port), localAddress: values.bind });
const connectTimer = setTimeout(() => {
  console.log('closed connect-timeout');
  process.exit(1);
}, Number(values['timeout-ms']));
let greeted = false;
let buf = '';
sock.setNoDelay(true);
sock.setEncoding('utf8');
sock.on('data', (chunk: string) => {
  buf += chunk;
  const parts = buf.split('\n');
  buf = parts.pop() ?? '';
  for (const line of parts) {
    if (!greeted) {
      greeted = true;
      clearTimeout(connectTimer);
      console.log(`connected ${line}`);
    } else console.log(`reply ${line}`);
  }
});
sock.on('error', (err: NodeJS.ErrnoException) => {
  console.log(`closed ${err.code ?? err.message}`);
  process.exit(1);
});
sock.on('close', () => {
  console.log('closed eof');
  process.exit(1);
});

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => sock.write(`${line}\n`));
rl.on('close', () => {
  sock.destroy();
  process.exit(0);
});
process.on('SIGTERM', () => {
  sock.destroy();
  process.exit(0);
});
