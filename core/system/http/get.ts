// A small bounded GET with node:http (the HA peer channel): a time limit, a size limit, an optional local address.
import { request } from 'node:http';
import type { HttpGetOptions, HttpGetReply } from './types.ts';

/** Resolves with the status and the body as text; rejects naming the URL on a timeout, an error or a body too long. */
export function httpGet(o: HttpGetOptions): Promise<HttpGetReply> {
  const where = `http://${o.host}:${o.port}${o.path}`;
  if (!o.path.startsWith('/')) return Promise.reject(new Error(`GET ${where}: the path must start with "/"`));
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, reply?: HttpGetReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        req.destroy();
        reject(
          error.message.startsWith('GET ') ? error : new Error(`GET ${where}: ${error.message}`, { cause: error }),
        );
      } else resolve(reply!);
    };
    const req = request(
      {
        host: o.host,
        port: o.port,
        path: o.path,
        method: 'GET',
        localAddress: o.localAddress,
        headers: { accept: 'application/json', connection: 'close' },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > o.maxBytes) finish(new Error(`GET ${where}: the answer is longer than ${o.maxBytes} bytes`));
          else chunks.push(c);
        });
        res.on('end', () =>
          finish(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', (e) => finish(e));
      },
    );
    const timer = setTimeout(() => finish(new Error(`GET ${where}: no answer within ${o.timeoutMs} ms`)), o.timeoutMs);
    req.on('error', (e) => finish(e));
    req.end();
  });
}
