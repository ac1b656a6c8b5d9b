// Tests the HTTP(S) prober against servers on 127.0.0.1: status checks, hangs, HTTPS with a self-signed certificate.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { statusIsGood } from './http.ts';
import { assertSteady, assertTimely, bad, good, localCtx, probeFor, spec } from './testing.ts';

interface Served {
  server: http.Server;
  port: number;
  requests: { path: string; from: string; headers: http.IncomingHttpHeaders }[];
  sockets: Set<net.Socket>;
}

const handler =
  (requests: Served['requests']) =>
  (req: http.IncomingMessage, res: http.ServerResponse): void => {
    requests.push({ path: req.url ?? '', from: req.socket.remoteAddress ?? '?', headers: req.headers });
    const m = /^\/status\/(\d{3})$/.exec(req.url ?? '');
    if (req.url === '/hang') return; // never answers
    res.writeHead(m ? Number(m[1]) : 200, { 'content-type': 'text/plain' });
    res.end('x'.repeat(100000)); // a body the prober should not wait for
  };

async function serve(make: (h: http.RequestListener) => http.Server): Promise<Served> {
  const requests: Served['requests'] = [];
  const sockets = new Set<net.Socket>();
  const server = make(handler(requests));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port, requests, sockets };
}

const close = (s: Served): Promise<void> =>
  new Promise((r) => {
    s.server.closeAllConnections();
    s.server.close(() => r());
  });

describe('http prober', function () {
  this.timeout(20000);
  let srv: Served;
  before(async () => {
    srv = await serve((h) => http.createServer(h));
  });
  after(() => close(srv));

  it('treats 2xx/3xx as good by default, and only expectStatus when given', () => {
    assert.deepEqual(
      [200, 204, 301, 399, 400, 404, 500].map((s) => statusIsGood(s, undefined)),
      [true, true, true, true, false, false, false],
    );
    assert.deepEqual(
      [200, 503].map((s) => statusIsGood(s, 503)),
      [false, true],
    );
  });

  it('GETs the path once per interval from the source address, on fresh connections, and closes them', async () => {
    srv.requests.length = 0;
    const s = spec({ method: 'http', target: '127.0.0.1', port: srv.port, path: 'health' });
    const ctx = localCtx();
    const run = await probeFor(s, ctx, 1000);
    assertTimely(run, s, ctx);
    assertSteady(run, ctx, 1000);
    assert.ok(
      srv.requests.every(
        (r) =>
          r.path === '/health' &&
          r.from === '127.0.0.1' &&
          r.headers.host === `127.0.0.1:${srv.port}` &&
          r.headers.connection === 'close',
      ),
    );
    assert.equal(srv.sockets.size, 0, 'connections left open');
  });

  it('fails on an unexpected status and passes on the expected one', async () => {
    const ctx = localCtx();
    const s503 = spec({ method: 'http', target: '127.0.0.1', port: srv.port, path: '/status/503' });
    const run = await probeFor(s503, ctx, 350);
    assertTimely(run, s503, ctx);
    assert.ok(
      run.during.length >= 3 && run.during.every((x) => x.error === 'HTTP 503, expected 2xx or 3xx'),
      JSON.stringify(run.during),
    );
    const want = { ...s503, expectStatus: 503 };
    const ok = await probeFor(want, ctx, 350);
    assert.ok(ok.during.length >= 3 && bad(ok).length === 0, JSON.stringify(ok.during));
    const wrong = await probeFor({ ...s503, path: '/', expectStatus: 503 }, ctx, 250);
    assert.ok(
      wrong.during.every((x) => x.error === 'HTTP 200, expected 503'),
      JSON.stringify(wrong.during),
    );
  });

  it('fails a server that never answers at the timeout, and a refused one at once', async () => {
    const ctx = localCtx({ intervalMs: 100, timeoutMs: 150 });
    const hang = spec({ method: 'http', target: '127.0.0.1', port: srv.port, path: '/hang' });
    const run = await probeFor(hang, ctx, 1000);
    assertTimely(run, hang, ctx);
    assert.ok(run.during.length >= 7 && good(run).length === 0, JSON.stringify(run.during));
    assert.ok(run.during.every((x) => x.deliveredAt - x.sentAt >= 145));
    assert.equal(srv.sockets.size, 0, 'the prober left hanging connections open');
    const refused = await probeFor({ ...hang, port: 1 }, ctx, 300);
    assert.ok(
      refused.during.length >= 2 && refused.during.every((x) => /ECONNREFUSED/.test(x.error ?? '')),
      JSON.stringify(refused.during),
    );
  });

  describe('https', () => {
    let dir = '';
    let tls: Served | undefined;
    before(async function () {
      dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-probe-tls-'));
      const r = await execa(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=probe.test',
          '-keyout',
          path.join(dir, 'key.pem'),
          '-out',
          path.join(dir, 'cert.pem'),
        ],
        { reject: false },
      );
      if (r.exitCode !== 0) {
        console.log(`      https: skipped (needs openssl to make a test certificate): ${r.stderr || r.message}`);
        this.skip();
      }
      const key = readFileSync(path.join(dir, 'key.pem'));
      const cert = readFileSync(path.join(dir, 'cert.pem'));
      tls = await serve((h) => https.createServer({ key, cert }, h));
    });
    after(async () => {
      if (tls) await close(tls);
      rmSync(dir, { recursive: true, force: true });
    });

    it('accepts a self-signed certificate and measures the time to the headers', async () => {
      const s = spec({ method: 'https', target: '127.0.0.1', port: tls!.port });
      const ctx = localCtx();
      const run = await probeFor(s, ctx, 1000);
      assertTimely(run, s, ctx);
      assertSteady(run, ctx, 1000);
      assert.ok(tls!.requests.every((r) => r.path === '/' && r.from === '127.0.0.1'));
    });
  });
});
