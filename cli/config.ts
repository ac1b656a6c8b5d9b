// The configuration as mwanctl reads it: the core's fields and the sections the built-in plugins own (forwards, firewall, policies, rules, …).
import { parseConfig as parseWith, type LoadedConfig } from '../config/schema/parse.ts';
import { configSchemaWith } from '../config/schema/schema.ts';
import { loadConfig as loadWith } from '../core/system/config-file.ts';
import { builtinPlugins } from '../plugins/index.ts';

/** The whole schema (`mwanctl schema`, the man page, the docs test walk it). */
export const configSchema = configSchemaWith(builtinPlugins.flatMap((p) => (p.configuration ? [p.configuration] : [])));

/** Validates a configuration already read or built in code (see config/schema/parse.ts). */
export function parseConfig(data: unknown, source?: string): LoadedConfig {
  return parseWith(data, source, builtinPlugins);
}

/** Loads `file` (--config), or the one configuration in /etc/mwan (see core/system/config-file.ts). */
export function loadConfig(file?: string, systemDir?: string): Promise<LoadedConfig> {
  return loadWith(file, builtinPlugins, systemDir);
}
