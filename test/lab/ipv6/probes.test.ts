// IPv6 probe transports in the dual-stack lab: ICMPv6 (addon and ping), TCP, HTTP and DNS to an IPv6 target answer via
// every WAN from its IPv6 address, arrive over that ISP's link, and fail on that WAN alone while its IPv6 upstream is cut.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { ProbeConfig } from '../../../config/schema/schema.ts';
import type { ProbeContext, ProbeSample } from '../../../core/system/probes/types.ts';
import { nativeAddon } from '../../../core/system/probes/icmp-addon.ts';
import { sourceRouting6 } from '../../kit/lab/dual-stack.ts';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { nodeArgv } from '../../kit/lab/traffic.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';

const RUN_PROBE = fileURLToPath(new URL('../../kit/lab/run-probe.ts', import.meta.url));
const RESPONDER = fileURLToPath(new URL('../../kit/lab/servers/probe-responder.ts', import.meta.url));
const PORTS = { tcp: 7000, http: 8000, dns: 53 };
const INTERVAL_MS = 200;
const TIMEOUT_MS = 400;
const RUN_MS = 2000;
const WANS = [1, 2];

type Method = 'icmp' | 'tcp' | 'http' | 'dns';
const METHODS: Method[] = ['icmp', 'tcp', 'http', 'dns'];
interface Seen extends ProbeSample {
  id: string;
}

