// Lab client: opens N TCP connections one after another and holds them open; one JSON line per connection (its source as the server saw it).
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    to: { type: 'string' },
    port: { type: 'string' },
    count: { type: 'string' },
    'interval-ms': { type: 'string', default: '100' },
    seconds: { type: 'string', default: '30' },
  },
});
const count = Number(values.count);
const interval = Number(values['interval-ms']);
if (!values.to || !(Number(values.port) > 0) || !(count > 0))
  throw new Error('usage: hold-client --to ADDR --port P --count N [--interval-ms MS] [--seconds S]');
const held: Socket[] = [];
const stop = () => {
  for (const s of held) s.destroy();
  process.exit(0);
};
setTimeout(stop, Number(values.seconds) * 1000);
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();

for (let i = 0; i < count; i++) {
  const src = await new Promise<string>((resolve) => {
    const sock = connect({ host: values.to!, port: Number(values.port) });
    const timer = setTimeout(() => resolve(''), 3000);
    sock.setEncoding('utf8');
    sock.on('error', () => resolve(''));
    sock.once('data', (line: string) => {
      clearTimeout(timer);
      held.push(sock);
      resolve(line.trim().split('\n')[0]);
    });
  });
  process.stdout.write(`${JSON.stringify({ i, src })}\n`);
  await new Promise((r) => setTimeout(r, interval));
}
process.stdout.write('done\n');
