// Tests the ICMP addon and its scheduler against the real kernel on loopback: answers, timeliness, bind errors, no leaks.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { icmpAddon } from './icmp-addon.ts';
import { icmpBackend, startProbe } from './index.ts';
import { assertSteady, assertTimely, good, localCtx, probeFor, spec } from './testing.ts';

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('icmp prober, raw sockets through the addon (on loopback)', function () {
  this.timeout(20000);

  it('is built by npm ci / npm run build, so the daemon uses it', () => {
    const native = icmpAddon();
    assert.ok('addon' in native, `the ICMP addon is not available: ${'error' in native ? native.error : ''}`);
    assert.equal(icmpBackend(), 'raw sockets (addon)');
  });

  it('reports one answer per interval per target with a millisecond-scale kernel RTT, without child processes', async () => {
    const ctx = localCtx({ device: 'lo', source: '127.0.0.1', intervalMs: 100, timeoutMs: 300 });
    const fds = openFds();
    // Children that exist before (an esbuild service of an earlier test still being reaped) are not the prober's.
    const listChildren = () =>
      readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    const earlier = new Set(listChildren());
    let children = '';
    const watch = setInterval(() => {
      children += listChildren()
        .filter((pid) => !earlier.has(pid))
        .map((pid) => `${pid} `)
        .join('');
    }, 100);
    const [a, b] = await Promise.all([
      probeFor(spec({ target: '127.0.0.41' }), ctx, 1000),
      probeFor(spec({ target: '127.0.0.42' }), ctx, 1000),
    ]).finally(() => clearInterval(watch));
    assert.equal(children.trim(), '', 'no child process was started');
    for (const [run, target] of [
      [a, '127.0.0.41'],
      [b, '127.0.0.42'],
    ] as const) {
      assertTimely(run, spec({ target }), ctx, 100);
      assertSteady(run, ctx, 1000);
      // The kernel turns receive timestamps on a moment after the first socket asks (a deferred static key), so the
      // first answers may lack one and are then bounded by the time until they were read; the rest are the kernel's.
      const rtts = good(run).map((x) => x.rttMs!);
      assert.ok(
        rtts.every((x) => x <= ctx.intervalMs + 100),
        JSON.stringify(rtts),
      );
      assert.ok(
        rtts.filter((x) => x < 5).length >= rtts.length / 2,
        `most RTTs are the kernel's: ${JSON.stringify(rtts)}`,
      );
      // Read at the next tick (one interval after sending), not at the timeout (300 ms); generous for a loaded machine.
      assert.ok(
        run.during.every((x) => x.deliveredAt - x.sentAt <= ctx.intervalMs + 100),
        JSON.stringify(run.during.map((x) => x.deliveredAt - x.sentAt)),
      );
    }
    assert.equal(openFds(), fds, 'the socket is closed once its last target stops');
  });

  it("a source address that is not here fails every interval with the kernel's reason", async () => {
    const ctx = localCtx({ device: 'lo', source: '192.0.2.1', intervalMs: 100, timeoutMs: 300 });
    const s = spec({ target: '127.0.0.43' });
    const run = await probeFor(s, ctx, 1000);
    assertTimely(run, s, ctx);
    assert.ok(run.during.length >= 9, `${run.during.length} samples`);
    assert.ok(
      run.during.every(
        (x) =>
          x.error ===
          'cannot open an ICMP socket on lo from 192.0.2.1: bind to source: Cannot assign requested address',
      ),
      JSON.stringify(run.during[0]),
    );
  });

  it("a device that does not exist fails with the kernel's reason", async () => {
    const ctx = localCtx({ device: 'mwan-none0', source: '127.0.0.1', intervalMs: 100, timeoutMs: 300 });
    const s = spec({ target: '127.0.0.44' });
    const run = await probeFor(s, ctx, 350);
    assert.ok(
      run.during.length >= 3 &&
        run.during.every(
          (x) => x.error === 'cannot open an ICMP socket on mwan-none0 from 127.0.0.1: bind to device: No such device',
        ),
      JSON.stringify(run.during[0]),
    );
  });

  it('stop() right after start reports nothing', async () => {
    const seen: unknown[] = [];
    const p = startProbe(spec({ target: '127.0.0.45' }), localCtx({ device: 'lo', source: '127.0.0.1' }), (x) =>
      seen.push(x),
    );
    p.stop();
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(seen, []);
  });
});
