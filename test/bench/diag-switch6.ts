// Diagnostic (not part of `npm run bench`): timestamps each step of carrier back → IPv4/IPv6 in use again (kernel ip monitor, daemon events, prober). `npx tsx test/bench/diag-switch6.ts [trials] [ms down after the switch]`
import { withLab } from '../kit/lab/with-lab.ts';
import { sleep } from '../kit/time.ts';
import { startProber } from './prober-client.ts';
import { recordEvents, waitProbed } from './realistic-lab.ts';
import { switch6Mwan } from './switch6-bench.ts';

const count = Number(process.argv[2] ?? 3);
await withLab({ wans: 3, ipv6: true }, async (lab) => {
  const mwan = await switch6Mwan(lab);
  try {
    await mwan.startDaemon();
    await waitProbed(mwan);
    const rec = await recordEvents(lab, mwan);
    const mon: { at: number; line: string }[] = [];
    const m = lab.spawn(lab.ns.router, ['ip', '-ts', 'monitor', 'link', 'address', 'route', 'neigh', 'rule']);
    void (async () => {
      for (;;) {
        const l = await m.nextLine(3_600_000).catch(() => null);
        if (l === null) return;
        mon.push({ at: Date.now(), line: l });
      }
    })();
    const [p4, p6] = await Promise.all([
      startProber(lab, count * 12 + 30, 20, 'ipv4'),
      startProber(lab, count * 12 + 30, 20, 'ipv6'),
    ]);
    for (let i = 0; i < count; i++) {
      await sleep(2000);
      const t0 = Date.now();
      await lab.cutCarrier(1);
      await Promise.all([p4.firstVia(t0, [2]), p6.firstVia(t0, [2])]);
      await sleep(Number(process.argv[3] ?? 0));
      console.log((await lab.exec(lab.ns.router, ['ip', 'neigh', 'show', 'dev', 'wan1'])).stdout);
      const t1 = Date.now();
      const cutMark = mon.findIndex((e) => e.at >= t0);
      await lab.restoreCarrier(1);
      const [b4, b6] = await Promise.all([p4.firstVia(t1, [1], 15000), p6.firstVia(t1, [1], 15000)]);
      console.log(`trial ${i}: back4 ${b4} back6 ${b6}`);
      for (const e of rec.events.filter(
        (e) => e.at >= t1 - 5 && e.event !== 'probe.result' && e.event !== 'wan.traffic',
      ))
        console.log(`  ev +${e.at - t1} ${e.event} ${JSON.stringify(e.payload).slice(0, 200)}`);
      for (const e of rec.events
        .filter((e) => e.at >= t1 && e.event === 'probe.result' && e.payload.wan === 'isp1')
        .slice(0, 12))
        console.log(`  probe +${e.at - t1} ${JSON.stringify(e.payload).slice(0, 160)}`);
      for (const e of mon.slice(cutMark))
        if (e.at - t1 < 2000 && !e.line.includes('link/ether'))
          console.log(`  k +${e.at - t1} ${e.line.slice(0, 160)}`);
    }
    await Promise.all([p4.stop(), p6.stop(), rec.stop(), m.kill()]);
  } finally {
    await mwan.cleanup();
  }
});
