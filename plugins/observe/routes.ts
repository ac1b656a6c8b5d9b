// The observe server's routes: the page and its bundled assets, /metrics, /api/status and the /events stream; read-only, with the token check.
import type { HttpHandler, HttpReply, HttpRequest, HttpService, HttpStream } from '../../plugin-api/index.ts';

/** Files the page is made of: URL path → package file and type. Public: they hold no data. */
export const ASSETS: Record<string, { file: string; type: string }> = {
  '/': { file: 'plugins/observe/page/index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'plugins/observe/page/app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'plugins/observe/page/style.css', type: 'text/css; charset=utf-8' },
  '/uplot.js': { file: 'node_modules/uplot/dist/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8' },
  '/uplot.css': { file: 'node_modules/uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
};

const SECURITY = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
};

export interface RouteSources {
  token?: string;
  http: Pick<HttpService, 'packageAsset'>;
  metrics(): Promise<{ contentType: string; body: string }>;
  status(): unknown;
  /** A new /events client: false when there are too many already. */
  subscribe(stream: HttpStream): boolean;
}

const text = (status: number, body: string, headers: Record<string, string> = {}): HttpReply => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...SECURITY, ...headers },
  body,
});

/** Compares without stopping at the first difference (the time taken does not tell how much of a guess was right). */
export function sameSecret(given: string, expected: string): boolean {
  let diff = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) diff |= (given.charCodeAt(i) || 0) ^ expected.charCodeAt(i);
  return diff === 0;
}

/** The token from `Authorization: Bearer <token>` or `?token=`. */
export function tokenOf(r: HttpRequest): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(r.headers.authorization ?? '');
  return m?.[1] ?? r.query.token;
}

export function observeRoutes(s: RouteSources): HttpHandler {
  const cache = new Map<string, Uint8Array>();
  return async (r) => {
    if (r.method !== 'GET' && r.method !== 'HEAD') return text(405, 'read-only: GET only\n', { allow: 'GET, HEAD' });
    const asset = ASSETS[r.path === '/index.html' ? '/' : r.path];
    if (asset) {
      let body = cache.get(asset.file);
      if (!body) {
        const read = await s.http.packageAsset(asset.file);
        if (!read) return text(404, `${asset.file} is missing from this installation\n`);
        cache.set(asset.file, (body = read));
      }
      return { status: 200, headers: { 'content-type': asset.type, 'cache-control': 'no-cache', ...SECURITY }, body };
    }
    // browsers ask for it on every page: no icon, and no 404 in their console
    if (r.path === '/favicon.ico') return { status: 204, headers: { 'cache-control': 'max-age=86400' }, body: '' };
    if (!['/metrics', '/api/status', '/events'].includes(r.path)) return text(404, 'not found\n');
    if (s.token !== undefined) {
      const given = tokenOf(r);
      if (given === undefined || !sameSecret(given, s.token))
        return text(401, 'a token is required: Authorization: Bearer <token> or ?token=<token>\n', {
          'www-authenticate': 'Bearer realm="mwan"',
        });
    }
    if (r.path === '/metrics') {
      const m = await s.metrics();
      return text(200, m.body, { 'content-type': m.contentType });
    }
    if (r.path === '/api/status')
      return text(200, JSON.stringify(s.status()), { 'content-type': 'application/json; charset=utf-8' });
    let accepted = true;
    return {
      status: 200,
      headers: {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        ...SECURITY,
      },
      open: (stream) => {
        accepted = s.subscribe(stream);
        if (!accepted) {
          stream.write('event: refused\ndata: "too many clients"\n\n');
          stream.end();
        }
      },
    };
  };
}
