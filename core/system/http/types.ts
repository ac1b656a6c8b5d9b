// The HTTP facility of the system boundary (types only): a small read-only server a plugin serves pages, metrics and event streams on.

/** One request, as the handler sees it: a GET or HEAD whose path and query are already split. */
export interface HttpRequest {
  method: string;
  /** The path without the query (`/metrics`). */
  path: string;
  /** The query parameters (the last value of a repeated one). */
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The client's address (IPv4 without the `::ffff:` prefix); undefined when unknown. */
  remoteAddress?: string;
}

/** A whole answer: status, headers, body. */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** An answer that stays open (server-sent events): chunks are written until either side closes it. */
export interface HttpStream {
  /** Writes a chunk; false when the client is gone or its buffer is full (the chunk is dropped then). */
  write(chunk: string): boolean;
  /** Ends the answer. */
  end(): void;
  /** Called once when the answer ends (the client left, `end()`, or the server closed). */
  onClose(listener: () => void): void;
}

/** An answer that streams: its status and headers, then `open` gets the stream. */
export interface HttpStreamReply {
  status: number;
  headers: Record<string, string>;
  open(stream: HttpStream): void;
}

/** Answers a request; a throw becomes a 500 (the error is not shown to the client). */
export type HttpHandler = (request: HttpRequest) => HttpReply | HttpStreamReply | Promise<HttpReply | HttpStreamReply>;

export interface HttpListenOptions {
  /** An IPv4 or IPv6 address (`127.0.0.1`, `::1`, `0.0.0.0`). */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
}

/** A listening server. */
export interface HttpServer {
  readonly host: string;
  /** The port it listens on (the one picked when 0 was asked for). */
  readonly port: number;
  /** Stops listening and ends every open answer. */
  close(): Promise<void>;
}

/** One small GET to another host (the HA peer channel): bounded in time and size, never redirected. */
export interface HttpGetOptions {
  host: string;
  port: number;
  /** The path and query, starting with `/`. */
  path: string;
  /** The local address to send from (the peer checks it). */
  localAddress?: string;
  timeoutMs: number;
  /** A longer answer is refused (the request fails naming the limit). */
  maxBytes: number;
}

export interface HttpGetReply {
  status: number;
  body: string;
}

export interface HttpService {
  /** Listens on `host:port`; rejects naming the address when it cannot (EADDRINUSE, EADDRNOTAVAIL). */
  listen(options: HttpListenOptions, handler: HttpHandler): Promise<HttpServer>;
  /**
   * A file shipped in mwan's package (a page, a bundled script), by its path from the package root
   * (`plugins/observe/page/index.html`, `node_modules/uplot/dist/uPlot.iife.min.js`); null when it is missing.
   * Paths leaving the package are refused.
   */
  packageAsset(relative: string): Promise<Uint8Array | null>;
  /** A GET to another host's server (optional: only the real and memory facilities send requests). */
  get?(options: HttpGetOptions): Promise<HttpGetReply>;
}

/** Whether an answer streams. */
export const isStreamReply = (r: HttpReply | HttpStreamReply): r is HttpStreamReply => 'open' in r;

/** A package-relative path a `packageAsset` may read: no absolute path, no `..`, no empty or hidden part. */
export function assetPathProblem(relative: string): string | null {
  if (relative.startsWith('/')) return 'expected a path relative to the package root';
  const parts = relative.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.startsWith('.')))
    return 'expected a path inside the package (no "..", "." or hidden parts)';
  return null;
}
