// Builds an engine for the CLI: loads the config, the built-in and user plugins, and the kernel adapter.
import { loadConfig, type LoadedConfig } from '../core/config/load.ts';
import { Engine } from '../core/engine.ts';
import type { KernelAdapter } from '../core/system/kernel/adapter.ts';
import { SystemKernel } from '../core/system/kernel/system-adapter.ts';
import { checkRouteProtocol } from '../core/system/kernel/route-protocols.ts';
import type { Logger } from '../core/log.ts';
import type { MwanPlugin } from '../core/plugin/types.ts';
import { loadUserPlugins, pluginsDirOf } from '../core/plugin/user-plugins.ts';
import { builtinPlugins } from '../plugins/index.ts';

export async function buildEngine(
  configFile: string | undefined,
  log: Logger,
  kernel: KernelAdapter = new SystemKernel(),
  loaded?: LoadedConfig,
): Promise<Engine> {
  const cfg = loaded ?? (await loadConfig(configFile));
  // A protocol another routing daemon uses would make its routes and rules look like mwan's (and `stop` delete them).
  await checkRouteProtocol(cfg.config.kernel.routeProtocol);
  return Engine.create({ loaded: cfg, kernel, log, plugins: await pluginsFor(cfg) });
}

/** The built-in plugins and the user plugins of the configured plugins directory: every plugin an engine would run. */
export async function pluginsFor(loaded: LoadedConfig): Promise<MwanPlugin[]> {
  return [...builtinPlugins, ...(await loadUserPlugins(pluginsDirOf(loaded.dir, loaded.config.pluginsDir)))];
}
