// Tests the TCP connect prober against servers on 127.0.0.1: answers, refusals, timeouts, cadence and stop().
import assert from 'node:assert/strict';
import net from 'node:net';
import { execa } from 'execa';
import { assertSteady, assertTimely, good, localCtx, probeFor, sleep, spec } from './testing.ts';
import { startProbe } from './index.ts';

async function listen(): Promise<{ server: net.Server; port: number; seen: string[]; open: Set<net.Socket> }> {
  const seen: string[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((s) => {
    seen.push(s.remoteAddress ?? '?');
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => undefined);
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as net.AddressInfo).port, seen, open };
}

const closedPort = async (): Promise<number> => {
  const { server, port } = await listen();
  await new Promise((r) => server.close(r));
  return port;
};

describe('tcp prober', function () {
  this.timeout(20000);

  it('connects once per interval from the source address and closes each connection at once', async () => {
    const srv = await listen();
    try {
      const s = spec({ method: 'tcp', target: '127.0.0.1', port: srv.port });
      const ctx = localCtx();
      const run = await probeFor(s, ctx, 1000);
      assertTimely(run, s, ctx);
      assertSteady(run, ctx, 1000);
      // A probe still in flight at stop() reached the server but has no sample.
      assert.ok(
        srv.seen.length >= run.during.length && srv.seen.length <= run.during.length + 1,
        `${srv.seen.length} connections, ${run.during.length} samples`,
      );
      assert.ok(srv.seen.every((a) => a === '127.0.0.1'));
      assert.equal(srv.open.size, 0, 'connections left open');
    } finally {
      srv.server.close();
    }
  });

  it('reports a refused connection as a failure, at once', async () => {
    const s = spec({ method: 'tcp', target: '127.0.0.1', port: await closedPort() });
    const ctx = localCtx();
    const run = await probeFor(s, ctx, 500);
    assertTimely(run, s, ctx);
    assert.ok(run.during.length >= 4);
    assert.equal(good(run).length, 0);
    assert.ok(
      run.during.every((x) => /ECONNREFUSED/.test(x.error ?? '') && x.deliveredAt - x.sentAt < 50),
      JSON.stringify(run.during[0]),
    );
  });

  it('reports a connection that hangs (SYNs dropped by a full accept queue) as a failure at the timeout', async function () {
    // A listener with backlog 0 that never accepts: once its queue is full the kernel drops further SYNs.
    const py = execa(
      'python3',
      [
        '-c',
        'import socket,time\ns=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(0)\nprint(s.getsockname()[1], flush=True)\ntime.sleep(20)',
      ],
      { buffer: false, reject: false, stdout: 'pipe', stdin: 'ignore' },
    );
    const first = await Promise.race([
      new Promise<string>((resolve) => py.stdout?.once('data', (d: Buffer) => resolve(String(d)))),
      py.then((r) => `exit: ${r.message}`),
    ]);
    const port = Number(first.trim());
    if (!Number.isInteger(port) || port <= 0) {
      console.log(`      skipped: needs python3 for a listener that never accepts (${first.trim()})`);
      this.skip();
    }
    const fillers: net.Socket[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const f = net.connect(port, '127.0.0.1');
        f.on('error', () => undefined);
        fillers.push(f);
      }
      await sleep(100);
      const s = spec({ method: 'tcp', target: '127.0.0.1', port });
      const ctx = localCtx({ timeoutMs: 150, intervalMs: 100 });
      const run = await probeFor(s, ctx, 1000);
      assertTimely(run, s, ctx);
      assert.equal(good(run).length, 0, JSON.stringify(good(run)));
      assert.ok(run.during.length >= 7, `${run.during.length} samples`);
      for (const x of run.during) {
        assert.match(x.error ?? '', /no answer within 150 ms/);
        assert.ok(x.deliveredAt - x.sentAt >= 145, `failed after only ${x.deliveredAt - x.sentAt} ms`);
      }
    } finally {
      for (const f of fillers) f.destroy();
      py.kill('SIGKILL');
      await py;
    }
  });

  it('stop() destroys connections in flight and nothing is reported after it', async () => {
    const srv = await listen();
    try {
      const samples: unknown[] = [];
      const p = startProbe(spec({ method: 'tcp', target: '127.0.0.1', port: srv.port }), localCtx(), (x) =>
        samples.push(x),
      );
      p.stop();
      const n = samples.length;
      await sleep(400);
      assert.equal(samples.length, n);
      assert.equal(srv.open.size, 0);
    } finally {
      srv.server.close();
    }
  });

  it('refuses a tcp spec without a port, naming it', () => {
    assert.throws(
      () => startProbe(spec({ method: 'tcp', target: '203.0.113.10' }), localCtx(), () => undefined),
      /tcp probe of 203\.0\.113\.10: a port is required/,
    );
  });
});
