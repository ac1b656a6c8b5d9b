// Built-in plugin: router advertisements in `ipv6.mode: prefixes` through a supervised radvd, deprecating out-of-service WANs' prefixes.
import path from 'node:path';
import {
  NO_OPTIONS,
  RA_DEFAULTS,
  describeError,
  type MwanPlugin,
  type PluginContext,
  type ProcessSpec,
  type RaConfig,
} from '../../plugin-api/index.ts';
import { PLUGIN_NAME, raConfiguration } from './ra-config.ts';
import { radvdConf, raPlan, type RaPlan } from './radvd-conf.ts';
import { loadMemory, memoryText, saveMemory } from './memory.ts';
import { sameRoutes, setStaleRoutes, staleSourceRules } from './stale-routes.ts';
import {
  EMPTY_MEMORY,
  STALE_TICK_MS,
  currentPrefixes,
  nextExpiry,
  nextMemory,
  withStale,
  type RaMemory,
} from './stale.ts';

export { prefixesProblems } from './ra-config.ts';
export { radvdConf, raPlan, type AdvertisedPrefix, type RaPlan } from './radvd-conf.ts';

export interface RaPaths {
  dir: string;
  config: string;
  pid: string;
  /** What was advertised and the stale /64s (plugins/ra/memory.ts). */
  memory: string;
}

export function raPaths(stateDir: string): RaPaths {
  const dir = path.join(stateDir, 'ra');
  return {
    dir,
    config: path.join(dir, 'radvd.conf'),
    pid: path.join(dir, 'radvd.pid'),
    memory: path.join(dir, 'prefixes.json'),
  };
}

/** One line per LAN: its prefixes, the deprecated and the stale ones named. */
function planSummary(plan: RaPlan): string {
  return plan.interfaces
    .map((i) => {
      const out = i.prefixes.filter((p) => p.preferredLifetime === 0 && !p.stale).map((p) => p.wan);
      const stale = i.prefixes.filter((p) => p.stale).map((p) => p.prefix);
      return `${i.device}: ${i.prefixes.length - stale.length} prefix(es)${out.length ? `, deprecated: ${out.join(', ')}` : ''}${stale.length ? `, stale: ${stale.join(', ')}` : ''}`;
    })
    .join('; ');
}

/** radvd in the foreground, logging to stderr (the supervisor passes its lines to mwan's log), with its own pid file. */
export function radvdSpec(ra: RaConfig, paths: RaPaths): ProcessSpec {
  return {
    name: 'radvd',
    argv: [ra.binary, '--nodaemon', '--logmethod', 'stderr', '--config', paths.config, '--pidfile', paths.pid],
    // radvd's final RAs (router lifetime 0, prefixes deprecated) go out on SIGTERM: give it time to send them.
    stopGraceMs: 3000,
  };
}

/** radvd's stderr: `[date] radvd (pid): text`; warnings and errors are kept at their level. */
function logLevel(line: string): 'info' | 'warn' | 'error' {
  if (/\berror\b|exiting/i.test(line)) return 'error';
  if (/\bwarning\b/i.test(line)) return 'warn';
  return 'info';
}

