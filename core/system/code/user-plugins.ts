// Loads user plugins (`.ts`/`.js`/`.mjs` files) from the configured plugins directory with tsx, refusing any that loads a file others could have written.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { MwanError } from '../../errors.ts';
import { importTrusted } from './trusted-code.ts';
import { assertTrustedFile } from './trusted-files.ts';
import type { MwanPlugin } from '../../../plugin-api/types.ts';

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/**
 * Throws when `file`, or a directory above it, could have been written by anyone but root (or, when `uid` is not
 * root, by anyone but root and that user): the plugin runs with the invoking user's rights.
 */
export async function assertSafeFile(file: string, uid = process.getuid?.() ?? 0): Promise<void> {
  await assertTrustedFile(file, { what: `plugin ${file}`, code: 'MWAN_PLUGIN_UNSAFE_FILE', uid });
}

/** The plugins directory: `pluginsDir` from the config (relative to the config file), or `plugins.d` beside it. */
export function pluginsDirOf(configDir: string, configured?: string): string {
  return path.resolve(configDir, configured ?? 'plugins.d');
}

/**
 * The plugin object of a loaded module: its default export or its `plugin` export. tsx may load a file as
 * CommonJS, in which case `default` is the whole exports object; a candidate must at least have a name.
 */
function pluginExport(mod: Record<string, unknown>): unknown {
  const inner = mod.default as Record<string, unknown> | undefined;
  const candidates = [mod.plugin, inner?.plugin, inner?.default, inner];
  return candidates.find((c) => c && typeof c === 'object' && 'name' in c);
}

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** Checks the shape of what a plugin file exports (a drop-in is untyped); `origin` is its file, named in errors. */
export function validatePlugin(p: unknown, origin: string): MwanPlugin {
  const fail = (why: string) => new MwanError('MWAN_PLUGIN_INVALID', `plugin from ${origin}: ${why}`);
  if (!p || typeof p !== 'object') throw fail('the module must export a plugin object (default export or `plugin`)');
  const plugin = p as MwanPlugin;
  if (typeof plugin.name !== 'string' || !NAME.test(plugin.name))
    throw fail(`name ${JSON.stringify(plugin.name)} must be lower-case letters, digits and "-"`);
  for (const key of ['setup', 'contribute', 'teardown', 'check', 'selectActive', 'kernelExtras'] as const) {
    if (plugin[key] !== undefined && typeof plugin[key] !== 'function')
      throw fail(`${key} of plugin '${plugin.name}' must be a function`);
  }
  if (plugin.options !== undefined && (!plugin.options || typeof plugin.options.parse !== 'function')) {
    throw fail(`options of plugin '${plugin.name}' must be an object with a parse(raw, config) function`);
  }
  if (plugin.configuration !== undefined)
    throw fail(
      `plugin '${plugin.name}' declares configuration sections, which only built-in plugins may: take options under plugins.${plugin.name}`,
    );
  const strategies = plugin.nfqueueStrategies;
  if (
    strategies !== undefined &&
    (!strategies || typeof strategies !== 'object' || Object.values(strategies).some((f) => typeof f !== 'function'))
  ) {
    throw fail(`nfqueueStrategies of plugin '${plugin.name}' must map strategy names to factory functions`);
  }
  if (
    plugin.dependencies !== undefined &&
    (!Array.isArray(plugin.dependencies) || plugin.dependencies.some((d) => typeof d !== 'string'))
  ) {
    throw fail(`dependencies of plugin '${plugin.name}' must be an array of plugin names`);
  }
  if (
    plugin.events !== undefined &&
    (!Array.isArray(plugin.events) || plugin.events.some((e) => typeof e !== 'string'))
  )
    throw fail(`events of plugin '${plugin.name}' must be an array of the event names it declares`);
  return plugin;
}

export async function loadUserPlugins(dir: string): Promise<MwanPlugin[]> {
  let names: string[];
  try {
    names = (await readdir(dir))
      .filter((n) => EXTENSIONS.includes(path.extname(n)) && !n.endsWith('.d.ts') && !n.startsWith('.'))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const plugins: MwanPlugin[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    let mod: Record<string, unknown>;
    try {
      // The plugin, every file it imports and every directory above them must be root's (see trusted-code.ts).
      mod = await importTrusted(file, { what: `plugin ${file}`, code: 'MWAN_PLUGIN_UNSAFE_FILE' });
    } catch (error) {
      if (error instanceof MwanError) throw error;
      throw new MwanError('MWAN_PLUGIN_INVALID', `cannot load plugin ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    plugins.push(validatePlugin(pluginExport(mod), file));
  }
  return plugins;
}
