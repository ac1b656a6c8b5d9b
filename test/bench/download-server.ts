// Lab server for the makespan bench: each TCP client gets a line with the source address it saw, then --bytes of payload, then end.
import { createServer, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { bind: { type: 'string' }, port: { type: 'string' }, bytes: { type: 'string' } } });
const bytes = Number(values.bytes);
if (!values.bind || !values.port || !(bytes > 0)) throw new Error('usage: download-server --bind ADDR --port P --bytes N');
const payload = Buffer.alloc(bytes, 0x61);
const sockets = new Set<Socket>();
const server = createServer((sock) => {
  sockets.add(sock);
  sock.on('error', () => undefined);
  sock.on('close', () => sockets.delete(sock));
  sock.write(`${(sock.remoteAddress ?? '?').replace(/^::ffff:/, '')}\n`);
  sock.end(payload);
});
server.listen({ host: values.bind, port: Number(values.port), backlog: 1024 }, () => process.stdout.write('ready\n'));
const stop = () => { server.close(); for (const s of sockets) s.destroy(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
