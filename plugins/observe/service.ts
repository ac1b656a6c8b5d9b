// The observe plugin at run time: follows the bus, keeps the samples and events, serves /metrics, the page and /events.
import type { HttpServer, MwanEvents, PluginContext } from '../../plugin-api/index.ts';
import { createMetrics, type ObserveMetrics } from './metrics.ts';
import { isLoopback, parseListen } from './options.ts';
import { policyShares } from './policies.ts';
import { observeRoutes } from './routes.ts';
import { parseSamples, SAMPLES_FILE, serializeSamples } from './sample-store.ts';
import { WanHistory } from './samples.ts';
import { EventLog, forwardRows, wanRows, type Followed, type StatusSnapshot } from './snapshot.ts';
import { EventClients, sseMessage } from './sse.ts';
import { StateTracker } from './states.ts';

/** A sample every 5 s, an hour of them. */
export const SAMPLE_MS = 5000;
export const HISTORY_SAMPLES = 720;
const EVENTS_KEPT = 200;
/** State pushes to the page are coalesced over this long (a burst of events is one update). */
const PUSH_MS = 100;

/** Events after which a WAN's state may have changed. */
const STATE_EVENTS = ['wan.online', 'wan.degraded', 'wan.offline', 'wan.admin', 'link.up', 'link.down'] as const;

export interface ObserveRuntime {
  server: HttpServer | null;
  metrics: ObserveMetrics;
  /** Takes a sample now (tests; the timer does it every SAMPLE_MS). */
  sample(): Promise<void>;
  stop(): Promise<void>;
}

/** The last hour's samples from before a restart, if the state directory has them. */
async function restoreSamples(ctx: PluginContext, history: WanHistory, now: number): Promise<void> {
  const text = await ctx.system.privateFiles?.read(SAMPLES_FILE);
  if (!text) return;
  const wans = ctx.config.wans.map((w) => w.name);
  const since = (now - HISTORY_SAMPLES * SAMPLE_MS) / 1000;
  history.restore(parseSamples(text, wans, since, now / 1000, HISTORY_SAMPLES, (m) => ctx.log.warn(m)));
}

/** Keeps the samples for the next start (a restart or reload does not empty the graphs); a failure is logged. */
async function saveSamples(ctx: PluginContext, history: WanHistory, now: number): Promise<void> {
  try {
    await ctx.system.privateFiles?.write(SAMPLES_FILE, serializeSamples(history.all(), now));
  } catch (err) {
    ctx.log.warn({ err }, `observe: could not keep the samples in ${SAMPLES_FILE}`);
  }
}

export async function startObserve(ctx: PluginContext, now: () => number = Date.now): Promise<ObserveRuntime> {
  const options = ctx.config.observe;
  const metrics = await createMetrics();
  const tracker = new StateTracker(now());
  const history = new WanHistory(HISTORY_SAMPLES);
  await restoreSamples(ctx, history, now());
  const events = new EventLog(EVENTS_KEPT);
  const followed: Followed = { reasons: new Map(), quotas: new Map() };
  const clients = new EventClients();
  const offs: (() => void)[] = [];
  const on = <E extends keyof MwanEvents>(event: E, handler: (p: MwanEvents[E]) => void) =>
    offs.push(ctx.bus.on(event, handler, 'observe'));

  const rows = () => wanRows(ctx.world(), followed, history);
  /** What changes with a WAN's state: the table and the policies' shares. */
  const live = () => ({ wans: rows(), policies: policyShares(ctx.world()) });
  const status = (): StatusSnapshot & { history: ReturnType<WanHistory['all']>; sampleMs: number } => {
    const world = ctx.world();
    return {
      at: new Date(now()).toISOString(),
      wans: rows(),
      policies: policyShares(world),
      forwards: forwardRows(world),
      events: events.list(),
      history: history.all(),
      sampleMs: SAMPLE_MS,
    };
  };
  const checkStates = () => {
    for (const c of tracker.update(ctx.world().wans, now())) metrics.stateChanged(c.wan);
  };
  let pushTimer: ReturnType<typeof setTimeout> | undefined;
  const pushWans = () => {
    pushTimer ??= setTimeout(() => {
      pushTimer = undefined;
      checkStates();
      clients.broadcast('wans', live());
    }, PUSH_MS);
  };

  on('probe.result', (p) => metrics.probe(p));
  on('wan.traffic', (t) => metrics.trafficOf(t));
  on('wan.quota', (q) => {
    metrics.quota(q);
    followed.quotas.set(q.wan, q);
  });
  on('reconcile.done', (p) => metrics.reconciled(p));
  on('ha.role', (r) => metrics.role(r));
  on('reconcile.failed', () => metrics.reconcileFailed());
  for (const e of ['wan.online', 'wan.degraded', 'wan.offline'] as const)
    on(e, (p) => {
      followed.reasons.set(p.wan, p.reason);
    });
  // Counted as soon as the event's change is in the world view (the registry emits while it folds a change in).
  for (const e of STATE_EVENTS)
    on(e, () => {
      queueMicrotask(checkStates);
      pushWans();
    });
  offs.push(
    ctx.bus.onAny((event, payload) => {
      const entry = events.add(event, payload, now());
      if (entry) clients.broadcast('event', entry);
    }),
  );

  let sampling: Promise<void> | null = null;
  const sample = (): Promise<void> =>
    (sampling ??= (async () => {
      try {
        const world = ctx.world();
        checkStates();
        const bytes = (await ctx.system.linkBytes?.(world.wans.map((w) => w.device))) ?? {};
        const added = history.add(world.wans, bytes, now());
        clients.broadcast('sample', { samples: added, ...live() });
      } catch (err) {
        ctx.log.warn({ err }, 'observe: taking a sample failed');
      } finally {
        sampling = null;
      }
    })());
  const timer = setInterval(() => void sample(), SAMPLE_MS);
  timer.unref?.();
  await sample();

  let server: HttpServer | null = null;
  const where = options.listen === false ? null : parseListen(options.listen);
  if (where && ctx.system.http) {
    const handler = observeRoutes({
      token: options.token,
      http: ctx.system.http,
      metrics: async () => {
        checkStates();
        const world = ctx.world();
        metrics.refresh(world, tracker, policyShares(world), ctx.system.nfqueue?.running?.() ?? [], now());
        return metrics.text();
      },
      status,
      subscribe: (stream) => clients.add(stream, sseMessage('status', status())),
    });
    try {
      server = await ctx.system.http.listen(where, handler);
      const url = `http://${where.host.includes(':') ? `[${where.host}]` : where.host}:${server.port}/`;
      if (isLoopback(where.host)) ctx.log.info({ url }, `observe: status page and /metrics on ${url} (loopback only)`);
      else
        ctx.log.warn(
          { url },
          `observe: status page and /metrics on ${url}, reachable from the network: clients must send the token (Authorization: Bearer or ?token=)`,
        );
    } catch (err) {
      // The router goes on routing without its page: the log says why.
      ctx.log.error(
        { err, listen: options.listen },
        `observe: not serving the status page and metrics: ${String(err)}`,
      );
    }
  } else if (where) ctx.log.warn('observe: this system has no HTTP facility; the status page and metrics are off');

  return {
    server,
    metrics,
    sample,
    stop: async () => {
      clearInterval(timer);
      clearTimeout(pushTimer);
      for (const off of offs.splice(0)) off();
      clients.close();
      await server?.close();
      await sampling;
      await saveSamples(ctx, history, now());
    },
  };
}
