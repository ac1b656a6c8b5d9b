// The daemon: sets up plugins, watches netlink, reconciles on every change, and serves the control socket.
import { startControlServer, type RequestHandler } from '../control/server.ts';
import { controlHandler } from './daemon-control.ts';
import type { Engine } from '../../core/engine.ts';
import type { LinkHint } from '../../core/system/kernel/adapter.ts';
import type { Logger } from '../../core/log.ts';
import { ipLineCount, ownershipOf } from '../../core/reconcile/reconciler.ts';
import { SelfRepair } from './self-repair.ts';
import { configChanges, wansKeepingHealth } from './config-changes.ts';
import { logStateChanges } from './state-log.ts';
import { ServiceNotifications } from './service-notify.ts';
import { noNotifier, type ServiceNotifier } from '../../core/system/notify.ts';
import { describeError } from '../../core/errors.ts';
import { HistoryRecorder } from './history-recorder.ts';

export interface DaemonHandle {
  stopped: Promise<void>;
  shutdown(removeState: boolean): Promise<void>;
  /**
   * SIGHUP / `systemctl reload`: re-reads the configuration file. Valid → applied, with a log line naming what changed;
   * invalid → the running configuration stays and the error (naming the field) is logged. Never rejects.
   */
  reload(why: string): Promise<void>;
}

/** Serves the control socket (a test may serve it in memory); `close` ends it. */
export type ServeControl = (socket: string, handle: RequestHandler) => Promise<{ close(done: () => void): unknown }>;

/**
 * How often the kernel state is re-checked without any event: repairs what no notification reports (a sysctl, set
 * elements, a repair the rate limiter held back); a no-op when nothing changed. Deleted tables, rules and routes are
 * repaired at once (see ./self-repair.ts).
 */
const RESYNC_MS = 30_000;
/** Pause before the full read that follows netlink notifications. */
const OBSERVE_SETTLE_MS = 15;

