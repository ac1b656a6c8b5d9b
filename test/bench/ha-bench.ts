// `npm run bench -- ha`: a power loss of the HA master under load (20 long flows, a new connection every 20 ms), mwan beside plain nft (the floor), then flaps.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../cli/config.ts';
import { haPaths, renderConntrackd, renderKeepalived, renderNotify, type NodePlan } from '../../plugins/ha/render.ts';
import { haConfig, haNode } from '../kit/lab/ha-fixture.ts';
import { createHaLab, ROUTERS, type HaLab, type RouterName } from '../kit/lab/ha-pair.ts';
import { startFlows, startHaServer, type FlowsResult } from '../kit/lab/ha-traffic.ts';
import { sleep, waitFor } from '../kit/time.ts';
import type { Row } from './realistic-lab.ts';
import { haFlapsBench } from './ha-flaps-bench.ts';
import { median, round } from './stats.ts';

const FLOWS = 20;
const SECONDS = 12;
const POWER_LOSS_AFTER_MS = 4000;

interface Takeover {
  powerLossAt: number;
  result: FlowsResult;
}

/** Runs the load, cuts r1's power after a while, returns what the client saw. */
async function takeover(lab: HaLab, master: RouterName = 'r1'): Promise<Takeover> {
  const run = await startFlows(lab, { flows: FLOWS, seconds: SECONDS, connectEveryMs: 20 });
  await sleep(POWER_LOSS_AFTER_MS);
  const powerLossAt = Date.now();
  await lab.powerOff(master);
  return { powerLossAt, result: await run.result };
}

/** The pair with mwan on both routers. */
async function withMwan(lab: HaLab, advertInterval?: number): Promise<Takeover> {
  const extra = advertInterval ? { advertInterval } : undefined;
  const nodes = ROUTERS.map((r) => haNode(lab, r, extra));
  try {
    await Promise.all(nodes.map((n) => n.start()));
    // Whichever timed out first is master (nopreempt: a later start of the higher priority does not take over).
    let master: RouterName | undefined;
    await waitFor(
      async () => {
        const [a, b] = await Promise.all(nodes.map((n) => n.role()));
        master = a === 'master' && b === 'backup' ? 'r1' : b === 'master' && a === 'backup' ? 'r2' : undefined;
        return master !== undefined;
      },
      60000,
      'one master and one backup',
    );
    return await takeover(lab, master);
  } finally {
    for (const n of nodes) await n.cleanup().catch(() => undefined);
  }
}

