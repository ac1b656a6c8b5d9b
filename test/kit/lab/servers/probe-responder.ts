// Lab server for probe tests: TCP, HTTP, HTTPS and DNS (UDP) responders that print, per request, the source they saw.
import { createServer as createTcpServer, type Socket } from 'node:net';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeMessage, encodeResponse } from '../../../../core/system/probes/dns-wire.ts';

const { values } = parseArgs({
  options: {
    bind: { type: 'string' },
    tcp: { type: 'string' },
    http: { type: 'string' },
    https: { type: 'string' },
    key: { type: 'string' },
    cert: { type: 'string' },
    dns: { type: 'string' },
  },
});
const bind = values.bind;
if (!bind)
  throw new Error(
    'usage: probe-responder --bind ADDR [--tcp PORT] [--http PORT] [--https PORT --key FILE --cert FILE] [--dns PORT]',
  );

const plain = (a: string | undefined): string => (a ?? '?').replace(/^::ffff:/, '');
/** One JSON line per request: {"proto":"tcp","from":"198.51.100.6"}. */
const log = (proto: string, from: string | undefined, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(`${JSON.stringify({ proto, from: plain(from), ...extra })}\n`);
};
const sockets = new Set<Socket>();
const track = (s: Socket): void => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
  s.on('error', () => undefined);
};
const closers: (() => void)[] = [];
const listening: Promise<void>[] = [];

const listen = (
  server: {
    listen(port: number, host: string, cb: () => void): unknown;
    once(e: 'error', cb: (err: Error) => void): unknown;
    close(): unknown;
  },
  port: string,
): void => {
  closers.push(() => server.close());
  listening.push(
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(port), bind, () => resolve());
    }),
  );
};

if (values.tcp) {
  const server = createTcpServer((s) => {
    track(s);
    log('tcp', s.remoteAddress);
    s.end(`${plain(s.remoteAddress)}\n`);
  });
  listen(server, values.tcp);
}

const web =
  (proto: string) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    log(proto, req.socket.remoteAddress, { path: req.url });
    const m = /^\/status\/(\d{3})$/.exec(req.url ?? '');
    res.writeHead(m ? Number(m[1]) : 200, {
      'content-type': 'text/plain',
      'x-seen-from': plain(req.socket.remoteAddress),
    });
    res.end(`${plain(req.socket.remoteAddress)}\n`);
  };
if (values.http) {
  const server = createHttpServer(web('http'));
  server.on('connection', track);
  listen(server, values.http);
}
if (values.https) {
  if (!values.key || !values.cert) throw new Error('probe-responder: --https needs --key and --cert');
  const server = createHttpsServer({ key: readFileSync(values.key), cert: readFileSync(values.cert) }, web('https'));
  server.on('connection', track);
  listen(server, values.https);
}

if (values.dns) {
  // Answers every A query with the (IPv4) address it came from, so a resolver here also tells which ISP the query used.
  const sock = createSocket(bind.includes(':') ? 'udp6' : 'udp4');
  sock.on('message', (msg, rinfo) => {
    let q: ReturnType<typeof decodeMessage>;
    try {
      q = decodeMessage(msg);
    } catch {
      return;
    }
    const name = q.questions[0]?.name ?? '';
    log('dns', rinfo.address, { name });
    // An A record can only carry an IPv4 source; a query over IPv6 gets an empty answer (the log line tells who asked).
    const from = plain(rinfo.address);
    sock.send(
      encodeResponse({ id: q.id, name, addresses: from.includes(':') ? [] : [from] }),
      rinfo.port,
      rinfo.address,
    );
  });
  closers.push(() => sock.close());
  listening.push(
    new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(Number(values.dns), bind, () => resolve());
    }),
  );
}

await Promise.all(listening);
process.stdout.write('ready\n');

const stop = (): void => {
  for (const c of closers) c();
  for (const s of sockets) s.destroy();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
