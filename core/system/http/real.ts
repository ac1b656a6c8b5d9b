// The real HTTP facility: node:http servers, and files read from mwan's package for the pages they serve.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { packageFile } from '../package-root.ts';
import { httpGet } from './get.ts';
import {
  assetPathProblem,
  isStreamReply,
  type HttpHandler,
  type HttpRequest,
  type HttpServer,
  type HttpService,
  type HttpStream,
} from './types.ts';

/** Requests with a body are refused: the server is read-only. */
function requestOf(req: IncomingMessage): HttpRequest {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const remote = req.socket.remoteAddress;
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    remoteAddress: remote?.startsWith('::ffff:') ? remote.slice(7) : remote,
  };
}

function streamOf(res: ServerResponse): HttpStream {
  const listeners: (() => void)[] = [];
  let closed = false;
  const closeOnce = () => {
    if (closed) return;
    closed = true;
    for (const l of listeners.splice(0)) l();
  };
  res.on('close', closeOnce);
  return {
    // A client that does not read is not buffered for: past 1 MiB waiting, chunks are dropped.
    write: (chunk) => !closed && res.writableLength < 1 << 20 && res.write(chunk),
    end: () => {
      res.end();
      closeOnce();
    },
    onClose: (l) => (closed ? l() : listeners.push(l)),
  };
}

async function answer(
  handler: HttpHandler,
  req: IncomingMessage,
  res: ServerResponse,
  open: Set<HttpStream>,
): Promise<void> {
  try {
    const reply = await handler(requestOf(req));
    if (isStreamReply(reply)) {
      res.writeHead(reply.status, reply.headers);
      res.flushHeaders();
      const stream = streamOf(res);
      open.add(stream);
      stream.onClose(() => open.delete(stream));
      reply.open(stream);
      return;
    }
    res.writeHead(reply.status, { 'content-length': String(Buffer.byteLength(reply.body)), ...reply.headers });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  } catch {
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('internal error\n');
  }
}

export const systemHttp: HttpService = {
  listen: ({ host, port }, handler) =>
    new Promise((resolve, reject) => {
      const streams = new Set<HttpStream>();
      const server = createServer((req, res) => void answer(handler, req, res, streams));
      server.headersTimeout = 10_000;
      server.requestTimeout = 15_000;
      server.keepAliveTimeout = 5_000;
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err })),
      );
      server.listen({ host, port, exclusive: true }, () => {
        const address = server.address();
        const actual = typeof address === 'object' && address ? address.port : port;
        const handle: HttpServer = {
          host,
          port: actual,
          close: () =>
            new Promise<void>((done) => {
              for (const s of [...streams]) s.end();
              server.close(() => done());
              server.closeAllConnections();
            }),
        };
        resolve(handle);
      });
    }),
  packageAsset: async (relative) => {
    const problem = assetPathProblem(relative);
    if (problem) throw new Error(`package asset ${JSON.stringify(relative)}: ${problem}`);
    try {
      return await readFile(packageFile(relative));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  },
  get: httpGet,
};