/** The floor: the same engines and files, by hand: forwarding, one default route, one SNAT rule, no mwan. */
async function withPlainNft(lab: HaLab, advertInterval?: number): Promise<Takeover> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-ha-floor-'));
  try {
    const { config } = parseConfig(haConfig(lab, dir, advertInterval ? { advertInterval } : {}));
    const ha = config.ha!;
    for (const r of ROUTERS) {
      const self = ha.nodes.find((n) => n.name === r)!;
      const peer = ha.nodes.find((n) => n.name !== r)!;
      const plan: NodePlan = {
        ha,
        self,
        peer,
        paths: haPaths(path.join(dir, r)),
        lanDevices: ['lan0'],
        wanDevices: Object.fromEntries(config.wans.map((w) => [w.name, w.device])),
        mwanctl: ['true'],
        controlSocket: '/nonexistent',
      };
      const ns = lab.ns.router(r);
      await lab.exec(ns, ['mkdir', '-p', plan.paths.dir]);
      writeFileSync(plan.paths.keepalivedConf, renderKeepalived(plan));
      writeFileSync(plan.paths.conntrackdConf, renderConntrackd(plan));
      writeFileSync(plan.paths.notify, renderNotify(plan).replace(/^exec .*$/m, 'exit 0'), { mode: 0o700 });
      for (const s of ['net.ipv4.ip_forward=1', 'net.netfilter.nf_conntrack_tcp_loose=0'])
        await lab.exec(ns, ['sysctl', '-q', '-w', s]);
      await lab.exec(ns, ['ip', 'route', 'add', 'default', 'via', lab.addr.ispGateway(1), 'dev', 'wan1']);
      await lab.exec(ns, ['nft', '-f', '-'], {
        input: [
          'table inet floor {',
          '  chain post {',
          '    type nat hook postrouting priority srcnat; policy accept;',
          `    iifname "lan0" oifname "wan1" snat ip to ${lab.addr.wanVip(1)}`,
          '  }',
          '}',
          '',
        ].join('\n'),
      });
      const uts = (argv: string[]) => ['unshare', '--uts', 'sh', '-c', `hostname ${r} && exec "$@"`, 'sh', ...argv];
      lab.spawn(ns, uts([ha.conntrackd, '-C', plan.paths.conntrackdConf]));
      lab.spawn(
        ns,
        uts([
          ha.keepalived,
          '-n',
          '-l',
          '-P',
          '-f',
          plan.paths.keepalivedConf,
          '-p',
          plan.paths.keepalivedPid,
          '-r',
          plan.paths.vrrpPid,
        ]),
      );
    }
    const holds = async (r: RouterName) =>
      (await lab.exec(lab.ns.router(r), ['ip', '-br', 'addr', 'show', 'dev', 'lan0'])).stdout.includes(lab.addr.lanVip);
    await waitFor(async () => (await holds('r1')) && !(await holds('r2')), 30000, 'r1 holds the virtual addresses');
    await sleep(1000);
    return await takeover(lab);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Figures {
  newConnectionGapMs: number | null;
  survived: number;
  sameAddress: number;
  worstStallMs: number;
}

function figures(t: Takeover): Figures {
  // The longest time without a successful new connection (one is tried every 20 ms): the outage the takeover caused.
  const oks = t.result.connects.okTimes;
  const around = oks.filter((x) => x > t.powerLossAt - 1000);
  let gap: number | null = around.some((x) => x > t.powerLossAt) ? 0 : null;
  for (let i = 1; i < around.length; i++) if (gap !== null) gap = Math.max(gap, around[i] - around[i - 1]);
  const alive = t.result.flows.filter((f) => f.closed === null);
  return {
    newConnectionGapMs: gap,
    survived: alive.length,
    sameAddress: alive.filter((f) => f.lastSource === f.firstSource).length,
    worstStallMs: Math.max(0, ...t.result.flows.map((f) => f.maxGapMs)),
  };
}

async function inLab(fn: (lab: HaLab) => Promise<Takeover>): Promise<Figures | string> {
  const lab = await createHaLab({ wans: 2 });
  try {
    await startHaServer(lab);
    return figures(await fn(lab));
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  } finally {
    await lab.teardown();
  }
}

/** Figures of several runs: the median of each (the worst-stall median is what the goal is checked against) and all values. */
function summary(runs: (Figures | string)[]): Figures | string {
  const ok = runs.filter((r): r is Figures => typeof r !== 'string');
  if (ok.length === 0) return runs[0] as string;
  const gaps = ok.map((f) => f.newConnectionGapMs);
  return {
    newConnectionGapMs: gaps.includes(null) ? null : median(gaps as number[]),
    survived: Math.min(...ok.map((f) => f.survived)),
    sameAddress: Math.min(...ok.map((f) => f.sameAddress)),
    worstStallMs: median(ok.map((f) => f.worstStallMs)),
  };
}

export async function haBench(row: Row, results: Record<string, unknown>): Promise<void> {
  // Several runs, each the floor and mwan in a fresh lab; BENCH_HA_RUNS (default 3; 0 runs only the flaps).
  const runs = Math.max(0, Number(process.env.BENCH_HA_RUNS ?? 3));
  if (runs > 0) await takeoverBench(row, results, runs);
  // 100 link flaps of the master; BENCH_HA_FLAPS sets how many, 0 skips them.
  if (process.env.BENCH_HA_FLAPS !== '0') await haFlapsBench(row, results);
}

async function takeoverBench(row: Row, results: Record<string, unknown>, runs: number): Promise<void> {
  // An experiment knob, not a goal: the advertisement interval of both setups (default the configuration's 0.1 s).
  const advert = process.env.BENCH_HA_ADVERT ? Number(process.env.BENCH_HA_ADVERT) : undefined;
  const floors: (Figures | string)[] = [];
  const mwans: (Figures | string)[] = [];
  for (let i = 0; i < runs; i++) {
    floors.push(await inLab((lab) => withPlainNft(lab, advert)));
    mwans.push(await inLab((lab) => withMwan(lab, advert)));
  }
  const floor = summary(floors);
  const mwan = summary(mwans);
  results.ha = { runs, advertInterval: advert ?? 0.1, floor, mwan, floorRuns: floors, mwanRuns: mwans };
  const show = (f: Figures | string, pick: (f: Figures) => string) =>
    typeof f === 'string' ? `failed: ${f}` : pick(f);
  const gap = (f: Figures) => (f.newConnectionGapMs === null ? 'never' : `${round(f.newConnectionGapMs / 1000, 2)} s`);
  const ok = (f: Figures | string, test: (f: Figures) => boolean) => typeof f !== 'string' && test(f);
  const each = (list: (Figures | string)[]) =>
    list.map((f) => (typeof f === 'string' ? 'failed' : round(f.worstStallMs / 1000, 2))).join(', ');
  const of = runs > 1 ? `, median of ${runs} runs` : '';
  row(
    `HA: master loses power; longest time without a new connection (mwan / plain nft floor${of})`,
    `${show(mwan, gap)} / ${show(floor, gap)}`,
    '≤ 0.4 s',
    ok(mwan, (f) => f.newConnectionGapMs !== null && f.newConnectionGapMs <= 400),
  );
  row(
    `HA: long flows surviving, same public address (mwan / floor${runs > 1 ? ', fewest of the runs' : ''})`,
    `${show(mwan, (f) => `${f.sameAddress} of ${FLOWS}`)} / ${show(floor, (f) => `${f.sameAddress} of ${FLOWS}`)}`,
    `${FLOWS} of ${FLOWS}`,
    ok(mwan, (f) => f.sameAddress === FLOWS),
  );
  row(
    `HA: worst stall of a long flow (mwan / floor${of}; each run: mwan ${each(mwans)}; floor ${each(floors)})`,
    `${show(mwan, (f) => `${round(f.worstStallMs / 1000, 2)} s`)} / ${show(floor, (f) => `${round(f.worstStallMs / 1000, 2)} s`)}`,
    '≤ 0.75 s',
    ok(mwan, (f) => f.worstStallMs <= 750),
  );
}
