// Where the installed daemon's CPU and memory go at N WANs (scale lab, realistic config): `tsx test/bench/profile-daemon.ts [wans] [seconds] [off|default|page] [out-dir]`; extra Node flags in PROFILE_FLAGS (e.g. --cpu-prof).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS } from '../../cli/install.ts';
import { MWANCTL } from '../kit/lab/fixture.ts';
import { nodeArgv } from '../kit/lab/traffic.ts';
import { sleep, waitFor } from '../kit/time.ts';
import { cpuSeconds, rssMiB } from './proc-usage.ts';
import { realisticConfig } from './realistic-config.ts';
import { createScaleLab, LAN_HOST, TARGETS } from './scale-lab.ts';

const [wansArg = '8', secondsArg = '30', mode = 'page', outArg] = process.argv.slice(2);
const wans = Number(wansArg);
const seconds = Number(secondsArg);
const out = path.resolve(outArg ?? mkdtempSync(path.join(os.tmpdir(), 'mwan-profile-')));
mkdirSync(out, { recursive: true });
const extra = (process.env.PROFILE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const flags = [...(process.env.PROFILE_BASE_FLAGS?.split(/\s+/).filter(Boolean) ?? NODE_FLAGS), ...extra].map((f) =>
  f.replaceAll('@OUT@', out),
);

/** Resident memory by mapping (from /proc/pid/smaps): the node binary, anonymous memory, each library. */
function smapsSplit(pid: number): Record<string, number> {
  const split: Record<string, number> = {};
  let name = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) name = head[1] ? path.basename(head[1]) : '[anon]';
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) split[name] = (split[name] ?? 0) + Number(rss[1]) / 1024;
  }
  return Object.fromEntries(
    Object.entries(split)
      .sort((a, b) => b[1] - a[1])
      .filter(([, v]) => v >= 0.25),
  );
}

/** Per thread (name and tid): user and system CPU seconds so far. */
function threadTimes(pid: number): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    out[`${name}/${tid}`] = [f[11] / 100, f[12] / 100];
  }
  return out;
}

const lab = await createScaleLab(wans);
const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-prof-'));
const configPath = path.join(dir, 'mwan.config.json');
const ctl = (args: string[]) => lab.exec([process.execPath, MWANCTL, '--config', configPath, ...args]);
try {
  const config = realisticConfig({
    wan: lab.wan,
    wans,
    lanDevice: 'lan0',
    dir,
    probeTargets: TARGETS,
    forwardTo: LAN_HOST,
  });
  if (mode === 'off') config.observe = { listen: false };
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const daemon = lab.spawn([
    'env',
    `MWAN_PROFILE_OUT=${out}`,
    // PROFILE_ENV: more variables for the daemon, e.g. MALLOC_ARENA_MAX=2
    ...(process.env.PROFILE_ENV ?? '').split(/\s+/).filter(Boolean),
    process.execPath,
    ...flags,
    MWANCTL,
    '--config',
    configPath,
    'daemon',
  ]);
  await daemon.waitForLine(/mwan daemon ready/, 60000);
  await waitFor(
    async () => {
      const r = await ctl(['status', '--json']);
      if (r.exitCode !== 0) return false;
      const s = JSON.parse(r.stdout) as { wans: { rttMs: number | null }[] };
      return s.wans.length === wans && s.wans.every((w) => w.rttMs !== null);
    },
    30000,
    'probe answers',
  );
  const pid = daemon.pid!;
  const client =
    mode === 'page'
      ? lab.spawn(
          nodeArgv(fileURLToPath(new URL('./observe-client.ts', import.meta.url)), [
            'http://127.0.0.1:9847',
            String(seconds + 12),
          ]),
        )
      : undefined;
  await client?.waitForLine(/following/, 20000);
  await sleep(10_000);
  const cpu0 = await cpuSeconds(pid, true);
  const threads0 = threadTimes(pid);
  // PROFILE_PERF=1: `perf record` of the daemon over the measured window (with --perf-basic-prof for JS names)
  const perf = process.env.PROFILE_PERF
    ? spawnSync(
        'perf',
        [
          'record',
          '-q',
          '-F',
          '499',
          '-g',
          '-p',
          String(pid),
          '-o',
          `${out}/perf.data`,
          '--',
          'sleep',
          String(seconds),
        ],
        { stdio: 'ignore' },
      )
    : undefined;
  void perf;
  // PROFILE_STRACE=1: syscall counts of the daemon (all threads) over the measured window
  if (process.env.PROFILE_STRACE) {
    const r = spawnSync('timeout', ['-s', 'INT', String(seconds), 'strace', '-c', '-f', '-p', String(pid)], {
      encoding: 'utf8',
    });
    console.log(r.stderr.split('\n').slice(0, 25).join('\n'));
  }
  const rss: number[] = [];
  for (let s = 0; s < seconds; s++) {
    await sleep(1000);
    rss.push(await rssMiB(pid));
  }
  const cpu = (((await cpuSeconds(pid, true)) - cpu0) / seconds) * 100;
  rss.sort((a, b) => a - b);
  const split = smapsSplit(pid);
  const threads1 = threadTimes(pid);
  const threads = Object.fromEntries(
    Object.entries(threads1).map(([k, [u, s]]) => [
      k,
      `user ${(((u - (threads0[k]?.[0] ?? 0)) / seconds) * 100).toFixed(2)}% sys ${(((s - (threads0[k]?.[1] ?? 0)) / seconds) * 100).toFixed(2)}%`,
    ]),
  );
  console.log(threads);
  console.log(
    JSON.stringify(
      {
        wans,
        mode,
        flags,
        cpuPct: +cpu.toFixed(3),
        rssMedianMiB: rss[rss.length >> 1],
        rssMaxMiB: rss[rss.length - 1],
        split,
      },
      null,
      1,
    ),
  );
  if (process.env.PROFILE_HEAP) {
    process.kill(pid, 'SIGUSR2');
    await sleep(8000);
  }
  if (client) console.log(await client.waitForLine(/^\{/, 30000));
} finally {
  await ctl(['stop']).catch(() => undefined);
  await sleep(2000);
  await lab.teardown();
  rmSync(dir, { recursive: true, force: true });
  console.log(`profiles in ${out}`);
}
