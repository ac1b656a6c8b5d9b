// Tests the ICMP scheduler against a scripted addon: batching, socket sharing, answers, timeouts, send and open errors.
import assert from 'node:assert/strict';
import net from 'node:net';
import { ipv4ToInt } from '../../../config/schema/validators.ts';
import type { IcmpAddon } from './icmp-addon.ts';
import { IcmpScheduler, nextDrain } from './icmp-scheduler.ts';
import type { ProbeSample } from './types.ts';
import { sleep } from './testing.ts';
import { ipv6Hex } from '../ipv6-text.ts';

/** An addon whose targets answer after `rtt[target]` ms (reported by drain once that time has passed), or never. */
function scriptedAddon(rtt: Record<string, number | undefined>, o: { openError?: string; sendError?: string } = {}) {
  const calls = { open: [] as string[], send: [] as string[], drain: 0, close: [] as number[] };
  const inFlight: { fd: number; id: number; target: string; seq: number; at: number }[] = [];
  let fds = 100;
  const addon: IcmpAddon = {
    open(device, source) {
      calls.open.push(`${device} ${source}`);
      if (o.openError) throw Object.assign(new Error(o.openError), { code: 'EADDRNOTAVAIL' });
      return fds++;
    },
    send(fd, target, id, seq) {
      calls.send.push(target);
      if (o.sendError) throw new Error(o.sendError);
      inFlight.push({ fd, id, target, seq, at: performance.now() });
    },
    drain(fd, id) {
      calls.drain++;
      const out: (number | string)[] = [];
      for (const p of [...inFlight]) {
        const r = rtt[p.target];
        if (p.fd !== fd || p.id !== id || r === undefined || performance.now() - p.at < r) continue;
        inFlight.splice(inFlight.indexOf(p), 1);
        out.push(net.isIPv6(p.target) ? ipv6Hex(p.target) : ipv4ToInt(p.target), p.seq, r);
      }
      return out;
    },
    close(fd) {
      calls.close.push(fd);
    },
  };
  return { addon, calls };
}

function collect(): { samples: ProbeSample[]; on: (s: ProbeSample) => void } {
  const samples: ProbeSample[] = [];
  return { samples, on: (s) => samples.push(s) };
}

