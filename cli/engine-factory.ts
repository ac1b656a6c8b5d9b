// Builds an engine for the CLI: loads the config, the built-in and user plugins, and the system (real, dry-run or memory) it acts through.
import type { LoadedConfig } from '../config/schema/parse.ts';
import { loadConfig } from './config.ts';
import { Engine } from '../core/engine.ts';
import type { System } from '../core/system/system.ts';
import { realSystem } from '../core/system/real.ts';
import { checkRouteProtocol } from '../core/system/kernel/route-protocols.ts';
import type { Logger } from '../core/log.ts';
import type { MwanPlugin } from '../plugin-api/types.ts';
import { loadUserPlugins, pluginsDirOf } from '../core/system/code/user-plugins.ts';
import { builtinPlugins } from '../plugins/index.ts';
import { configUsesIpv6 } from '../core/system/kernel/ipv6-reads.ts';

export async function buildEngine(
  configFile: string | undefined,
  log: Logger,
  system: System = realSystem(),
  loaded?: LoadedConfig,
): Promise<Engine> {
  const cfg = loaded ?? (await loadConfig(configFile));
  // A protocol another routing daemon uses would make its routes and rules look like mwan's (and `stop` delete them).
  await checkRouteProtocol(cfg.config.kernel.routeProtocol);
  // No IPv6 anywhere in the configuration: kernel snapshots skip `ip -6` once mwan is seen to hold no IPv6 state.
  system.kernel.useIpv6?.(configUsesIpv6(cfg.config));
  return Engine.create({ loaded: cfg, system, log, plugins: await pluginsFor(cfg) });
}

/**
 * Runs a one-shot command's work with the plugins set up as the daemon sets them up (a drop-in plugin whose state
 * comes from its setup contributes to `plan` and `apply` too), and tears them down after, whatever happens.
 * Give the engine a dry-run or oneShotSystem(): their probes, helpers and scripts are idle.
 */
export async function withPlugins<T>(engine: Engine, work: () => Promise<T>): Promise<T> {
  await engine.start();
  try {
    return await work();
  } finally {
    await engine.stop();
  }
}

/** The built-in plugins and the user plugins of the configured plugins directory: every plugin an engine would run. */
export async function pluginsFor(loaded: LoadedConfig): Promise<MwanPlugin[]> {
  return [...builtinPlugins, ...(await loadUserPlugins(pluginsDirOf(loaded.dir, loaded.config.pluginsDir)))];
}
