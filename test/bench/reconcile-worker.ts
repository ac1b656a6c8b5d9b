// Benchmark worker (runs inside a lab namespace): reconcile time for N WANs, and the same state applied one command at a time.
import { execa } from 'execa';
import { parseConfig } from '../../cli/config.ts';
import { Engine } from '../../core/engine.ts';
import { SystemKernel } from '../../core/system/kernel/system-adapter.ts';
import { realSystem } from '../../core/system/real.ts';
import { ruleArgs, routeArgs } from '../../core/system/kernel/ip-canonical.ts';
import type { DesiredState } from '../../core/reconcile/desired.ts';
import { silentLogger } from '../../core/log.ts';
import { runDaemon } from '../../cli/daemon/daemon.ts';
import { builtinPlugins } from '../../plugins/index.ts';
import { median } from './stats.ts';
import { realisticConfig } from './realistic-config.ts';
import { appendFileSync, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tiedArgv } from '../../core/system/process/tied-spawn.ts';

const wans = Number(process.argv[2]);
const trials = Number(process.argv[3] ?? 20);
const stateDir = process.argv[4];
/** `bare` (LAN + WANs) or `realistic` (probes, firewall, forwards, a policy with rules: test/bench/realistic-config.ts). */
const kind = process.argv[5] ?? 'bare';
const ruleCount = Number(process.argv[6] ?? 3);
const forwardCount = Number(process.argv[7] ?? 2);
/** The probe targets: lab documentation addresses on the peer namespace's loopback, answered through each WAN. */
const PROBE_TARGETS: [string, string] = ['192.0.2.1', '192.0.2.2'];

