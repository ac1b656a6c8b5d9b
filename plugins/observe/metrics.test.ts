// Tests /metrics on the memory system: per-WAN states and counters, probe rounds and RTT, traffic and quota events, reconciles, repairs, shares.
import assert from 'node:assert/strict';
import { fetchText, startedEngine } from './testing.ts';

/** The value of one sample line (`name{labels} value`), or undefined. */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('observe plugin: /metrics', () => {
  it('serves the WAN states, probe rounds, RTT, traffic, quota, reconciles and repairs in the Prometheus format', async () => {
    const { engine, system, cut } = await startedEngine();
    try {
      const probe = (wan: string, ok: boolean, rttMs: number | null) =>
        engine.emit('probe.result', {
          wan,
          ok,
          rttMs,
          lossPct: ok ? 0 : 50,
          targets: [{ target: '192.0.2.1', method: 'icmp', ok, rttMs }],
        });
      probe('isp1', true, 20);
      probe('isp1', true, 40);
      probe('isp1', false, null);
      engine.emit('wan.traffic', {
        wan: 'isp1',
        rxBytes: 1000,
        txBytes: 500,
        rxPackets: 10,
        txPackets: 5,
        newConnections: 3,
      });
      engine.emit('wan.traffic', {
        wan: 'isp1',
        rxBytes: 5000,
        txBytes: 900,
        rxPackets: 20,
        txPackets: 9,
        newConnections: 7,
      });
      engine.emit('wan.quota', {
        wan: 'isp2',
        usedBytes: 800,
        limitBytes: 1000,
        percent: 80,
        state: 'warned',
        threshold: 80,
      });
      engine.emit('reconcile.done', {
        reason: 'repair: nft table deleted',
        changed: true,
        ms: 12,
        nftLines: 1,
        ipLines: 0,
        sysctls: 0,
      });
      engine.emit('reconcile.failed', { reason: 'x', error: 'boom' });
      await cut('wan2');

      const r = await fetchText(system, '/metrics');
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
      const m = r.text;
      assert.equal(value(m, 'mwan_wan_state{wan="isp2",state="link-down"}'), 1);
      assert.equal(value(m, 'mwan_wan_state{wan="isp2",state="online"}'), 0);
      assert.equal(value(m, 'mwan_wan_in_service{wan="isp2"}'), 0);
      assert.equal(value(m, 'mwan_wan_in_service{wan="isp1"}'), 1);
      assert.equal(value(m, 'mwan_wan_state_changes_total{wan="isp2"}'), 1);
      assert.equal(value(m, 'mwan_wan_state_changes_total{wan="isp1"}'), 0);
      assert.ok(value(m, 'mwan_wan_state_age_seconds{wan="isp2"}')! < 5);
      assert.equal(value(m, 'mwan_wan_probe_rounds_total{wan="isp1",result="ok"}'), 2);
      assert.equal(value(m, 'mwan_wan_probe_rounds_total{wan="isp1",result="failed"}'), 1);
      assert.equal(value(m, 'mwan_wan_rtt_seconds_count{wan="isp1"}'), 2);
      assert.equal(value(m, 'mwan_wan_rtt_seconds_sum{wan="isp1"}'), 0.06);
      assert.equal(value(m, 'mwan_wan_rtt_seconds_bucket{le="0.025",wan="isp1"}'), 1);
      assert.equal(value(m, 'mwan_wan_loss_ratio{wan="isp1"}'), 0.5);
      assert.equal(value(m, 'mwan_wan_receive_bytes_total{wan="isp1"}'), 5000);
      assert.equal(value(m, 'mwan_wan_transmit_bytes_total{wan="isp1"}'), 900);
      assert.equal(value(m, 'mwan_wan_receive_packets_total{wan="isp1"}'), 20);
      assert.equal(value(m, 'mwan_wan_new_connections_total{wan="isp1"}'), 7);
      assert.equal(value(m, 'mwan_wan_receive_bytes_total{wan="isp2"}'), undefined, 'no sample before wan.traffic');
      assert.equal(value(m, 'mwan_wan_quota_used_ratio{wan="isp2"}'), 0.8);
      assert.equal(value(m, 'mwan_wan_quota_limit_bytes{wan="isp2"}'), 1000);
      assert.equal(value(m, 'mwan_repairs_total'), 1);
      assert.equal(value(m, 'mwan_reconcile_failures_total'), 1);
      assert.ok(value(m, 'mwan_reconcile_duration_seconds_count{changed="true"}')! >= 2, 'the start and the cut');
      // isp2 is out: the default policy gives isp1 every new connection
      assert.equal(value(m, 'mwan_policy_share_ratio{policy="default",wan="isp1"}'), 1);
      assert.match(m, /^process_resident_memory_bytes \d+/m);
      assert.match(m, /^# TYPE mwan_wan_rtt_seconds histogram$/m);
    } finally {
      await engine.stop();
    }
  });

  it('splits the default policy by weight while both WANs are in service', async () => {
    const { engine, system } = await startedEngine();
    try {
      const m = (await fetchText(system, '/metrics')).text;
      assert.equal(value(m, 'mwan_policy_share_ratio{policy="default",wan="isp1"}'), 0.75);
      assert.equal(value(m, 'mwan_policy_share_ratio{policy="default",wan="isp2"}'), 0.25);
      assert.equal(value(m, 'mwan_wan_weight{wan="isp1"}'), 3);
    } finally {
      await engine.stop();
    }
  });
});