export async function runDaemon(
  initial: Engine,
  log: Logger,
  reload?: () => Promise<Engine>,
  serve: ServeControl = startControlServer,
  notifier: ServiceNotifier = noNotifier,
): Promise<DaemonHandle> {
  let engine = initial;
  const service = new ServiceNotifications(notifier, log);
  let unfollow = service.follow(engine);
  const outOfService = new Set<string>();
  let unlog = logStateChanges(engine, log, outOfService);
  const history = await HistoryRecorder.open(engine.config.stateDir, log);
  let unrecord = history.follow(engine);
  let first: Awaited<ReturnType<Engine['reconcile']>>;
  try {
    await engine.start();
    await engine.observe();
    first = await engine.reconcile('daemon start');
  } catch (error) {
    // A refused start must end the process: plugins set up so far (a listening status page, timers) would keep it.
    unrecord();
    unlog();
    unfollow();
    await engine.stop().catch((err: unknown) => log.error({ err }, 'tearing the plugins down failed'));
    throw error;
  }
  // After a crash or restart the kernel still holds what the last daemon applied: adopting it changes nothing.
  if (first)
    log.info(
      {
        changed: first.changed,
        ipLines: first.changed ? ipLineCount(first.plan) : 0,
        nft: first.changed && first.plan.nft !== '',
      },
      first.changed ? 'kernel state set up at start' : 'kernel state adopted at start: nothing to change',
    );

  let observing: Promise<void> | null = null;
  let again = false;
  let fast: Promise<unknown> | null = null;
  const onNetlink = (hint?: LinkHint) => {
    // Fast path: a link's carrier or admin state is known from the notification itself; act on it at once,
    // then confirm with a full read below (which also repairs anything the kernel removed on its own).
    // A device set down or deleted makes the kernel flush every route through it, mwan's included: the state the
    // last apply left is stale then, and planning from it would `route del` routes that are gone (the batch fails).
    if (hint && (hint.deleted || !hint.adminUp) && engine.config.wans.some((w) => w.device === hint.name))
      engine.forgetRoutes();
    if (hint && engine.applyLinkHint(hint)) {
      const run = engine.reconcile(`link ${hint.name} ${hint.carrier && hint.adminUp ? 'up' : 'down'}`);
      fast = run.finally(() => {
        if (fast === run) fast = null;
      });
    }
    if (observing) {
      again = true;
      return;
    }
    observing = (async () => {
      do {
        again = false;
        // Let a burst of notifications settle and the fast path finish: spawning readers meanwhile would slow it.
        await new Promise((r) => setTimeout(r, OBSERVE_SETTLE_MS));
        await fast;
        try {
          if (await engine.observe()) await engine.reconcile('netlink change');
        } catch (error) {
          log.error({ err: error }, 'observing the network failed');
        }
      } while (again);
      observing = null;
    })();
  };
  // mwan's own table, rules and routes changing under it (another tool deleting them) are repaired at once.
  const repair = new SelfRepair(() => engine, log);
  const watchFor = (e: Engine) => e.watch(onNetlink, (c) => repair.onChange(c));
  let unwatch = watchFor(engine);
  const resync = setInterval(() => {
    void engine
      .observe()
      .then(() => engine.reconcile('periodic check'))
      .catch(() => undefined);
  }, RESYNC_MS);

  let server: Awaited<ReturnType<ServeControl>> | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => {
    resolveStopped = r;
  });
  let stopping = false;

  const shutdown = async (removeState: boolean) => {
    if (stopping) return;
    stopping = true;
    service.stopping();
    unfollow();
    clearInterval(resync);
    repair.stop();
    unwatch();
    unlog();
    await engine.stop();
    unrecord();
    await history.save();
    if (removeState) {
      const plan = await engine.removeKernelState();
      log.info({ ipLines: ipLineCount(plan) }, 'removed all kernel state mwan created');
    } else {
      log.info('stopping; kernel state left in place (run `mwanctl stop` to remove it)');
    }
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    resolveStopped();
  };

  const swap = async (next: Engine) => {
    const changes = configChanges(engine.config, next.config, engine.pluginNames(), next.pluginNames());
    await engine.stop();
    // WANs whose probes did not change keep their verdict, state and `since`: a reload is not an outage.
    next.carryWanState(engine, wansKeepingHealth(engine.config, next.config));
    // The new configuration has no NFQUEUE policy in use: the old queue rules go (they would match nothing anyway).
    if (engine.keepsKernelExtras() && !next.keepsKernelExtras())
      await next.removeNfqueueRules().catch((err: unknown) => log.error({ err }, 'removing the NFQUEUE rules failed'));
    const rewatch = JSON.stringify(ownershipOf(engine.layout)) !== JSON.stringify(ownershipOf(next.layout));
    engine = next;
    unlog();
    unlog = logStateChanges(engine, log, outOfService);
    unrecord();
    unrecord = history.follow(engine);
    unfollow();
    unfollow = service.follow(engine);
    if (rewatch) {
      unwatch();
      unwatch = watchFor(engine);
    }
    await engine.start();
    await engine.observe();
    await engine.reconcile('configuration reloaded');
    log.info(
      { wans: engine.config.wans.map((w) => w.name), changes },
      `configuration reloaded: ${changes.join('; ') || 'no change'}`,
    );
  };

  /** Reloads run one at a time (a second SIGHUP waits for the first). */
  let reloading: Promise<void> = Promise.resolve();
  const reloadFile = (why: string): Promise<void> =>
    (reloading = reloading.then(async () => {
      if (stopping || !reload) return;
      let next: Engine;
      try {
        next = await reload();
      } catch (error) {
        log.error(
          { err: error, why },
          `configuration reload refused, the running configuration stays: ${describeError(error)}`,
        );
        return;
      }
      if (stopping) return;
      if (configChanges(engine.config, next.config, engine.pluginNames(), next.pluginNames()).length === 0) {
        log.info({ why }, 'configuration reloaded: no change');
        return;
      }
      service.reloading();
      try {
        await swap(next);
      } catch (error) {
        log.error({ err: error, why }, `applying the reloaded configuration failed: ${describeError(error)}`);
      }
      service.ready(engine);
    }));

  const handle = controlHandler(
    {
      engine: () => engine,
      swap,
      reload,
      nudge: () => onNetlink(),
      shutdown,
      statusExtras: () => ({ ring: history.ring, quotas: history.quotas }),
    },
    log,
  );
  server = await serve(engine.config.control.socket, handle);
  log.info(
    { socket: engine.config.control.socket, plugins: engine.pluginNames(), icmpProbes: engine.icmpBackend() },
    'mwan daemon ready',
  );
  service.ready(engine);
  return { stopped, shutdown, reload: reloadFile };
}
