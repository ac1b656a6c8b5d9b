// Probe transports in the lab: every method answers via every WAN (seen by the server as that ISP's address), still
// does with the WAN out of service, and fails on that WAN alone while its upstream is cut — within the timeout.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { DEFAULT_HEALTH } from '../../../plugins/health/options.ts';
import type { ProbeConfig } from '../../../config/schema/schema.ts';
import type { ProbeContext, ProbeSample } from '../../../core/system/probes/types.ts';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { nodeArgv } from '../../kit/lab/traffic.ts';
import { mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';

const RUN_PROBE = fileURLToPath(new URL('../../kit/lab/run-probe.ts', import.meta.url));
const RESPONDER = fileURLToPath(new URL('../../kit/lab/servers/probe-responder.ts', import.meta.url));
const PORTS = { tcp: 7000, http: 8000, https: 8443, dns: 53 };
const { intervalMs, timeoutMs } = DEFAULT_HEALTH; // 100 ms, 200 ms
/** How late past the timeout a sample may be delivered on a busy test machine. */
const SLACK_MS = 300; // a sanity bound, not a benchmark: the probe runner shares 2 cores with the whole lab
/**
 * The command method starts sh + ping every round; on a loaded 2-core machine that alone can take over 200 ms, so it
 * gets a 400 ms interval (timeout still 300 ms) and, in the answer tests, one slow run is forgiven.
 */
const COMMAND_INTERVAL_MS = 400;
const intervalOf = (m: Method): number => (m === 'command' ? COMMAND_INTERVAL_MS : intervalMs);

type Method = ProbeConfig['method'];
interface Seen extends ProbeSample {
  id: string;
  at: number;
}
interface RunResult {
  samples: Seen[];
  afterStop: number;
}

describe('mwan lab: probe transports', function () {
  this.timeout(120000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let responder: ManagedProcess | undefined;
  let certDir = '';
  let methods: Method[] = ['icmp', 'tcp', 'http', 'https', 'dns', 'command'];

  /** Each method's probe: icmp/tcp/http(s)/dns to the responder on `server`; the command pings `server2` itself. */
  const specFor = (m: Method): ProbeConfig => {
    const l = lab!;
    switch (m) {
      case 'icmp':
        return { method: m, target: l.addr.server };
      case 'tcp':
        return { method: m, target: l.addr.server, port: PORTS.tcp };
      case 'http':
        return { method: m, target: l.addr.server, port: PORTS.http, path: '/health' };
      case 'https':
        return { method: m, target: l.addr.server, port: PORTS.https };
      case 'dns':
        return { method: m, target: l.addr.server, query: 'probe.test' };
      case 'command':
        return {
          method: m,
          target: l.addr.server2,
          command: ['sh', '-c', 'exec ping -n -q -c 1 -W 1 -I "$SOURCE" "$TARGET"'],
        };
    }
  };
  const ctxFor = (i: number, m: Method): ProbeContext => ({
    wan: `isp${i}`,
    device: `wan${i}`,
    source: lab!.addr.routerWan(i),
    intervalMs: intervalOf(m),
    timeoutMs,
  });
  const jobFor = (wans: number[], durationMs: number) => ({
    durationMs,
    probes: wans.flatMap((i) => methods.map((m) => ({ id: `${m}/${i}`, spec: specFor(m), ctx: ctxFor(i, m) }))),
  });

  /** Starts run-probe in the router namespace; `finish` waits for it to stop, report and exit by itself. */
  async function startRun(
    job: ReturnType<typeof jobFor>,
  ): Promise<{ startedAt: number; finish(): Promise<RunResult> }> {
    const l = lab!;
    const proc = l.spawn(l.ns.router, nodeArgv(RUN_PROBE, [JSON.stringify(job)]));
    const started = JSON.parse(await proc.waitForLine('"started"', 15000)) as { at: number };
    return {
      startedAt: started.at,
      async finish() {
        const done = JSON.parse(await proc.waitForLine('"done"', job.durationMs + 15000)) as { afterStop: number };
        const exit = await Promise.race([proc.exited, new Promise<null>((r) => setTimeout(() => r(null), 6000))]);
        assert.ok(
          exit && exit.exitCode === 0,
          `run-probe did not exit cleanly after stop() (${JSON.stringify(exit)}): something still held a socket, process or timer; stderr: ${proc.stderr()}`,
        );
        const samples = proc.lines.filter((x) => x.startsWith('{"id"')).map((x) => JSON.parse(x) as Seen);
        return { samples, afterStop: done.afterStop };
      },
    };
  }
  const runFor = async (wans: number[], durationMs: number): Promise<RunResult> =>
    (await startRun(jobFor(wans, durationMs))).finish();

  /** Source addresses the responder and inet's counters saw since `mark`, per method (icmp and command from nft). */
  let logMark = 0;
  async function seenSince(): Promise<Record<string, Record<string, number>>> {
    const l = lab!;
    const by: Record<string, Record<string, number>> = {};
    const add = (m: string, from: string, n = 1): void => {
      (by[m] ??= {})[from] = (by[m][from] ?? 0) + n;
    };
    for (const line of responder!.lines.slice(logMark)) {
      if (!line.startsWith('{')) continue;
      const r = JSON.parse(line) as { proto: string; from: string };
      add(r.proto, r.from);
    }
    logMark = responder!.lines.length;
    const j = JSON.parse(
      (await l.exec(l.ns.inet, ['nft', '-j', 'list', 'counters', 'table', 'ip', 'probetest'])).stdout,
    ) as { nftables: { counter?: { name: string; packets: number } }[] };
    for (const c of j.nftables.map((x) => x.counter).filter((x) => x !== undefined)) {
      const [, m, i] = /^(icmp|command)_(\d)$/.exec(c.name) ?? [];
      if (m && c.packets > 0) add(m, l.addr.ispPublic(Number(i)), c.packets);
    }
    await l.exec(l.ns.inet, ['nft', 'reset', 'counters', 'table', 'ip', 'probetest']);
    return by;
  }

  const of = (r: RunResult, m: Method, i: number): Seen[] => r.samples.filter((s) => s.id === `${m}/${i}`);
  const describeRun = (r: RunResult, wans: number[]): string =>
    wans
      .map(
        (i) =>
          `WAN ${i} ${methods
            .map((m) => {
              const s = of(r, m, i);
              return `${m} ${s.filter((x) => x.rttMs !== null).length}/${s.length}`;
            })
            .join(', ')}`,
      )
      .join('; ');

  function assertTimely(r: RunResult): void {
    assert.equal(r.afterStop, 0, 'samples delivered after stop()');
    for (const s of r.samples) {
      assert.ok(
        s.at - s.sentAt <= timeoutMs + SLACK_MS,
        `${s.id}: sample delivered ${s.at - s.sentAt} ms after it was sent: ${JSON.stringify(s)}`,
      );
      assert.ok(s.rttMs === null || s.rttMs <= timeoutMs, `${s.id}: rtt over the timeout: ${JSON.stringify(s)}`);
    }
  }

  /** Every method on every WAN in `wans` answered each probe, and the servers saw WAN i's probes from ISP i only. */
  async function assertAnsweredVia(r: RunResult, wans: number[], durationMs: number): Promise<void> {
    const l = lab!;
    const seen = await seenSince();
    assertTimely(r);
    for (const m of methods) {
      const expected = durationMs / intervalOf(m);
      const publics = wans.map((i) => l.addr.ispPublic(i));
      const strangers = Object.keys(seen[m] ?? {}).filter((a) => !publics.includes(a));
      assert.deepEqual(
        strangers,
        [],
        `${m}: the server saw probes from addresses of no probed WAN: ${JSON.stringify(seen[m])}`,
      );
      for (const i of wans) {
        const s = of(r, m, i);
        const failed = s.filter((x) => x.rttMs === null);
        assert.ok(
          s.length >= expected - 1 && s.length <= expected + 2,
          `${m} via WAN ${i}: ${s.length} samples in ${durationMs} ms at ${intervalOf(m)} ms`,
        );
        // On a loaded 2-core machine an answer can miss the default 200 ms timeout (the responder shares the cores with
        // the lab): up to one in ten is forgiven when it is a timeout (a slow command spawn may be `skipped`), never an
        // error of another kind. Routing is what this test proves; the transport's speed is the benchmark's.
        const slow = failed.filter((x) => /^no answer within|^answer after \d+ ms, over|^skipped/.test(x.error ?? ''));
        const forgivable = slow.length === failed.length && failed.length <= Math.max(1, Math.floor(s.length / 10));
        if (failed.length > 0 && forgivable)
          console.log(`      (forgiven: ${failed.length} slow ${m} answers via WAN ${i}: ${failed[0].error})`);
        else assert.deepEqual(failed, [], `${m} via WAN ${i} failed: ${JSON.stringify(failed.slice(0, 3))}`);
        const answered = s.length - failed.length;
        // A reply reaches 100.64.i.2 only through ISP i's NAT, so an answer to a probe the server saw from
        // ispPublic(i) came back through WAN i. Probes still in flight at stop() were seen but have no sample.
        const n = seen[m]?.[l.addr.ispPublic(i)] ?? 0;
        assert.ok(
          n >= answered && n <= s.length + 2,
          `${m} via WAN ${i}: ${s.length} answers but the server saw ${n} probes from ${l.addr.ispPublic(i)}: ${JSON.stringify(seen[m])}`,
        );
      }
    }
  }

  before(async function () {
    await skipWithoutLab(this, 'probes');
    lab = await createLab({ wans: 3 });
    const l = lab;
    certDir = mkdtempSync(path.join(os.tmpdir(), 'mwan-probe-cert-'));
    const cert = await execa(
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
        '/CN=server.test',
        '-keyout',
        path.join(certDir, 'key.pem'),
        '-out',
        path.join(certDir, 'cert.pem'),
      ],
      { reject: false },
    );
    if (cert.exitCode !== 0) {
      console.log(
        `      probes: https left out (needs openssl for a test certificate): ${cert.stderr || cert.message}`,
      );
      methods = methods.filter((m) => m !== 'https');
    }
    responder = l.spawn(
      l.ns.inet,
      nodeArgv(RESPONDER, [
        '--bind',
        l.addr.server,
        '--tcp',
        String(PORTS.tcp),
        '--http',
        String(PORTS.http),
        '--dns',
        String(PORTS.dns),
        ...(methods.includes('https')
          ? [
              '--https',
              String(PORTS.https),
              '--key',
              path.join(certDir, 'key.pem'),
              '--cert',
              path.join(certDir, 'cert.pem'),
            ]
          : []),
      ]),
    );
    // Echo requests reaching inet, counted per ISP address: icmp probes go to server, the command pings server2.
    const counters = Array.from({ length: l.wans }, (_, k) => k + 1).flatMap((i) => [
      `add counter ip probetest icmp_${i}`,
      `add counter ip probetest command_${i}`,
      `add rule ip probetest input ip saddr ${l.addr.ispPublic(i)} ip daddr ${l.addr.server} icmp type echo-request counter name icmp_${i}`,
      `add rule ip probetest input ip saddr ${l.addr.ispPublic(i)} ip daddr ${l.addr.server2} icmp type echo-request counter name command_${i}`,
    ]);
    await l.exec(l.ns.inet, ['nft', '-f', '-'], {
      input: [
        'add table ip probetest',
        'add chain ip probetest input { type filter hook input priority 0; policy accept; }',
        ...counters,
        '',
      ].join('\n'),
    });
    mwan = mwanFor(l);
    await Promise.all([responder.waitForLine('ready', 15000), mwan.startDaemon()]);
  });

  after(async () => {
    try {
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
      if (certDir) rmSync(certDir, { recursive: true, force: true });
    }
  });

  it("every method gets answers via each WAN from that WAN's address, seen by the server as that ISP", async () => {
    await seenSince();
    const r = await runFor([1, 2, 3], 2000);
    console.log(`      answered/sent in 2 s: ${describeRun(r, [1, 2, 3])}`);
    await assertAnsweredVia(r, [1, 2, 3], 2000);
  });

  it('probes bound to WAN 2 still leave by WAN 2 and get answers while it is out of service', async () => {
    const m = mwan!;
    await ctlOk(m, ['wan', 'down', 'isp2']);
    try {
      const st = (await statusOf(m)).wans.find((w) => w.name === 'isp2');
      assert.equal(st?.inService, false, JSON.stringify(st));
      await seenSince();
      const r = await runFor([2], 2000);
      console.log(`      WAN 2 out of service: ${describeRun(r, [2])}`);
      await assertAnsweredVia(r, [2], 2000);
    } finally {
      await ctlOk(m, ['wan', 'up', 'isp2']);
    }
  });

  it("with WAN 2's upstream cut its probes fail within the timeout while WAN 1's answer, and answer again once restored", async () => {
    const l = lab!;
    const run = await startRun(jobFor([1, 2], 5000));
    await new Promise((res) => setTimeout(res, 1200));
    const cutStart = Date.now();
    await l.cutUpstream(2);
    const cutDone = Date.now();
    await new Promise((res) => setTimeout(res, 1800));
    const restoreStart = Date.now();
    await l.restoreUpstream(2);
    const restoreDone = Date.now();
    const r = await run.finish();
    assertTimely(r);
    const window = (s: Seen[], from: number, to: number): Seen[] => s.filter((x) => x.sentAt >= from && x.sentAt < to);
    const summary: string[] = [];
    for (const m of methods) {
      const one = of(r, m, 1);
      const two = of(r, m, 2);
      assert.ok(one.length >= 5000 / intervalOf(m) - 1, `${m} via WAN 1: only ${one.length} samples`);
      assert.deepEqual(
        one.filter((x) => x.rttMs === null),
        [],
        `${m} via WAN 1 failed while WAN 2 was cut`,
      );
      const before = window(two, 0, cutStart);
      const during = window(two, cutDone, restoreStart - timeoutMs);
      // A command run started before the restore may go on until its timeout, and the rounds meanwhile are skipped.
      const afterwards = window(two, restoreDone + timeoutMs, Infinity);
      assert.ok(
        before.length >= 2 && before.every((x) => x.rttMs !== null),
        `${m} via WAN 2 before the cut: ${JSON.stringify(before)}`,
      );
      assert.ok(during.length >= 3, `${m} via WAN 2: only ${during.length} samples while cut`);
      assert.deepEqual(
        during.filter((x) => x.rttMs !== null),
        [],
        `${m} via WAN 2 answered while its upstream was cut`,
      );
      assert.ok(
        afterwards.length >= 3 && afterwards.every((x) => x.rttMs !== null),
        `${m} via WAN 2 after restore: ${JSON.stringify(afterwards)}`,
      );
      const lateness = during.map((x) => x.at - x.sentAt);
      summary.push(
        `${m} ${during.length} lost, reported ${Math.min(...lateness)}-${Math.max(...lateness)} ms after sending`,
      );
    }
    console.log(`      WAN 2 cut for ${restoreStart - cutDone} ms: ${summary.join('; ')}`);
  });
});
