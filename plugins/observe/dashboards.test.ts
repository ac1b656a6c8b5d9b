// Tests the shipped Grafana dashboard and Prometheus alert rules: both parse, every metric they use exists, and docs/observability.md names every metric.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultLoaders } from 'cosmiconfig';
import { createMetrics } from './metrics.ts';
import { loadPromParts } from './prom-client-parts.ts';

const docs = (file: string) => readFileSync(fileURLToPath(new URL(`../../docs/${file}`, import.meta.url)), 'utf8');

/** The metric names a PromQL expression uses (histogram series folded into their metric). */
function metricsIn(expr: string): string[] {
  const names = [...expr.matchAll(/\b((?:mwan|process|nodejs)_[a-z_]+)\b/g)].map((m) => m[1]!);
  return names.map((n) => n.replace(/_(bucket|sum|count)$/, ''));
}

function exprsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(exprsOf);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => (k === 'expr' && typeof v === 'string' ? [v] : exprsOf(v)));
  return [];
}

describe('observe plugin: dashboard and alert rules', () => {
  let served: Set<string>;
  before(async () => {
    served = new Set((await createMetrics()).names());
  });

  it("loads prom-client's parts from their files, not its whole index", async () => {
    const parts = await loadPromParts();
    assert.ok(!('Pushgateway' in parts), 'fell back to the index: prom-client-parts.ts FILES moved?');
    assert.equal(typeof parts.Registry, 'function');
  });

  it('the metrics exist (so the checks below can fail)', () => {
    assert.ok(served.has('mwan_wan_rtt_seconds') && served.has('process_cpu_seconds_total'));
    assert.deepEqual(metricsIn('rate(mwan_wan_rtt_seconds_bucket[5m]) + mwan_nope'), [
      'mwan_wan_rtt_seconds',
      'mwan_nope',
    ]);
  });

  it('the Grafana dashboard parses and uses only metrics the daemon serves', () => {
    const dashboard = JSON.parse(docs('grafana/mwan-dashboard.json')) as { panels: unknown[] };
    const exprs = exprsOf(dashboard.panels);
    assert.ok(exprs.length >= 15, `only ${exprs.length} queries`);
    const unknown = exprs.flatMap(metricsIn).filter((m) => !served.has(m));
    assert.deepEqual([...new Set(unknown)], []);
  });

  it('the alert rules parse and use only metrics the daemon serves', async () => {
    // cosmiconfig's YAML loader: the one mwan reads its configuration with
    const rules = (await defaultLoaders['.yaml']('mwan-alerts.yml', docs('prometheus/mwan-alerts.yml'))) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const all = rules.groups.flatMap((g) => g.rules);
    assert.ok(all.length >= 8);
    for (const r of all) assert.ok(r.alert && r.expr, `a rule without alert or expr: ${JSON.stringify(r)}`);
    const unknown = all.flatMap((r) => metricsIn(r.expr)).filter((m) => !served.has(m));
    assert.deepEqual([...new Set(unknown)], []);
  });

  it('docs/observability.md names every mwan metric', () => {
    const page = docs('observability.md');
    const missing = [...served].filter(
      (m) => m.startsWith('mwan_') && !page.includes(`\`${m}`) && !page.includes(`${m}\``),
    );
    assert.deepEqual(missing, []);
  });
});
