// Tests the prom-client parts the observe plugin loads: the same process metrics as prom-client's own defaults, and CPU seconds that follow process.cpuUsage().
import assert from 'node:assert/strict';
import * as PromClient from 'prom-client';
import { loadPromParts } from './prom-client-parts.ts';

describe('observe plugin: prom-client parts', () => {
  it("registers every metric prom-client's collectDefaultMetrics does, by name and type, but the GC durations", async () => {
    const parts = await loadPromParts();
    assert.notEqual(parts.collectDefaultMetrics, PromClient.collectDefaultMetrics, 'the files, not the index');
    const ours = new parts.Registry();
    parts.collectDefaultMetrics({ register: ours, eventLoopMonitoringPrecision: 1000 });
    const theirs = new PromClient.Registry();
    PromClient.collectDefaultMetrics({ register: theirs, eventLoopMonitoringPrecision: 1000 });
    const shape = (r: PromClient.Registry) =>
      r
        .getMetricsAsArray()
        .map((m) => `${m.name} ${(m as unknown as { type: string }).type}`)
        .sort();
    const gc = 'nodejs_gc_duration_seconds histogram';
    assert.ok(shape(theirs).includes(gc), 'prom-client still has the metric left out');
    assert.deepEqual(
      shape(ours),
      shape(theirs).filter((m) => m !== gc),
    );
  });

  it('counts process CPU seconds: user + system = total, growing with the work done', async () => {
    const parts = await loadPromParts();
    const registry = new parts.Registry();
    parts.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
    const read = async () => {
      const text = await registry.metrics();
      const v = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      return {
        user: v('process_cpu_user_seconds_total'),
        system: v('process_cpu_system_seconds_total'),
        total: v('process_cpu_seconds_total'),
      };
    };
    const first = await read();
    const until = process.cpuUsage().user + 30_000; // 30 ms of user CPU
    let x = 0;
    while (process.cpuUsage().user < until) x += Math.sqrt(x + 1);
    assert.ok(x > 0);
    const second = await read();
    assert.ok(second.user - first.user >= 0.025, `user seconds grew by ${second.user - first.user}`);
    assert.ok(Math.abs(second.total - (second.user + second.system)) < 1e-6, JSON.stringify(second));
  });
});
