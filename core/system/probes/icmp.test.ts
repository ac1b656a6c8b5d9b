// Tests the ping-process ICMP prober (used when the addon is not built) with the real ping against loopback: cadence, timeliness, restarts when ping cannot start, stop().
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { pingArgv, startIcmpProbe } from './icmp.ts';
import { assertSteady, assertTimely, localCtx, probeFor, sleep, spec } from './testing.ts';

/** pids of ping processes whose argv contains `target` (targets are unique 127.x addresses per test). */
function pingsTo(target: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Only this process's children: other test runs on the machine may ping the same loopback address.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (argv[0].endsWith('ping') && argv.includes(target) && !/^\d+ \(.*\) Z/.test(stat)) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe('icmp prober, ping processes (on loopback)', function () {
  this.timeout(20000);
  before(async function () {
    const r = await execa('ping', ['-n', '-c', '1', '-W', '1', '-I', '127.0.0.1', '127.0.0.1'], { reject: false });
    if (r.exitCode !== 0) {
      console.log(`      icmp prober: skipped (ping cannot run here: ${String(r.stderr || r.message || '').trim()})`);
      this.skip();
    }
  });

  it('builds the documented ping command line', () => {
    assert.deepEqual(pingArgv('203.0.113.10', { source: '100.64.1.2', intervalMs: 200 }), [
      'ping',
      '-n',
      '-O',
      '-D',
      '-l',
      '2',
      '-i',
      '0.2000001',
      '-I',
      '100.64.1.2',
      '203.0.113.10',
    ]);
  });

  it("keeps one ping running and reports one answer per interval, with sentAt from ping's own clock", async () => {
    const target = '127.0.0.31';
    const s = spec({ method: 'icmp', target });
    const ctx = localCtx({ intervalMs: 100, timeoutMs: 300 });
    const seenPings = new Set<number>();
    const watch = setInterval(() => {
      for (const p of pingsTo(target)) seenPings.add(p);
    }, 150);
    const run = await probeFor(s, ctx, 1000, undefined, startIcmpProbe).finally(() => clearInterval(watch));
    assertTimely(run, s, ctx);
    assert.equal(seenPings.size, 1, `ping processes: ${[...seenPings].join(', ')}`);
    // -l 2 sends two requests at start, then one per interval.
    assertSteady(run, ctx, 1000);
    const sent = run.during.map((x) => x.sentAt).sort((a, b) => a - b);
    const gaps = sent.slice(2).map((t, i) => t - sent[i + 1]);
    // One request per interval, not bursts: on a loaded machine one gap may stretch and the next shrink, the mean holds.
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    assert.ok(
      gaps.every((g) => g > 20 && g < 250) && mean > 80 && mean < 130,
      `gaps between requests: ${gaps.join(' ')}`,
    );
    assert.deepEqual(pingsTo(target), [], 'ping outlived stop()');
  });

  it('while ping cannot start (source address not here), reports a failure each interval and retries with backoff', async () => {
    const target = '127.0.0.32';
    const s = spec({ method: 'icmp', target });
    const ctx = localCtx({ source: '192.0.2.1', intervalMs: 100, timeoutMs: 300 });
    const run = await probeFor(s, ctx, 1500, undefined, startIcmpProbe);
    assertTimely(run, s, ctx);
    assert.ok(run.during.length >= 11 && run.during.length <= 18, `${run.during.length} samples`);
    assert.ok(
      run.during.every(
        (x) =>
          x.rttMs === null &&
          /^ping exited \(exit code 2\): ping: bind: Cannot assign requested address/.test(x.error ?? ''),
      ),
      JSON.stringify(run.during.slice(0, 3)),
    );
    assert.deepEqual(pingsTo(target), []);
  });

  it('stop() right after start kills ping and reports nothing', async () => {
    const target = '127.0.0.33';
    const seen: unknown[] = [];
    const p = startIcmpProbe(spec({ method: 'icmp', target }), localCtx(), (x) => seen.push(x));
    await sleep(150);
    assert.equal(pingsTo(target).length, 1);
    p.stop();
    const n = seen.length;
    await sleep(400);
    assert.equal(seen.length, n);
    assert.deepEqual(pingsTo(target), []);
  });
});
