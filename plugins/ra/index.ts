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
} from '../../core/plugin/api.ts';
import { PLUGIN_NAME, raConfiguration } from './ra-config.ts';
import { radvdConf, raPlan } from './radvd-conf.ts';

export { advertisedLans, prefixesProblems } from './ra-config.ts';
export { radvdConf, raPlan, type AdvertisedPrefix, type RaPlan } from './radvd-conf.ts';

export interface RaPaths {
  dir: string;
  config: string;
  pid: string;
}

export function raPaths(stateDir: string): RaPaths {
  const dir = path.join(stateDir, 'ra');
  return { dir, config: path.join(dir, 'radvd.conf'), pid: path.join(dir, 'radvd.pid') };
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

  /** Writes radvd.conf when what it should say changed; true when it did. */
  const write = async (): Promise<boolean> => {
    const plan = raPlan(ctx.world());
    if (!plan) return false;
    const text = radvdConf(plan);
    if (text === written) return false;
    await files.writeAtomic(paths.config, text); // mode 0600, root's: radvd refuses a file others may write
    written = text;
    const deprecated = plan.interfaces[0]?.prefixes.filter((p) => p.preferredLifetime === 0).map((p) => p.wan) ?? [];
    log.info(
      { prefixes: plan.interfaces[0]?.prefixes.map((p) => `${p.prefix} (${p.wan})`) ?? [], deprecated },
      `RA: advertising ${plan.interfaces[0]?.prefixes.length ?? 0} prefix(es)${deprecated.length ? `, deprecated: ${deprecated.join(', ')}` : ''}`,
    );
    return true;
  };

  await files.mkdir(paths.dir, 0o700);
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
  const follow = () => {
    queue = queue
      .then(async () => {
        if ((await write()) && handle.signal?.('SIGHUP') === false)
          log.info({}, 'RA: radvd is not running; it reads the new radvd.conf when it starts');
      })
      .catch((error) => log.error({ err: error }, `RA: cannot write ${paths.config}: ${describeError(error)}`));
  };
  const off = ctx.bus.on('reconcile.done', follow, PLUGIN_NAME);
  return async () => {
    off();
    await queue;
    await handle.stop();
  };
}

const ra: MwanPlugin = {
  name: PLUGIN_NAME,
  options: NO_OPTIONS,
  /** Checks of `ipv6.mode: prefixes` (one LAN link, a prefix per WAN); the `ipv6.ra` fields are the core's ipv6 section. */
  configuration: raConfiguration,
  // The prefixes radvd advertises are routed by route-tables' `from <delegated prefix>` rules.
  dependencies: ['route-tables'],
  setup,
};

export default ra;
