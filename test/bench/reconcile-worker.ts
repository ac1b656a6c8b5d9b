// Benchmark worker (runs inside a lab namespace): reconcile time for N WANs, and the same state applied one command at a time.
import { execa } from 'execa';
import { parseConfig } from '../../cli/config.ts';
import { Engine } from '../../core/engine.ts';
import { SystemKernel } from '../../core/system/kernel/system-adapter.ts';
import { realSystem } from '../../core/system/real.ts';
import { ruleArgs, routeArgs } from '../../core/reconcile/ip-canonical.ts';
import type { DesiredState } from '../../core/reconcile/desired.ts';
import { silentLogger } from '../../core/log.ts';
import { runDaemon } from '../../cli/daemon/daemon.ts';
import { builtinPlugins } from '../../plugins/index.ts';
import { median } from './stats.ts';

const wans = Number(process.argv[2]);
const trials = Number(process.argv[3] ?? 20);
const stateDir = process.argv[4];

async function ip(lines: string[]): Promise<void> {
  await execa('ip', ['-batch', '-'], { input: `${lines.join('\n')}\n` });
}

/** N veth pairs in this namespace: wN (the WAN, 100.64.N.2/30) and pN (its "gateway" end, 100.64.N.1/30), plus a LAN. */
async function buildLinks(): Promise<void> {
  const lines = [
    'link add lan0 type veth peer name lanp',
    'addr add 10.77.0.1/24 dev lan0',
    'link set lan0 up',
    'link set lanp up',
  ];
  for (let i = 1; i <= wans; i++) {
    lines.push(
      `link add w${i} type veth peer name p${i}`,
      `addr add 100.64.${i}.2/30 dev w${i}`,
      `addr add 100.64.${i}.1/30 dev p${i}`,
      `link set w${i} up`,
      `link set p${i} up`,
    );
  }
  await ip(lines);
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
  await buildLinks();
  const config = {
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
  const engine = await Engine.create({
    loaded: parseConfig(config),
    system: realSystem(new SystemKernel()),
    log: silentLogger(),
    plugins: builtinPlugins,
  });
  const t00 = performance.now();
  const daemon = await runDaemon(engine, silentLogger());
  const startMs = performance.now() - t00;
  // Event → committed, as the daemon does it: the netlink notification of w1's carrier change is the event,
  // the end of the reconcile that changed the kernel is the commit.
  let eventAt = 0;
  let done: ((r: { ms: number; planMs: number; applyMs: number; read?: boolean }) => void) | undefined;
  engine.on('link.down', (e) => {
    if (e.device === 'w1') eventAt = performance.now();
  });
  engine.on('link.up', (e) => {
    if (e.device === 'w1') eventAt = performance.now();
  });
  engine.on('reconcile.done', (e) => {
    if (e.changed && eventAt && done) {
      done({
        ms: performance.now() - eventAt,
        planMs: engine.lastReconcile()?.planMs ?? 0,
        read: engine.lastReconcile()?.read,
        applyMs: engine.lastReconcile()?.applyMs ?? 0,
      });
      done = undefined;
      eventAt = 0;
    }
  });
  const times: number[] = [];
  const planTimes: number[] = [];
  const applyTimes: number[] = [];
  for (let t = 0; t < trials; t++) {
    await new Promise((r) => setTimeout(r, 250)); // let the confirming full read of the previous trial finish
    const committed = new Promise<{ ms: number; planMs: number; applyMs: number }>((resolve, reject) => {
      done = resolve;
      setTimeout(() => reject(new Error('no reconcile after the carrier change within 5 s')), 5000);
    });
    await ip([`link set p1 ${t % 2 === 0 ? 'down' : 'up'}`]);
    const r = await committed;
    times.push(r.ms);
    if (process.env.BENCH_DEBUG) process.stderr.write(`${JSON.stringify(r)}\n`);
    planTimes.push(r.planMs);
    applyTimes.push(r.applyMs);
  }
  await new Promise((r) => setTimeout(r, 100));
  const noop = performance.now();
  await engine.reconcile('no change');
  const noopMs = performance.now() - noop;
  const desired = engine.desired();
  await daemon.shutdown(false);
  const classic: number[] = [];
  for (let t = 0; t < 3; t++) classic.push(await classicApply(desired));
  await engine.removeKernelState();
  const d = desired;
  process.stdout.write(
    `${JSON.stringify({
      wans,
      trials,
      daemonStartMs: startMs,
      reconcileMedianMs: median(times),
      reconcileMaxMs: Math.max(...times),
      planMedianMs: median(planTimes),
      applyMedianMs: median(applyTimes),
      noopMs,
      classicMedianMs: median(classic),
      commands: d.rules.length * 2 + d.routes.length + d.nft.chains.reduce((a, c) => a + c.rules.length + 1, 0),
    })}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
