// `npm run bench -- conntrack`: a dead WAN's flows moved (flow-mover) with 10k and 100k conntrack entries; others' untouched.
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../cli/config.ts';
import type { Lab } from '../kit/lab/topology.ts';
import { withLab } from '../kit/lab/with-lab.ts';
import { realisticMwan, recordEvents, type Row, waitProbed } from './realistic-lab.ts';
import { round } from './stats.ts';

/** The flows are SYNs to this port that the ISPs drop before their own conntrack: only the router keeps entries. */
const PORT = 9;
/** hping3 sends at most this many SYNs per run (its source port counts up from a random base: no repeats within a run). */
const PER_RUN = 50_000;

/** Per WAN name, the router's conntrack entries of the generated flows (ct mark under mwan's mask). */
async function countByWan(lab: Lab, marks: Map<number, string>, mask: number): Promise<Record<string, number>> {
  const r = await lab.exec(lab.ns.router, ['conntrack', '-L', '-p', 'tcp', '--dport', String(PORT)], {
    timeout: 120_000,
  });
  const counts: Record<string, number> = Object.fromEntries([...marks.values(), 'other'].map((n) => [n, 0]));
  for (const m of r.stdout.matchAll(/ mark=(\d+)/g)) counts[marks.get((Number(m[1]) & mask) >>> 0) ?? 'other']++;
  return counts;
}

/** `count` new TCP flows from the LAN client through the router (hping3 SYNs to both servers, source ports varied). */
async function generateFlows(lab: Lab, count: number): Promise<number> {
  const t0 = performance.now();
  const targets = [lab.addr.server, lab.addr.server2];
  for (let run = 0; run * PER_RUN < count; run++) {
    const n = Math.min(PER_RUN, count - run * PER_RUN);
    const argv = ['hping3', '-q', '-S', '-p', String(PORT), '-c', String(n), '-i', 'u10', targets[run % 2]];
    await lab.exec(lab.ns.client, ['timeout', '120', ...argv], { timeout: 130_000, reject: false });
  }
  return performance.now() - t0;
}

interface Outcome {
  entries: number;
  generateMs: number;
  before: Record<string, number>;
  after: Record<string, number>;
  /** Offline verdict → the flow mover logged the deletion done (conntrack -D exited). */
  verdictToGoneMs: number;
  /** Of which: verdict → the reconcile that took the WAN out committed (the mover waits for it), and the deletion. */
  verdictToCommitMs: number;
  deleted: number;
}

async function moveOnce(entries: number): Promise<Outcome> {
  return withLab({ wans: 3 }, async (lab) => {
    const mwan = realisticMwan(lab); // balanced 3:2:1: isp1 gets about half of the flows
    try {
      const loaded = parseConfig(JSON.parse(readFileSync(mwan.configPath, 'utf8')));
      const mask = loaded.layout.mask;
      const marks = new Map([...loaded.layout.wans].map(([name, w]) => [(w.mark & mask) >>> 0, name]));
      const drop = [
        'table ip bench {',
        '  chain pre {',
        '    type filter hook prerouting priority raw; policy accept;',
        `    iifname "down0" tcp dport ${PORT} drop`,
        '  }',
        '}',
        '',
      ].join('\n');
      for (let i = 1; i <= lab.wans; i++) await lab.exec(lab.ns.isp(i), ['nft', '-f', '-'], { input: drop });
      // SYN_SENT entries live 120 s by default: long enough to be sure none expires during the run (router only).
      await lab.exec(lab.ns.router, ['sysctl', '-q', '-w', 'net.netfilter.nf_conntrack_tcp_timeout_syn_sent=900']);
      await mwan.startDaemon();
      await waitProbed(mwan);
      const generateMs = await generateFlows(lab, entries);
      const before = await countByWan(lab, marks, mask);
      const events = await recordEvents(lab, mwan);
      const t0 = Date.now();
      await lab.cutCarrier(1);
      const verdict = await events.first('wan.offline', t0, { wan: 'isp1' });
      const commit = await events.first('reconcile.done', verdict.at, { changed: true });
      const line = await mwan.daemon!.waitForLine(/moved \d+ connections off isp1/, 120_000);
      const log = JSON.parse(line) as { time: number; count: number };
      await events.stop();
      const after = await countByWan(lab, marks, mask);
      return {
        entries,
        generateMs,
        before,
        after,
        verdictToGoneMs: log.time - verdict.at,
        verdictToCommitMs: commit.at - verdict.at,
        deleted: log.count,
      };
    } finally {
      await mwan.cleanup();
    }
  });
}

export async function conntrackBench(row: Row, results: Record<string, unknown>): Promise<void> {
  const out: Outcome[] = [];
  const sizes = (process.env.BENCH_CONNTRACK_ENTRIES ?? '10000,100000').split(',').map(Number);
  for (const entries of sizes) {
    const o = await moveOnce(entries);
    out.push(o);
    const total = Object.values(o.before).reduce((a, b) => a + b, 0);
    const others = Object.keys(o.before).filter((k) => k !== 'isp1');
    const untouched = others.every((k) => o.after[k] === o.before[k]);
    row(
      `conntrack: dead WAN's flows moved, ${total} entries in the router (isp1 ${o.before.isp1}), verdict → last gone`,
      `${round(o.verdictToGoneMs)} ms (reconcile ${o.verdictToCommitMs} ms, then the deletion ${o.verdictToGoneMs - o.verdictToCommitMs} ms: ${round(((o.verdictToGoneMs - o.verdictToCommitMs) / o.deleted) * 1000)} µs per entry), ${o.deleted} deleted, isp1 left ${o.after.isp1}`,
      '',
      o.after.isp1 === 0 ? null : false,
    );
    row(
      `  other WANs' entries before → after (${others.join(' / ')})`,
      `${others.map((k) => o.before[k]).join(' / ')} → ${others.map((k) => o.after[k]).join(' / ')}`,
      'untouched',
      untouched,
    );
  }
  results.conntrackMove = out;
}
