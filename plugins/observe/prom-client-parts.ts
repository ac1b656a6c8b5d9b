// Loads the parts of prom-client the metrics use (registry, counter, gauge, histogram, the process metrics one file
// each) without its index, which also loads the Pushgateway (http, https) and the cluster aggregator: about 2.4 MB
// resident less; and without its CPU metric's file, which loads @opentelemetry/api (51 modules) for exemplars.
// Without nodejs_gc_duration_seconds: its observer makes Node build a performance entry (two deprecation wrappers
// included) for every collection, and with the daemon's 1 MiB young generation that is many a second (~0.1 % of a core).
import type * as PromClient from 'prom-client';

export type PromParts = Pick<
  typeof PromClient,
  'Registry' | 'Counter' | 'Gauge' | 'Histogram' | 'collectDefaultMetrics'
>;
type CollectOptions = Parameters<PromParts['collectDefaultMetrics']>[0];
/** One of prom-client's default metrics: its file exports a function that registers it. */
type DefaultMetric = (
  registry: PromClient.Registry<PromClient.RegistryContentType> | undefined,
  config: CollectOptions,
) => void;

/** The files of prom-client 15 (CommonJS, no exports map: each one's module.exports is the class or function). */
const FILES = {
  Registry: 'prom-client/lib/registry.js',
  Counter: 'prom-client/lib/counter.js',
  Gauge: 'prom-client/lib/gauge.js',
  Histogram: 'prom-client/lib/histogram.js',
} as const;

/** prom-client 15's default metrics but the CPU one (processCpuTotal.js) and gc.js, in its defaultMetrics.js order. */
const METRIC_FILES = [
  'processStartTime',
  'osMemoryHeap',
  'processOpenFileDescriptors',
  'processMaxFileDescriptors',
  'eventLoopLag',
  'processResources',
  'processHandles',
  'processRequests',
  'heapSizeAndUsed',
  'heapSpacesSizeAndUsed',
  'version',
].map((name) => `prom-client/lib/metrics/${name}.js`);

const load = async (file: string): Promise<unknown> => ((await import(file)) as { default: unknown }).default;

/** process_cpu_{user,system}_seconds_total and process_cpu_seconds_total, as prom-client's (without exemplars). */
function cpuMetrics(
  Counter: PromParts['Counter'],
  registry: PromClient.Registry<PromClient.RegistryContentType> | undefined,
): void {
  const registers = registry ? [registry] : undefined;
  let last = process.cpuUsage();
  const user = new Counter({
    name: 'process_cpu_user_seconds_total',
    help: 'Total user CPU time spent in seconds.',
    registers,
    collect() {
      const now = process.cpuUsage();
      user.inc((now.user - last.user) / 1e6);
      system.inc((now.system - last.system) / 1e6);
      total.inc((now.user - last.user + now.system - last.system) / 1e6);
      last = now;
    },
  });
  const system = new Counter({
    name: 'process_cpu_system_seconds_total',
    help: 'Total system CPU time spent in seconds.',
    registers,
  });
  const total = new Counter({
    name: 'process_cpu_seconds_total',
    help: 'Total user and system CPU time spent in seconds.',
    registers,
  });
}

/** The parts from their files; prom-client's index when a file has moved (another major version). */
export async function loadPromParts(): Promise<PromParts> {
  try {
    const entries = await Promise.all(Object.entries(FILES).map(async ([name, file]) => [name, await load(file)]));
    const parts = Object.fromEntries(entries) as Omit<PromParts, 'collectDefaultMetrics'>;
    const metrics = (await Promise.all(METRIC_FILES.map(load))) as DefaultMetric[];
    if (Object.values(parts).every((p) => typeof p === 'function') && metrics.every((m) => typeof m === 'function'))
      return {
        ...parts,
        collectDefaultMetrics: (config?: CollectOptions) => {
          const options = { eventLoopMonitoringPrecision: 10, ...config };
          cpuMetrics(parts.Counter, options.register);
          for (const metric of metrics) metric(options.register, options);
        },
      } as PromParts;
  } catch {
    /* fall back to the index below */
  }
  return import('prom-client');
}
