// The in-memory HTTP facility for tests: servers are handlers in a table, requests are function calls, streams collect their chunks.
import { systemHttp } from './real.ts';
import {
  isStreamReply,
  type HttpGetOptions,
  type HttpGetReply,
  type HttpHandler,
  type HttpListenOptions,
  type HttpReply,
  type HttpService,
  type HttpStream,
} from './types.ts';

/** A stream answer as a test sees it: what was written so far, and a way to leave as a client would. */
export interface MemoryStream {
  status: number;
  headers: Record<string, string>;
  chunks: string[];
  closed: boolean;
  /** The client leaves. */
  close(): void;
}

export interface MemoryHttpServer extends HttpListenOptions {
  handler: HttpHandler;
  closed: boolean;
}

export class MemoryHttp implements HttpService {
  readonly servers: MemoryHttpServer[] = [];
  /** Files `packageAsset` returns instead of the package's own (by package-relative path). */
  readonly assets = new Map<string, string>();
  /** Ports taken: listening on one again fails as EADDRINUSE would. */
  private nextPort = 40_000;

  async listen(options: HttpListenOptions, handler: HttpHandler) {
    const taken = this.servers.some((s) => !s.closed && s.host === options.host && s.port === options.port);
    if (taken) throw new Error(`cannot listen on ${options.host}:${options.port}: EADDRINUSE`);
    const server: MemoryHttpServer = { ...options, port: options.port || this.nextPort++, handler, closed: false };
    this.servers.push(server);
    const streams = this.streams;
    return {
      host: server.host,
      port: server.port,
      close: async () => {
        server.closed = true;
        for (const s of streams.get(server) ?? []) s.close();
      },
    };
  }

  private readonly streams = new Map<MemoryHttpServer, MemoryStream[]>();

  /** The one open server (the last one started). */
  get server(): MemoryHttpServer {
    const open = this.servers.filter((s) => !s.closed);
    if (!open.length) throw new Error('no HTTP server is listening');
    return open[open.length - 1]!;
  }

  /** A GET (or `method`) to the open server: a whole answer, or the stream of a streaming one. */
  async request(
    target: string,
    headers: Record<string, string> = {},
    method = 'GET',
  ): Promise<(HttpReply & { text: string }) | MemoryStream> {
    const server = this.server;
    const url = new URL(target, 'http://memory');
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const reply = await server.handler({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: lower,
    });
    if (!isStreamReply(reply)) {
      const text = typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body).toString('utf8');
      return { ...reply, text };
    }
    const listeners: (() => void)[] = [];
    const mem: MemoryStream = {
      status: reply.status,
      headers: reply.headers,
      chunks: [],
      closed: false,
      close: () => {
        if (mem.closed) return;
        mem.closed = true;
        for (const l of listeners.splice(0)) l();
      },
    };
    const stream: HttpStream = {
      write: (chunk) => !mem.closed && mem.chunks.push(chunk) > 0,
      end: () => mem.close(),
      onClose: (l) => (mem.closed ? l() : listeners.push(l)),
    };
    this.streams.set(server, [...(this.streams.get(server) ?? []), mem]);
    reply.open(stream);
    return mem;
  }

  /** A GET to a server of the table by host and port, from `localAddress` (the handler sees it as the client's). */
  async get(o: HttpGetOptions): Promise<HttpGetReply> {
    const server = this.servers.find((s) => !s.closed && s.host === o.host && s.port === o.port);
    if (!server) throw new Error(`GET http://${o.host}:${o.port}${o.path}: ECONNREFUSED`);
    const url = new URL(o.path, 'http://memory');
    const reply = await server.handler({
      method: 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { accept: 'application/json' },
      remoteAddress: o.localAddress,
    });
    if (isStreamReply(reply)) throw new Error('a stream answer to a GET of the memory facility');
    const body = typeof reply.body === 'string' ? reply.body : Buffer.from(reply.body).toString('utf8');
    if (Buffer.byteLength(body) > o.maxBytes) throw new Error(`the answer is longer than ${o.maxBytes} bytes`);
    return { status: reply.status, body };
  }

  async packageAsset(relative: string): Promise<Uint8Array | null> {
    const own = this.assets.get(relative);
    return own !== undefined ? new TextEncoder().encode(own) : systemHttp.packageAsset(relative);
  }
}
