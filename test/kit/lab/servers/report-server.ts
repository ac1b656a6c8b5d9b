// Lab server: tells each TCP/UDP client the source address it saw, and echoes TCP lines prefixed with that address.
import { createServer, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { bind: { type: 'string' }, tcp: { type: 'string' }, udp: { type: 'string' } },
});
const bind = values.bind;
if (!bind) throw new Error('usage: report-server --bind ADDR [--tcp PORT[,PORT…]] [--udp PORT]');
const tcpPorts = (values.tcp ?? '').split(',').filter(Boolean).map(Number);
const udpPort = values.udp ? Number(values.udp) : undefined;
if (tcpPorts.length === 0 && udpPort === undefined) throw new Error('report-server: give --tcp and/or --udp');

const plain = (a: string | undefined): string => (a ?? '?').replace(/^::ffff:/, '');
const sockets = new Set<Socket>();
const closers: (() => void)[] = [];

function serveTcp(port: number): Promise<void> {
  const server = createServer((sock) => {
    sockets.add(sock);
    const remote = plain(sock.remoteAddress);
    sock.setNoDelay(true);
    sock.on('error', () => {
      /* resets are the client's business */
    });
    sock.on('close', () => sockets.delete(sock));
    sock.write(`${remote}\n`);
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const line of parts) sock.write(`${remote} ${line}\n`);
    });
    sock.on('end', () => sock.end());
  });
  closers.push(() => server.close());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: bind, port, backlog: 1024 }, () => resolve());
  });
}

function serveUdp(port: number): Promise<void> {
  const sock = createSocket(bind?.includes(':') ? 'udp6' : 'udp4');
  sock.on('message', (msg, rinfo) => {
    sock.send(`${plain(rinfo.address)} ${msg.toString('utf8')}`, rinfo.port, rinfo.address);
  });
  closers.push(() => sock.close());
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, bind, () => resolve());
  });
}

await Promise.all([...tcpPorts.map(serveTcp), ...(udpPort === undefined ? [] : [serveUdp(udpPort)])]);
process.stdout.write('ready\n');

const stop = (): void => {
  for (const c of closers) c();
  for (const s of sockets) s.destroy();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
