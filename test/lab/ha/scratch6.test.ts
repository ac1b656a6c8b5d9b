import { useHaPair } from '../../kit/lab/ha-fixture.ts';
import { startFlows } from '../../kit/lab/ha-traffic.ts';
describe('scratch', function () {
  this.timeout(200000);
  const isps = [1, 2];
  const pair = useHaPair({
    suite: 'scratch',
    lab: { wans: 2, ipv6: true },
    ha: (lab) => ({
      lan6: { lan0: lab.addr6!.lanVip },
      wans6: Object.fromEntries(isps.map((i) => [`isp${i}`, lab.addr6!.wanVip(i)])),
    }),
    top: (lab) => ({
      wans: isps.map((i) => ({
        name: `isp${i}`,
        device: `wan${i}`,
        gateway: lab.addr.ispGateway(i),
        ipv6: { address: 'auto', gateway: lab.addr6!.ispGateway(i), prefix: lab.addr6!.delegated(i) },
      })),
      ipv6: { mode: 'npt', lan: [{ device: 'lan0', prefix: lab.addr6!.lanPrefix }] },
    }),
  });
  it('dumps', async () => {
    const lab = pair.lab;
    const m = await pair.elected();
    const n = m === 'r1' ? 'r2' : 'r1';
    const d = pair.nodes[n].daemon!;
    const before = d.lines.length;
    const run = await startFlows(lab, { flows: 4, seconds: 10, connectEveryMs: 100, to: lab.addr6!.server });
    await new Promise((r) => setTimeout(r, 2000));
    await lab.powerOff(m);
    const res = await run.result;
    console.log(JSON.stringify(res.flows.map((f) => [f.maxGapMs, f.closed])), res.connects.ok, res.connects.tried);
    console.log(
      d.lines
        .slice(before)
        .filter((l) => !/debug/.test(l))
        .map((l) => l.slice(0, 300))
        .join('\n'),
    );
  });
});
