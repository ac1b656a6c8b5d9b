// Builds an engine for the CLI: loads the config, the built-in and user plugins, and the kernel adapter.
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { Engine } from '../engine.ts';
import type { KernelAdapter } from '../kernel/adapter.ts';
import { SystemKernel } from '../kernel/system-adapter.ts';
import { checkRouteProtocol } from '../kernel/route-protocols.ts';
import type { Logger } from '../log.ts';
import { loadUserPlugins, pluginsDirOf } from '../plugin/user-plugins.ts';
import { builtinPlugins } from '../../plugins/index.ts';

export async function buildEngine(configFile: string | undefined, log: Logger, kernel: KernelAdapter = new SystemKernel(), loaded?: LoadedConfig): Promise<Engine> {
  const cfg = loaded ?? await loadConfig(configFile);
  // A protocol another routing daemon uses would make its routes and rules look like mwan's (and `stop` delete them).
  await checkRouteProtocol(cfg.config.kernel.routeProtocol);
  const user = await loadUserPlugins(pluginsDirOf(cfg.dir, cfg.config.pluginsDir));
  return Engine.create({ loaded: cfg, kernel, log, plugins: [...builtinPlugins, ...user] });
}
