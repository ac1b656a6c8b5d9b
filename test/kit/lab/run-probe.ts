// Runs probers for a lab test (inside a namespace): JSON job on argv, one JSON line per sample on stdout, then stops.
// argv[2]: {"durationMs": 2000, "probes": [{"id": "tcp/1", "spec": {...}, "ctx": {...}}]}
// Prints {"event":"started","at":…}, then {"id":…,"at":<delivered, epoch ms>,…sample}, {"event":"stopped","at":…}, and
// after waiting out every timeout {"event":"done","afterStop":<samples delivered after stop(), which must be 0>}.
// It then exits by itself once every prober has released its sockets, processes and timers; if something still
// holds the event loop 5 s later it prints {"event":"leak"} and exits 3.
import { startProbe } from '../../../core/system/probes/index.ts';
import type { ProbeContext } from '../../../core/system/probes/types.ts';
import type { ProbeConfig } from '../../../config/schema/schema.ts';

interface Job {
  durationMs: number;
  probes: { id: string; spec: ProbeConfig; ctx: ProbeContext }[];
}

const job = JSON.parse(process.argv[2] ?? '') as Job;
const out = (o: unknown): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};
let stopped = false;
let afterStop = 0;

out({ event: 'started', at: Date.now() });
const probers = job.probes.map((p) =>
  startProbe(p.spec, p.ctx, (s) => {
    if (stopped) afterStop++;
    out({ id: p.id, at: Date.now(), ...s });
  }),
);

setTimeout(() => {
  for (const p of probers) p.stop();
  stopped = true;
  out({ event: 'stopped', at: Date.now() });
  const quiet = Math.max(...job.probes.map((p) => p.ctx.timeoutMs + p.ctx.intervalMs)) + 200;
  setTimeout(() => {
    out({ event: 'done', afterStop });
    setTimeout(() => {
      out({ event: 'leak' });
      process.exit(3);
    }, 5000).unref();
  }, quiet);
}, job.durationMs);
