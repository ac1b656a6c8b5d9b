// Lab server: tells each TCP client the source address it saw, then reads and discards what it sends (the far end of bulk uploads).
import { parseArgs } from 'node:util';
import { startGreetingServer } from './greeting-server.ts';

const { values } = parseArgs({ options: { bind: { type: 'string' }, port: { type: 'string' } } });
if (!values.bind || !values.port) throw new Error('usage: sink-server --bind ADDR --port P');
startGreetingServer({ bind: values.bind, port: Number(values.port) }, (sock) => {
  sock.resume();
  sock.on('end', () => sock.end());
});