describe('ICMP scheduler (scripted addon)', function () {
  this.timeout(10000);

  it('probes IPv6 targets on a socket of their own, replies matched by the address bytes', async () => {
    const { addon, calls } = scriptedAddon({ '2001:DB8:0:0::10': 3, '203.0.113.1': 2 });
    const s = new IcmpScheduler(addon, 100, 300);
    const v6 = collect();
    const v4 = collect();
    const offs = [
      s.add({
        device: 'wan1',
        source: '2001:db8:1::2',
        target: '2001:DB8:0:0::10',
        label: '[2001:db8::10]',
        onSample: v6.on,
      }),
      s.add({ device: 'wan1', source: '100.64.1.2', target: '203.0.113.1', onSample: v4.on }),
    ];
    await sleep(1030);
    for (const off of offs) off();
    assert.deepEqual(calls.open, ['wan1 2001:db8:1::2', 'wan1 100.64.1.2']);
    assert.ok(v6.samples.length >= 5, `${v6.samples.length} IPv6 samples`);
    assert.ok(
      v6.samples.every((x) => x.rttMs === 3 && x.target === '[2001:db8::10]'),
      JSON.stringify(v6.samples[0]),
    );
    assert.ok(v4.samples.every((x) => x.rttMs === 2));
  });

  it('refuses a target whose family is not its source address family', () => {
    const { addon } = scriptedAddon({});
    const s = new IcmpScheduler(addon, 100, 300);
    assert.throws(
      () => s.add({ device: 'wan1', source: '100.64.1.2', target: '2001:db8::10', onSample: () => {} }),
      /not of the target's family \(IPv6\)/,
    );
    assert.throws(
      () => s.add({ device: 'wan1', source: '100.64.1.2', target: 'example.org', onSample: () => {} }),
      /IPv4 or IPv6 address/,
    );
  });

  it('sends every target in one batch per interval, one socket per WAN, and reports the kernel RTT', async () => {
    const { addon, calls } = scriptedAddon({ '203.0.113.1': 2, '203.0.113.2': 10, '198.51.100.1': 1 });
    const s = new IcmpScheduler(addon, 100, 300);
    const a = collect();
    const b = collect();
    const c = collect();
    const offs = [
      s.add({ device: 'wan1', source: '100.64.1.2', target: '203.0.113.1', onSample: a.on }),
      s.add({ device: 'wan1', source: '100.64.1.2', target: '203.0.113.2', onSample: b.on }),
      s.add({ device: 'wan2', source: '100.64.2.2', target: '198.51.100.1', onSample: c.on }),
    ];
    await sleep(1030);
    for (const off of offs) off();
    assert.deepEqual(calls.open, ['wan1 100.64.1.2', 'wan2 100.64.2.2']);
    assert.equal(calls.close.length, 2, 'both sockets closed when their last target left');
    for (const [x, rtt] of [
      [a, 2],
      [b, 10],
      [c, 1],
    ] as const) {
      assert.ok(x.samples.length >= 9 && x.samples.length <= 11, `${x.samples.length} samples`);
      assert.ok(
        x.samples.every((y) => y.rttMs === rtt && y.method === 'icmp'),
        JSON.stringify(x.samples[0]),
      );
    }
    // At a 100 ms interval the replies are read once per tick: one wake-up per batch.
    const perInterval = calls.drain / 10 / 2;
    assert.ok(perInterval >= 0.8 && perInterval <= 1.05, `${perInterval} drains per socket per interval`);
  });

  it('drains between ticks only when the interval is long, so answers are still judged within about 200 ms', async () => {
    assert.equal(nextDrain(1000, 1001, 150), undefined);
    assert.equal(nextDrain(1000, 1001, 1000), 1005);
    assert.equal(nextDrain(1000, 1005, 1000), 1025);
    assert.equal(nextDrain(1000, 1030, 1000), 1075);
    assert.equal(nextDrain(1000, 1075, 1000), 1275);
    assert.equal(nextDrain(1000, 1300, 1000), 1475);

    const { addon } = scriptedAddon({ '203.0.113.7': 10, '203.0.113.8': 120 });
    const s = new IcmpScheduler(addon, 1000, 900);
    const seen: (ProbeSample & { at: number })[] = [];
    const on = (x: ProbeSample) => seen.push({ ...x, at: Date.now() });
    const offs = [
      s.add({ device: 'wan1', source: '100.64.1.2', target: '203.0.113.7', onSample: on }),
      s.add({ device: 'wan1', source: '100.64.1.2', target: '203.0.113.8', onSample: on }),
    ];
    await sleep(500);
    for (const off of offs) off();
    const delay = (t: string) => {
      const x = seen.find((y) => y.target === t)!;
      return x.at - x.sentAt;
    };
    assert.equal(seen.length, 2, JSON.stringify(seen));
    // Generous bounds for a loaded machine: the exact drain times are nextDrain's, asserted above.
    assert.ok(
      delay('203.0.113.7') >= 10 && delay('203.0.113.7') <= 200,
      `10 ms answer reported after ${delay('203.0.113.7')} ms (drain at +25)`,
    );
    assert.ok(
      delay('203.0.113.8') >= 120 && delay('203.0.113.8') <= 450,
      `120 ms answer reported after ${delay('203.0.113.8')} ms (drain at +275)`,
    );
  });

  it('a target that never answers fails once per request, at its timeout', async () => {
    const { addon } = scriptedAddon({ '203.0.113.9': undefined });
    const s = new IcmpScheduler(addon, 100, 250);
    const seen: (ProbeSample & { at: number })[] = [];
    const off = s.add({
      device: 'wan1',
      source: '100.64.1.2',
      target: '203.0.113.9',
      onSample: (x) => seen.push({ ...x, at: Date.now() }),
    });
    await sleep(1000);
    off();
    assert.ok(seen.length >= 6 && seen.length <= 9, `${seen.length} failures`);
    for (const x of seen) {
      assert.equal(x.rttMs, null);
      assert.equal(x.error, 'no answer within 250 ms');
      assert.ok(x.at - x.sentAt >= 245 && x.at - x.sentAt <= 320, `reported ${x.at - x.sentAt} ms after sending`);
    }
  });

  it('an answer slower than the timeout is a failure that says so', async () => {
    const { addon } = scriptedAddon({ '203.0.113.3': 120 });
    const s = new IcmpScheduler(addon, 200, 100);
    const x = collect();
    const off = s.add({ device: 'wan1', source: '100.64.1.2', target: '203.0.113.3', onSample: x.on });
    await sleep(650);
    off();
    assert.ok(x.samples.length >= 2, `${x.samples.length} samples`);
    assert.ok(
      x.samples.every((y) => y.rttMs === null),
      JSON.stringify(x.samples),
    );
    // The deadline usually passes before the late answer is drained; either way the sample is a failure.
    assert.ok(
      x.samples.every((y) =>
        /^(no answer within 100 ms|answer after 120 ms, over the 100 ms timeout)$/.test(y.error ?? ''),
      ),
    );
  });

  it('send and open errors are failures with the reason, and the socket is retried once a second', async () => {
    const send = scriptedAddon({}, { sendError: 'send: Network is unreachable' });
    const s1 = new IcmpScheduler(send.addon, 100, 300);
    const x = collect();
    const off1 = s1.add({ device: 'wan1', source: '100.64.1.2', target: '203.0.113.4', onSample: x.on });
    await sleep(350);
    off1();
    assert.ok(
      x.samples.length >= 3 && x.samples.every((y) => y.error === 'could not send: send: Network is unreachable'),
      JSON.stringify(x.samples),
    );

    const open = scriptedAddon({}, { openError: 'bind to source: Cannot assign requested address' });
    const s2 = new IcmpScheduler(open.addon, 100, 300);
    const y = collect();
    const off2 = s2.add({ device: 'wan9', source: '192.0.2.1', target: '203.0.113.5', onSample: y.on });
    await sleep(1250);
    off2();
    assert.ok(y.samples.length >= 12, `${y.samples.length} samples`);
    assert.ok(
      y.samples.every(
        (z) =>
          z.error ===
          'cannot open an ICMP socket on wan9 from 192.0.2.1: bind to source: Cannot assign requested address',
      ),
      JSON.stringify(y.samples[0]),
    );
    assert.equal(open.calls.open.length, 2, 'opened at start and retried once after a second');
  });

  it('reports nothing after a target is removed, and stops its timer when the last one leaves', async () => {
    const { addon, calls } = scriptedAddon({ '203.0.113.6': 50 });
    let emptied = 0;
    const s = new IcmpScheduler(addon, 100, 300, () => emptied++);
    const x = collect();
    const off = s.add({ device: 'wan1', source: '100.64.1.2', target: '203.0.113.6', onSample: x.on });
    await sleep(20);
    off();
    const sends = calls.send.length;
    await sleep(400);
    assert.deepEqual(x.samples, []);
    assert.equal(calls.send.length, sends);
    assert.equal(emptied, 1);
    assert.equal(s.size, 0);
    assert.throws(
      () => s.add({ device: 'wan1', source: '100.64.1.2', target: 'example.com', onSample: x.on }),
      /must be an IPv4 or IPv6 address/,
    );
  });
});
