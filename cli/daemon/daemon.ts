// The daemon: sets up plugins, watches netlink, reconciles on every change, and serves the control socket.
import type net from 'node:net';
import { startControlServer } from '../control/server.ts';
import { controlHandler } from './daemon-control.ts';
import type { Engine } from '../../core/engine.ts';
import type { LinkHint } from '../../core/system/kernel/adapter.ts';
import { icmpBackend } from '../../core/system/probes/index.ts';
import type { Logger } from '../../core/log.ts';
import { ownershipOf } from '../../core/reconcile/reconciler.ts';
import { SelfRepair } from './self-repair.ts';

export interface DaemonHandle {
  stopped: Promise<void>;
  shutdown(removeState: boolean): Promise<void>;
}

/**
 * How often the kernel state is re-checked without any event: repairs what no notification reports (a sysctl, set
 * elements, a repair the rate limiter held back); a no-op when nothing changed. Deleted tables, rules and routes are
 * repaired at once (see ./self-repair.ts).
 */
const RESYNC_MS = 30_000;
/** Pause before the full read that follows netlink notifications. */
const OBSERVE_SETTLE_MS = 15;

export async function runDaemon(initial: Engine, log: Logger, reload?: () => Promise<Engine>): Promise<DaemonHandle> {
  let engine = initial;
  await engine.start();
  await engine.observe();
  await engine.reconcile('daemon start');

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

  let server: net.Server | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => {
    resolveStopped = r;
  });
  let stopping = false;

  const shutdown = async (removeState: boolean) => {
    if (stopping) return;
    stopping = true;
    clearInterval(resync);
    repair.stop();
    unwatch();
    await engine.stop();
    if (removeState) {
      const plan = await engine.removeKernelState();
      log.info({ ipLines: plan.ip.length }, 'removed all kernel state mwan created');
    } else {
      log.info('stopping; kernel state left in place (run `mwanctl stop` to remove it)');
    }
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    resolveStopped();
  };

  const swap = async (next: Engine) => {
    await engine.stop();
    // The new configuration has no NFQUEUE policy in use: the old queue rules go (they would match nothing anyway).
    if (engine.usesNfqueue() && !next.usesNfqueue())
      await next.removeNfqueueRules().catch((err: unknown) => log.error({ err }, 'removing the NFQUEUE rules failed'));
    const rewatch = JSON.stringify(ownershipOf(engine.layout)) !== JSON.stringify(ownershipOf(next.layout));
    engine = next;
    if (rewatch) {
      unwatch();
      unwatch = watchFor(engine);
    }
    await engine.start();
    await engine.observe();
    await engine.reconcile('configuration reloaded');
    log.info({ wans: engine.config.wans.map((w) => w.name) }, 'configuration reloaded');
  };

  const handle = controlHandler({ engine: () => engine, swap, reload, nudge: () => onNetlink(), shutdown }, log);
  server = await startControlServer(engine.config.control.socket, handle);
  log.info(
    { socket: engine.config.control.socket, plugins: engine.pluginNames(), icmpProbes: icmpBackend() },
    'mwan daemon ready',
  );
  return { stopped, shutdown };
}
