// Lab client: one bulk TCP upload, bounded in bytes and in time; prints the source the server saw, then a JSON summary.
import { connect } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { to: { type: 'string' }, port: { type: 'string' }, bytes: { type: 'string' }, seconds: { type: 'string' } },
});
const bytes = Number(values.bytes);
const seconds = Number(values.seconds);
if (!values.to || !(Number(values.port) > 0) || !(bytes > 0) || !(seconds > 0))
  throw new Error('usage: bulk-client --to ADDR --port P --bytes N --seconds S');

const started = Date.now();
const chunk = Buffer.alloc(16384, 120);
let sent = 0;
let seenAs = '';
const sock = connect({ host: values.to, port: Number(values.port) });
const finish = (why: string) => {
  process.stdout.write(`${JSON.stringify({ seenAs, sent, ms: Date.now() - started, why })}\n`);
  sock.destroy();
  process.exit(0);
};
setTimeout(() => finish('time'), seconds * 1000);
sock.on('error', (e) => finish(`error ${e.message}`));
sock.setEncoding('utf8');
sock.once('data', (line: string) => {
  seenAs = line.trim();
  process.stdout.write(`connected ${seenAs}\n`);
  const pump = () => {
    while (sent < bytes) {
      sent += chunk.length;
      if (!sock.write(chunk)) {
        sock.once('drain', pump);
        return;
      }
    }
    sock.end(() => finish('bytes'));
  };
  pump();
});