async function ip(lines: string[]): Promise<void> {
  await execa('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` });
}

interface Trial {
  total: number;
  plan: number;
  nft: number;
  ip: number;
  other: number;
  queued: number;
  waiting: number;
  nftLines: number;
  ipLines: number;
}

/** What starting the two programs costs, doing nothing (median of 11 each): `nft -f -` and `ip -batch -` on empty input. */
async function processStartMs(): Promise<{ nft: number; ip: number }> {
  const time = async (argv: string[]) => {
    const xs: number[] = [];
    for (let k = 0; k < 11; k++) {
      const t0 = performance.now();
      await execa(argv[0], argv.slice(1), { input: '\n' });
      xs.push(performance.now() - t0);
    }
    return median(xs);
  };
  return { nft: await time(['nft', '-f', '-']), ip: await time(['ip', '-batch', '-']) };
}

/**
 * The gateways' side: an anonymous network namespace (`unshare --net`, tied to this worker's life, gone with it) that
 * holds every WAN's peer end and answers the probes: the probe targets sit on its loopback.
 */
let peer: ReturnType<typeof execa> | undefined;
async function startPeer(): Promise<number> {
  const [file, ...args] = tiedArgv(['unshare', '--net', '--', 'sleep', '3600']);
  peer = execa(file, args, { reject: false, stdio: 'ignore' });
  const own = readlinkSync('/proc/self/ns/net');
  for (let k = 0; k < 200; k++) {
    // setpriv execs unshare, which unshares and execs sleep: the same pid throughout
    try {
      if (
        readlinkSync(`/proc/${peer.pid}/ns/net`) !== own &&
        readFileSync(`/proc/${peer.pid}/comm`, 'utf8').startsWith('sleep')
      )
        return peer.pid!;
    } catch {}
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the peer namespace did not start');
}

async function peerIp(pid: number, lines: string[]): Promise<void> {
  await execa('nsenter', ['-t', String(pid), '-n', 'ip', '-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/** N veth pairs: wN here (the WAN, 100.64.N.2/30), pN in the peer namespace (its gateway, 100.64.N.1/30), plus a LAN. */
async function buildLinks(pid: number): Promise<void> {
  const lines = [
    'link add lan0 type veth peer name lanp',
    'addr add 10.77.0.1/24 dev lan0',
    'link set lan0 up',
    'link set lanp up',
  ];
  const peerLines = ['link set lo up', ...PROBE_TARGETS.map((t) => `addr add ${t}/32 dev lo`)];
  for (let i = 1; i <= wans; i++) {
    lines.push(
      `link add w${i} type veth peer name p${i} netns ${pid}`,
      `addr add 100.64.${i}.2/30 dev w${i}`,
      `link set w${i} up`,
    );
    peerLines.push(`addr add 100.64.${i}.1/30 dev p${i}`, `link set p${i} up`);
  }
  await ip(lines);
  await peerIp(pid, peerLines);
}

/** What a classic script does: flush, then one `ip`/`nft` process per rule, route and nft statement. */
async function classicApply(d: DesiredState): Promise<number> {
  const cmds: string[][] = [['nft', 'delete', 'table', 'inet', 'mwan']];
  for (const r of d.rules) cmds.push(['ip', 'rule', 'del', ...ruleArgs(r).split(' ')]);
  cmds.push(['nft', 'add', 'table', 'inet', 'mwan']);
  for (const c of d.nft.counters) cmds.push(['nft', 'add', 'counter', 'inet', 'mwan', c]);
  for (const s of d.nft.sets)
    cmds.push([
      'nft',
      `add ${s.kind} inet mwan ${s.name} { type ${s.type}; ${s.flags?.length ? `flags ${s.flags.join(',')};` : ''} }`,
    ]);
  for (const c of d.nft.chains)
    cmds.push([
      'nft',
      c.base
        ? `add chain inet mwan ${c.name} { type ${c.base.type} hook ${c.base.hook} priority ${c.base.priority}; }`
        : `add chain inet mwan ${c.name}`,
    ]);
  for (const s of d.nft.sets)
    if (s.elements?.length) cmds.push(['nft', `add element inet mwan ${s.name} { ${s.elements.join(', ')} }`]);
  for (const c of d.nft.chains) for (const r of c.rules) cmds.push(['nft', `add rule inet mwan ${c.name} ${r}`]);
  for (const r of d.routes) cmds.push(['ip', 'route', 'replace', ...routeArgs(r).split(' '), 'proto', '249']);
  for (const r of d.rules) cmds.push(['ip', 'rule', 'add', ...ruleArgs(r).split(' '), 'protocol', '249']);
  const t0 = performance.now();
  for (const [file, ...args] of cmds) await execa(file, args, { reject: false });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const peerPid = await startPeer();
  await buildLinks(peerPid);
  const bare = {
    lan: [{ device: 'lan0' }],
    stateDir,
    control: { socket: `${stateDir}/mwan.sock` },
    wans: Array.from({ length: wans }, (_, k) => ({
      name: `wan${k + 1}`,
      device: `w${k + 1}`,
      gateway: `100.64.${k + 1}.1`,
      weight: (k % 3) + 1,
    })),
  };
  mkdirSync(`${stateDir}/plugins.d`, { recursive: true });
  const config =
    kind === 'bare'
      ? bare
      : realisticConfig({
          wans,
          wan: (i) => ({ name: `wan${i}`, device: `w${i}`, gateway: `100.64.${i}.1` }),
          lanDevice: 'lan0',
          dir: stateDir,
          probeTargets: PROBE_TARGETS,
          forwardTo: '10.77.0.50',
          rules: ruleCount,
          forwards: forwardCount,
          // 21 carrier cuts of one WAN would rightly be held down by flap damping; this measures the reconcile.
          extra: { health: { flapPenalty: 0 } },
        });
  const kernel = new SystemKernel();
  const engine = await Engine.create({
    loaded: parseConfig(config),
    system: realSystem(kernel),
    log: silentLogger(),
    plugins: builtinPlugins,
  });
  // Event → committed, as the daemon does it: the netlink notification of w1's carrier change is the event,
  // the end of the reconcile that changed the kernel is the commit.
  let eventAt = 0;
  let done: ((r: Trial) => void) | undefined;
  engine.on('link.down', (e) => {
    if (e.device === 'w1') eventAt = performance.now();
  });
  engine.on('link.up', (e) => {
    if (e.device === 'w1') eventAt = performance.now();
  });
  const seen: string[] = [];
  if (process.env.BENCH_DEBUG)
    engine.onEvent((name, payload) => {
      if ((eventAt && done) || name.startsWith('reconcile.') || name.startsWith('wan.'))
        seen.push(`${(performance.now() - eventAt).toFixed(1)} ${name} ${JSON.stringify(payload).slice(0, 80)}`);
    });
  engine.on('reconcile.done', (e) => {
    if (e.changed && eventAt && done) {
      if (process.env.BENCH_DEBUG) appendFileSync(process.env.BENCH_DEBUG, `${seen.splice(0).join('\n')}\n---\n`);
      const last = engine.lastReconcile();
      const total = performance.now() - eventAt;
      done({
        total,
        plan: last?.planMs ?? 0,
        nft: kernel.lastApplyMs.nft,
        ip: kernel.lastApplyMs.ip,
        other: (last?.applyMs ?? 0) - kernel.lastApplyMs.nft - kernel.lastApplyMs.ip,
        queued: last?.queuedMs ?? 0,
        waiting: total - (last?.ms ?? 0) - (last?.queuedMs ?? 0),
        nftLines: e.nftLines,
        ipLines: e.ipLines,
      });
      done = undefined;
      eventAt = 0;
    }
  });
  // Subscribed before the daemon starts the plugins: these handlers run first, at the commit, not after the plugins'
  // own reconcile.done handlers (the flow mover, port forwards) that run once the kernel is already committed.
  const t00 = performance.now();
  const daemon = await runDaemon(engine, silentLogger());
  const startMs = performance.now() - t00;
  const trialsSeen: Trial[] = [];
  // Probed WANs enter service once their probes answer: wait for all (and, between trials, for w1 to return).
  const allInService = async () => {
    const until = performance.now() + 30000;
    // In service and answering probes (a WAN back from a carrier loss may be let in before its probes confirm it).
    const ready = () =>
      engine.wans().every((w) => w.inService && (!w.config.probes?.length || w.figures?.targets?.some((t) => t.ok)));
    while (!ready()) {
      if (performance.now() > until)
        throw new Error(`WANs not in service: ${JSON.stringify(engine.wans().filter((w) => !w.inService)[0])}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await allInService();
  // Carrier loss is measured (21 times); the carrier's return between two trials is not (with probes, a returning WAN
  // waits for good probe rounds: health's business, not the reconcile's).
  // A trial whose WAN health took out just before the cut (a probe verdict racing the carrier's return) commits
  // nothing: it is skipped, at most `trials` times.
  let skipped = 0;
  while (trialsSeen.length < trials) {
    await allInService();
    await new Promise((r) => setTimeout(r, 250)); // let the confirming full read of the previous change finish
    const committed = new Promise<Trial | null>((resolve) => {
      done = resolve;
      setTimeout(() => resolve(null), 5000);
    });
    const wasIn = engine.wans()[0].inService;
    await peerIp(peerPid, ['link set p1 down']);
    const r = await committed;
    done = undefined;
    if (r) trialsSeen.push(r);
    else if (wasIn || ++skipped > trials) throw new Error('no reconcile after the carrier loss within 5 s');
    if (process.env.BENCH_DEBUG) appendFileSync(process.env.BENCH_DEBUG, `${JSON.stringify(r)}\n`);
    await new Promise((r) => setTimeout(r, 250));
    await peerIp(peerPid, ['link set p1 up']);
  }
  const med = (k: keyof Trial) => median(trialsSeen.map((x) => x[k]));
  const times = trialsSeen.map((x) => x.total);
  await new Promise((r) => setTimeout(r, 100));
  const noop = performance.now();
  await engine.reconcile('no change');
  const noopMs = performance.now() - noop;
  const desired = engine.desired();
  await daemon.shutdown(false);
  const classic: number[] = [];
  for (let t = 0; t < (kind === 'bare' ? 3 : 1); t++) classic.push(await classicApply(desired));
  await engine.removeKernelState();
  const d = desired;
  process.stdout.write(
    `${JSON.stringify({
      wans,
      trials,
      daemonStartMs: startMs,
      reconcileMedianMs: median(times),
      reconcileMaxMs: Math.max(...times),
      kind,
      rules: ruleCount,
      forwards: forwardCount,
      breakdownMs: {
        plan: med('plan'),
        nft: med('nft'),
        ip: med('ip'),
        otherApply: med('other'),
        queued: med('queued'),
        waiting: med('waiting'),
        processStart: await processStartMs(),
      },
      nftLines: med('nftLines'),
      ipLines: med('ipLines'),
      noopMs,
      classicMedianMs: median(classic),
      commands: d.rules.length * 2 + d.routes.length + d.nft.chains.reduce((a, c) => a + c.rules.length + 1, 0),
    })}\n`,
  );
}

main()
  .catch((e) => {
    process.stderr.write(`${e.stack ?? e}\n`);
    peer?.kill('SIGKILL');
    process.exit(1); // the daemon, if it started, would keep the process alive
  })
  .finally(() => peer?.kill('SIGKILL'));
