// Lab server: tells each TCP client the source address it saw, then reads and discards what it sends (the far end of bulk uploads).
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { bind: { type: 'string' }, port: { type: 'string' } } });
if (!values.bind || !values.port) throw new Error('usage: sink-server --bind ADDR --port P');
const sockets = new Set<Socket>();
const server = createServer((sock) => {
  sockets.add(sock);
  sock.on('error', () => undefined);
  sock.on('close', () => sockets.delete(sock));
  sock.write(`${(sock.remoteAddress ?? '?').replace(/^::ffff:/, '')}\n`);
  sock.resume();
  sock.on('end', () => sock.end());
});
server.listen({ host: values.bind, port: Number(values.port) }, () => process.stdout.write('ready\n'));
const stop = () => { server.close(); for (const s of sockets) s.destroy(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
