// NFQUEUE benchmark: new TCP connections decided per second in TypeScript (hping3 SYNs), setup latency with and without the queue, beside the kernel-only numgen rate.
import { execa } from 'execa';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab, type ManagedProcess } from '../kit/lab/topology.ts';
import { nodeArgv, startServers } from '../kit/lab/traffic.ts';
import { mwanFor } from '../kit/lab/fixture.ts';
import { layoutOf } from '../kit/lab/helpers.ts';
import { percentile, round } from './stats.ts';
import type { Row } from './health-bench.ts';
import { NODE_FLAGS } from '../../cli/install.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const RUNNER = here('../kit/lab/nfqueue-runner.ts');
const TARGET = 20000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Sum of mwan's per-WAN new-connection counters (the kernel's numgen decisions). */
async function kernelDecisions(lab: Lab): Promise<number> {
  const j = JSON.parse(
    (await lab.exec(lab.ns.router, ['nft', '-j', 'list', 'counters', 'table', 'inet', 'mwan'])).stdout,
  ) as { nftables: { counter?: { packets: number } }[] };
  return j.nftables.reduce((n, x) => n + (x.counter?.packets ?? 0), 0);
}

/** Packets that hit the NFQUEUE rule (decided or let through by fail-open / bypass). */
async function queueRuleHits(lab: Lab): Promise<number> {
  const out = (await lab.exec(lab.ns.router, ['iptables', '-w', '-t', 'nat', '-L', 'MWAN_NFQ', '-nvx'])).stdout;
  const line = out.split('\n').find((l) => /\bNFQUEUE\b/.test(l));
  return line ? Number(line.trim().split(/\s+/)[0]) : 0;
}

/** SYNs to a closed port of the server, each from a new source port: bounded by count and by `seconds`. */
async function synFlood(
  lab: Lab,
  pace: string[],
  count: number,
  seconds: number,
): Promise<{ sent: number; s: number }> {
  const t0 = performance.now();
  const r = await lab.exec(
    lab.ns.client,
    [
      'timeout',
      '-s',
      'INT',
      String(seconds),
      'hping3',
      '-q',
      '-S',
      '-p',
      '9',
      ...pace,
      '-c',
      String(count),
      lab.addr.server,
    ],
    { reject: false, timeout: (seconds + 10) * 1000 },
  );
  const s = (performance.now() - t0) / 1000;
  const sent = Number(/(\d+) packets transmitted/.exec(r.stdout + r.stderr)?.[1] ?? NaN);
  return { sent, s };
}

async function latencies(lab: Lab, count: number): Promise<{ p50: number; p99: number; failed: number }> {
  const r = await lab.exec(
    lab.ns.client,
    nodeArgv(here('./connect-latency.ts'), ['--to', lab.addr.server, '--port', '80', '--count', String(count)]),
    { timeout: count * 3000 + 15000 },
  );
  const { samplesMs, failed } = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    samplesMs: number[];
    failed: number;
  };
  return { p50: percentile(samplesMs, 50), p99: percentile(samplesMs, 99), failed };
}

type Stats = { packets: number; verdicts: number; sends: number };
async function runnerStats(p: ManagedProcess): Promise<Stats> {
  p.write('stats\n');
  return JSON.parse((await p.waitForLine(/^stats /, 5000)).slice('stats '.length)) as Stats;
}

export async function nfqueueBench(
  row: Row,
  results: Record<string, unknown>,
  o: { latencyCount?: number; floodSeconds?: number } = {},
): Promise<void> {
  const load0 = os.loadavg()[0];
  const latencyCount = o.latencyCount ?? 1000;
  const seconds = o.floodSeconds ?? 3;
  const hping = (await execa('hping3', ['--version'], { reject: false })).exitCode === 0;
  const lab = await createLab({ wans: 3 });
  const mwan = mwanFor(lab);
  let runner: ManagedProcess | undefined;
  try {
    await startServers(lab);
    await mwan.startDaemon();
    const wansArg = [...layoutOf(mwan).wans.entries()].map(([name, ids]) => `${name}=${ids.mark}`).join(',');
    const out: Record<string, unknown> = { loadAverageAtStart: load0 };

    const plain = await latencies(lab, latencyCount);
    let kernelRate = NaN;
    if (hping) {
      const k0 = await kernelDecisions(lab);
      const f = await synFlood(lab, ['--flood'], 200000, seconds);
      kernelRate = ((await kernelDecisions(lab)) - k0) / f.s;
      out.kernel = { sent: f.sent, seconds: f.s, rate: kernelRate };
      await new Promise((r) => setTimeout(r, 1000));
    }

    runner = lab.spawn(
      lab.ns.router,
      nodeArgv(RUNNER, ['--strategy', 'round-robin', '--wans', wansArg, '--iif', 'lan0'], NODE_FLAGS),
    );
    await runner.waitForLine(/^ready /, 20000);
    const queued = await latencies(lab, latencyCount);
    out.latency = { plain, queued };
    row(
      `connection setup p50 / p99, kernel numgen (${latencyCount} in a row)`,
      `${round(plain.p50, 3)} / ${round(plain.p99, 3)} ms`,
      '',
      null,
    );
    row(
      '  with the NFQUEUE decision in TypeScript',
      `${round(queued.p50, 3)} / ${round(queued.p99, 3)} ms (+${round((queued.p50 - plain.p50) * 1000)} / +${round((queued.p99 - plain.p99) * 1000)} µs)`,
      '',
      null,
    );

    if (!hping) {
      row(
        'NFQUEUE decisions per second',
        'not measured: hping3 is missing (apt-get install hping3)',
        `≥ ${fmt(TARGET)}/s`,
        null,
      );
    } else {
      for (const [label, pace] of [
        ['paced (hping3 -i u1)', ['-i', 'u1']],
        ['flood (hping3 --flood)', ['--flood']],
      ] as const) {
        await new Promise((r) => setTimeout(r, 1000));
        const s0 = await runnerStats(runner);
        const h0 = await queueRuleHits(lab);
        const f = await synFlood(lab, [...pace], 200000, seconds);
        await new Promise((r) => setTimeout(r, 300));
        const s1 = await runnerStats(runner);
        const decided = s1.verdicts - s0.verdicts;
        const passed = (await queueRuleHits(lab)) - h0 - decided;
        const rate = decided / f.s;
        out[label.split(' ')[0]] = {
          sent: f.sent,
          seconds: f.s,
          decided,
          passedUnseen: passed,
          rate,
          perSend: decided / Math.max(1, s1.sends - s0.sends),
        };
        const flood = pace[0] === '--flood';
        row(
          `NFQUEUE new TCP connections decided per second, ${label}`,
          `${fmt(rate)}/s of ${fmt(f.sent / f.s)}/s offered; ${fmt(Math.max(0, passed))} passed by fail-open; ${round(decided / Math.max(1, s1.sends - s0.sends))} verdicts per datagram`,
          flood ? `≥ ${fmt(TARGET)}/s` : '',
          flood ? rate >= TARGET : null,
        );
      }
      row('  kernel-only numgen, same flood (limited by the generator)', `${fmt(kernelRate)}/s`, '', null);
      row('  machine load when the NFQUEUE bench began (1-minute average, 2 cores)', `${round(load0, 2)}`, '', null);
    }
    results.nfqueue = out;
  } finally {
    await runner?.kill();
    await mwan.cleanup();
    await lab.teardown();
  }
}
