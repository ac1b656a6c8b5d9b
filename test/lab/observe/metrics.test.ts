// /metrics of a real daemon in the lab: WAN states and probe rounds as they happened, a WAN cut, reconciles, traffic counters when published.
import assert from 'node:assert/strict';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { burst, startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { waitFor, sleep } from '../../kit/time.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';
import { getIn, sample } from './scrape.ts';

const URL = 'http://127.0.0.1:9847/metrics';

describe('mwan lab: /metrics', function () {
  this.timeout(240000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;

  before(async function () {
    await skipWithoutLab(this, 'observe');
    lab = await createLab({ wans: 3 });
    await startServers(lab);
  });
  after(async () => {
    await mwan?.cleanup();
    await lab?.teardown();
  });

  it('reports the WAN states, probe rounds, RTT, a WAN taken down, reconciles and process figures', async () => {
    const l = lab!;
    mwan = mwanFor(l);
    const cfg = labConfig(l, mwan.dir);
    for (const w of cfg.wans as Record<string, unknown>[]) w.probes = [{ method: 'icmp', target: l.addr.server }];
    mwan.writeConfig(cfg);
    const daemon = await mwan.startDaemon();
    // logged while the plugins set up, before `mwan daemon ready`
    assert.ok(
      daemon.lines.some((line) =>
        line.includes('observe: status page and /metrics on http://127.0.0.1:9847/ (loopback only)'),
      ),
      daemon.lines.join('\n'),
    );
    const scrape = () => getIn(l, l.ns.router, URL);

    await waitFor(
      async () => {
        const m = await scrape();
        return [1, 2, 3].every((i) => sample(m, `mwan_wan_state{wan="isp${i}",state="online"}`) === 1);
      },
      30000,
      'every WAN online in /metrics',
    );
    const before = await scrape();
    for (const i of [1, 2, 3]) {
      const wan = `isp${i}`;
      assert.equal(sample(before, `mwan_wan_in_service{wan="${wan}"}`), 1);
      assert.equal(sample(before, `mwan_wan_state{wan="${wan}",state="link-down"}`), 0);
      // the good rounds that brought it online, each with its answer's RTT
      const ok = sample(before, `mwan_wan_probe_rounds_total{wan="${wan}",result="ok"}`)!;
      assert.ok(ok >= 1, `${wan}: ${ok} good probe rounds`);
      assert.ok(sample(before, `mwan_wan_rtt_seconds_count{wan="${wan}"}`)! >= ok, wan);
      const rttSum = sample(before, `mwan_wan_rtt_seconds_sum{wan="${wan}"}`)!;
      const rttCount = sample(before, `mwan_wan_rtt_seconds_count{wan="${wan}"}`)!;
      assert.ok(rttSum / rttCount > 0 && rttSum / rttCount < 0.5, `${wan}: mean RTT ${rttSum / rttCount} s in the lab`);
      assert.equal(sample(before, `mwan_policy_share_ratio{policy="default",wan="${wan}"}`)?.toFixed(3), '0.333');
    }
    assert.ok(sample(before, 'mwan_reconcile_duration_seconds_count{changed="true"}')! >= 1);
    assert.equal(sample(before, 'mwan_reconcile_failures_total'), 0);
    assert.ok(sample(before, 'process_resident_memory_bytes')! > 10e6);

    // probe rounds keep counting: about 10 a second
    await sleep(2000);
    const later = await scrape();
    const grew =
      sample(later, 'mwan_wan_probe_rounds_total{wan="isp1",result="ok"}')! -
      sample(before, 'mwan_wan_probe_rounds_total{wan="isp1",result="ok"}')!;
    assert.ok(grew >= 5, `only ${grew} probe rounds in 2 s`);

    // take isp2 down: link-down, out of service, one state change, no share of the default policy
    await l.cutCarrier(2);
    await waitFor(
      async () => sample(await scrape(), 'mwan_wan_state{wan="isp2",state="link-down"}') === 1,
      20000,
      'isp2 link-down in /metrics',
    );
    const down = await scrape();
    assert.equal(sample(down, 'mwan_wan_in_service{wan="isp2"}'), 0);
    assert.equal(sample(down, 'mwan_wan_state{wan="isp2",state="online"}'), 0);
    assert.equal(sample(down, 'mwan_wan_state_changes_total{wan="isp2"}'), 1);
    assert.equal(sample(down, 'mwan_wan_state_changes_total{wan="isp1"}'), 0);
    assert.ok(sample(down, 'mwan_wan_state_age_seconds{wan="isp2"}')! < 20);
    assert.equal(sample(down, 'mwan_policy_share_ratio{policy="default",wan="isp2"}'), undefined);
    assert.equal(sample(down, 'mwan_policy_share_ratio{policy="default",wan="isp1"}'), 0.5);
    assert.ok(
      sample(down, 'mwan_reconcile_duration_seconds_count{changed="true"}')! >
        sample(before, 'mwan_reconcile_duration_seconds_count{changed="true"}')!,
      'the cut was reconciled',
    );

    // bytes and new connections come with wan.traffic (the traffic plugin's kernel counters, published every 5 s)
    const sent = await burst(l, l.ns.client, { count: 30 });
    assert.equal(sent.failed, 0);
    const conns = (m: string) =>
      [1, 3].reduce((n, i) => n + (sample(m, `mwan_wan_new_connections_total{wan="isp${i}"}`) ?? 0), 0);
    let traffic = '';
    await waitFor(
      async () => {
        traffic = await scrape();
        return conns(traffic) >= 30;
      },
      20000,
      'wan.traffic counting the 30 connections',
    ).catch(() => undefined);
    assert.ok(conns(traffic) >= 30, `new connections through isp1 and isp3: ${conns(traffic)}, sent 30`);
    assert.ok(sample(traffic, 'mwan_wan_receive_bytes_total{wan="isp1"}')! > 0);
  });
});