describe('mwan lab: probes over IPv6', function () {
  this.timeout(120000);
  let lab: Lab | undefined;
  let responder: ManagedProcess | undefined;

  /** Targets written every way the config may write them: bare, bracketed, bracketed with the port. */
  const specFor = (m: Method): ProbeConfig => {
    const server = lab!.addr6.server;
    switch (m) {
      case 'icmp':
        return { method: m, target: server };
      case 'tcp':
        return { method: m, target: `[${server}]:${PORTS.tcp}` };
      case 'http':
        return { method: m, target: `[${server}]`, port: PORTS.http, path: '/health' };
      case 'dns':
        return { method: m, target: server, query: 'probe.test' };
    }
  };
  const ctxFor = (i: number): ProbeContext => ({
    wan: `isp${i}`,
    device: `wan${i}`,
    source: lab!.addr.routerWan(i),
    source6: lab!.addr6.routerWan(i),
    intervalMs: INTERVAL_MS,
    timeoutMs: TIMEOUT_MS,
  });

  /** Runs every method via every WAN for RUN_MS in the router namespace; the samples by `method/wan`. */
  async function run(env: Record<string, string> = {}): Promise<Seen[]> {
    const l = lab!;
    const job = {
      durationMs: RUN_MS,
      probes: WANS.flatMap((i) => METHODS.map((m) => ({ id: `${m}/${i}`, spec: specFor(m), ctx: ctxFor(i) }))),
    };
    const proc = l.spawn(l.ns.router, nodeArgv(RUN_PROBE, [JSON.stringify(job)]), { env });
    await proc.waitForLine('"done"', RUN_MS + 20000);
    return proc.lines.filter((x) => x.startsWith('{"id"')).map((x) => JSON.parse(x) as Seen);
  }
  const of = (r: Seen[], m: Method, i: number): Seen[] => r.filter((s) => s.id === `${m}/${i}`);

  /** Sources the responder saw since the last call, per protocol; echo requests per ISP link from inet's counters. */
  let logMark = 0;
  async function seen(): Promise<Record<string, Record<string, number>>> {
    const by: Record<string, Record<string, number>> = {};
    for (const line of responder!.lines.slice(logMark)) {
      if (!line.startsWith('{')) continue;
      const r = JSON.parse(line) as { proto: string; from: string };
      (by[r.proto] ??= {})[r.from] = (by[r.proto][r.from] ?? 0) + 1;
    }
    logMark = responder!.lines.length;
    const l = lab!;
    const j = JSON.parse(
      (await l.exec(l.ns.inet, ['nft', '-j', 'list', 'counters', 'table', 'ip6', 'probe6'])).stdout,
    ) as {
      nftables: { counter?: { name: string; packets: number } }[];
    };
    for (const c of j.nftables.map((x) => x.counter).filter((x) => x !== undefined))
      (by.icmp ??= {})[`isp${c.name.slice('echo_'.length)}`] = c.packets;
    await l.exec(l.ns.inet, ['nft', 'reset', 'counters', 'table', 'ip6', 'probe6']);
    return by;
  }

  function assertAnswered(r: Seen[], i: number): void {
    for (const m of METHODS) {
      const s = of(r, m, i);
      assert.ok(s.length >= RUN_MS / INTERVAL_MS - 2, `${m} via WAN ${i}: only ${s.length} samples`);
      const failed = s.filter((x) => x.rttMs === null);
      assert.deepEqual(failed, [], `${m} via WAN ${i} failed: ${JSON.stringify(failed.slice(0, 3))}`);
      assert.ok(
        s.every((x) => x.target === specFor(m).target),
        `${m}: samples carry the target as configured`,
      );
    }
  }

  before(async function () {
    await skipWithoutLab(this, 'probes over IPv6');
    lab = await createLab({ wans: WANS.length, ipv6: true });
    const l = lab;
    await l.exec(l.ns.router, ['ip', '-6', '-batch', '-'], { input: sourceRouting6(l.addr6, WANS).join('\n') });
    // Echo requests to the server counted per ISP link, from that WAN's address: which way each ICMPv6 probe left.
    await l.exec(l.ns.inet, ['nft', '-f', '-'], {
      input: [
        'add table ip6 probe6',
        'add chain ip6 probe6 input { type filter hook input priority 0; policy accept; }',
        ...WANS.flatMap((i) => [
          `add counter ip6 probe6 echo_${i}`,
          `add rule ip6 probe6 input iifname "isp${i}" ip6 saddr ${l.addr6.routerWan(i)} icmpv6 type echo-request counter name echo_${i}`,
        ]),
        '',
      ].join('\n'),
    });
    responder = l.spawn(
      l.ns.inet,
      nodeArgv(RESPONDER, [
        '--bind',
        l.addr6.server,
        '--tcp',
        String(PORTS.tcp),
        '--http',
        String(PORTS.http),
        '--dns',
        String(PORTS.dns),
      ]),
    );
    await responder.waitForLine('ready', 15000);
  });

  after(async () => {
    await lab?.teardown();
  });

  it('every method answers via every WAN, seen by the server from that WAN IPv6 address over its ISP', async function () {
    if (!('addon' in nativeAddon())) this.skip();
    const r = await run();
    const s = await seen();
    for (const i of WANS) {
      assertAnswered(r, i);
      for (const m of ['tcp', 'http', 'dns'] as const) {
        const from = Object.keys(s[m] ?? {});
        assert.ok(from.includes(lab!.addr6.routerWan(i)), `${m}: server saw ${JSON.stringify(s[m])}`);
      }
      assert.ok(
        (s.icmp?.[`isp${i}`] ?? 0) >= RUN_MS / INTERVAL_MS - 2,
        `echo requests per link: ${JSON.stringify(s.icmp)}`,
      );
    }
    for (const m of ['tcp', 'http', 'dns'] as const)
      assert.deepEqual(
        Object.keys(s[m] ?? {}).sort(),
        WANS.map((i) => lab!.addr6.routerWan(i)).sort(),
        `${m}: sources seen ${JSON.stringify(s[m])}`,
      );
  });

  it('ICMPv6 through ping processes (MWAN_ICMP=ping) answers too', async () => {
    const r = await run({ MWAN_ICMP: 'ping' });
    for (const i of WANS) {
      const s = of(r, 'icmp', i);
      assert.ok(s.length >= RUN_MS / INTERVAL_MS - 2, `icmp via WAN ${i}: only ${s.length} samples`);
      assert.ok(s.filter((x) => x.rttMs !== null).length >= s.length - 1, JSON.stringify(s.slice(0, 3)));
    }
    await seen();
  });

  it('cutting ISP 1 IPv6 upstream fails every method via WAN 1 alone; restoring it brings the answers back', async () => {
    const l = lab!;
    await l.cutUpstream(1, 'ipv6');
    let r: Seen[];
    try {
      r = await run();
    } finally {
      await l.restoreUpstream(1, 'ipv6');
    }
    for (const m of METHODS) {
      const s = of(r, m, 1);
      assert.ok(s.length >= RUN_MS / INTERVAL_MS - 2, `${m} via WAN 1: only ${s.length} samples`);
      assert.deepEqual(
        s.filter((x) => x.rttMs !== null),
        [],
        `${m} via WAN 1 answered with its upstream cut`,
      );
    }
    assertAnswered(r, 2);
    assertAnswered(await run(), 1);
    await seen();
  });
});
