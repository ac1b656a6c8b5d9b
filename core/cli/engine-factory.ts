// Builds an engine for the CLI: loads the config, the built-in and user plugins, and the kernel adapter.
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { Engine } from '../engine.ts';
import type { KernelAdapter } from '../kernel/adapter.ts';
import { SystemKernel } from '../kernel/system-adapter.ts';
import { checkRouteProtocol } from '../kernel/route-protocols.ts';
import type { Logger } from '../log.ts';
import type { MwanPlugin } from '../plugin/types.ts';
import { loadUserPlugins, pluginsDirOf } from '../plugin/user-plugins.ts';
import { builtinPlugins } from '../../plugins/index.ts';

export async function buildEngine(configFile: string | undefined, log: Logger, kernel: KernelAdapter = new SystemKernel(), loaded?: LoadedConfig): Promise<Engine> {
  const cfg = loaded ?? await loadConfig(configFile);
  // A protocol another routing daemon uses would make its routes and rules look like mwan's (and `stop` delete them).
  await checkRouteProtocol(cfg.config.kernel.routeProtocol);
  return Engine.create({ loaded: cfg, kernel, log, plugins: await pluginsFor(cfg) });
}

/** The built-in plugins and the user plugins of the configured plugins directory: every plugin an engine would run. */
export async function pluginsFor(loaded: LoadedConfig): Promise<MwanPlugin[]> {
  return [...builtinPlugins, ...await loadUserPlugins(pluginsDirOf(loaded.dir, loaded.config.pluginsDir))];
}