async function setup(ctx: PluginContext) {
  const v6 = ctx.config.ipv6;
  const ra = v6?.ra ?? RA_DEFAULTS;
  if (v6?.mode !== 'prefixes' || ra.daemon === 'none') return undefined;
  const { supervise, files } = ctx.system;
  if (!supervise) throw new Error('the system boundary offers no process supervisor (system.supervise)');
  if (!files) throw new Error('the system boundary offers no file service (system.files)');
  const paths = raPaths(ctx.config.stateDir);
  const log = ctx.log;
  let written: string | undefined;
  await files.mkdir(paths.dir, 0o700);
  const loaded = await loadMemory(files, paths.memory, Date.now()).catch((error) => {
    log.warn({ err: error }, `RA: cannot read ${paths.memory}: ${describeError(error)}; no stale prefixes known`);
    return { memory: EMPTY_MEMORY, dropped: 0 };
  });
  if (loaded.dropped) log.warn({ dropped: loaded.dropped }, `RA: ${paths.memory}: ${loaded.dropped} entries ignored`);
  let memory: RaMemory = loaded.memory;
  setStaleRoutes(ctx.config.stateDir, memory.stale);
  let savedMemory = memoryText(memory);
  let observed = false; // until the first reconcile, auto prefixes are unknown: nothing may turn stale yet
  let expiry: ReturnType<typeof setTimeout> | undefined;
  let follow = () => {};

  /** Keeps the memory on disk before radvd is told (a restarted daemon then still knows the stale /64s). */
  const remember = async (next: RaMemory, now: number) => {
    for (const s of next.stale)
      if (!memory.stale.some((m) => m.device === s.device && m.prefix === s.prefix))
        log.info(
          { prefix: s.prefix, device: s.device, wan: s.wan, until: new Date(s.expiresAt).toISOString() },
          `RA: ${s.prefix} (${s.wan}) is no longer delegated: advertised on ${s.device} deprecated for ${Math.round((s.expiresAt - now) / 1000)} s more`,
        );
    const routesChanged = !sameRoutes(memory.stale, next.stale);
    memory = next;
    setStaleRoutes(ctx.config.stateDir, next.stale);
    // The stale /64s' source rules (stale-routes.ts) follow at the next reconcile.
    if (routesChanged) ctx.requestReconcile('stale IPv6 prefixes changed');
    const text = memoryText(next);
    if (text !== savedMemory) await saveMemory(files, paths.memory, next);
    savedMemory = text;
    // While stale /64s are advertised: a rewrite every tick (their valid lifetime counts down) and one as the first expires.
    if (expiry) clearTimeout(expiry);
    const at = nextExpiry(next);
    const wait = at === undefined ? undefined : Math.min(STALE_TICK_MS, Math.max(0, at - Date.now()) + 1000);
    expiry = wait === undefined ? undefined : setTimeout(() => follow(), wait);
    expiry?.unref?.();
  };

  /** Writes radvd.conf when what it should say changed; true when it did. */
  const write = async (): Promise<boolean> => {
    const base = raPlan(ctx.world());
    if (!base) return false;
    const now = Date.now();
    if (observed) await remember(nextMemory(memory, currentPrefixes(base), now), now);
    const stale = memory.stale.filter((s) => s.expiresAt > now);
    // A stale /64's countdown changes the file once a tick, not at every reconcile.
    const tick = stale.length ? Math.floor(now / STALE_TICK_MS) : 0;
    const key = JSON.stringify({ base, stale, tick });
    if (key === written) return false;
    const plan = withStale(base, stale, now);
    await files.writeAtomic(paths.config, radvdConf(plan)); // mode 0600, root's: radvd refuses a file others may write
    written = key;
    log.info({ interfaces: plan.interfaces }, `RA: advertising ${planSummary(plan)}`);
    return true;
  };

  await write();
  const handle = supervise(radvdSpec(ra, paths), {
    line: (l) => log[logLevel(l)]({ daemon: 'radvd' }, `radvd: ${l.replace(/^\[[^\]]*\]\s*radvd\s*\(\d+\):\s*/, '')}`),
    exited: (e) => {
      if (e.restartInMs !== null) log.warn({ ...e }, `RA: radvd ended; restarting in ${e.restartInMs} ms`);
    },
    problem: (m) => log.warn({}, `RA: ${m}`),
  });
  // radvd re-reads the file on SIGHUP and advertises at once; a radvd (re)starting reads the current file anyway.
  let queue: Promise<void> = Promise.resolve();
  follow = () => {
    queue = queue
      .then(async () => {
        if ((await write()) && handle.signal?.('SIGHUP') === false)
          log.info({}, 'RA: radvd is not running; it reads the new radvd.conf when it starts');
      })
      .catch((error) => log.error({ err: error }, `RA: cannot write ${paths.dir}: ${describeError(error)}`));
  };
  const off = ctx.bus.on(
    'reconcile.done',
    () => {
      observed = true;
      follow();
    },
    PLUGIN_NAME,
  );
  return async () => {
    off();
    if (expiry) clearTimeout(expiry);
    await queue;
    setStaleRoutes(ctx.config.stateDir, undefined);
    await handle.stop();
  };
}

const ra: MwanPlugin = {
  name: PLUGIN_NAME,
  options: NO_OPTIONS,
  /** Checks of `ipv6.mode: prefixes` (each LAN its own /64 of every WAN, a prefix per WAN); the `ipv6.ra` fields are the core's ipv6 section. */
  configuration: raConfiguration,
  // The prefixes radvd advertises are routed by route-tables' `from <delegated prefix>` rules.
  dependencies: ['route-tables'],
  setup,
  // A renumbered /64's deprecated addresses still leave by their own WAN (route-tables covers the current prefixes).
  contribute: staleSourceRules,
};

export default ra;
