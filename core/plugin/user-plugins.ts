// Loads user plugins (`.ts`/`.js` files) from the configured plugins directory with tsx, refusing files others could have written.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MwanError } from '../errors.ts';
import { validatePlugin } from './host.ts';
import type { MwanPlugin } from './types.ts';

const EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];

/** Throws when `file` could have been written by anyone but root (only enforced when running as root). */
export async function assertSafeFile(file: string, uid = process.getuid?.() ?? -1): Promise<void> {
  if (uid !== 0) return;
  const st = await stat(file);
  if (st.uid !== 0) throw new MwanError('MWAN_PLUGIN_UNSAFE_FILE', `refusing plugin ${file}: it is owned by uid ${st.uid}, not root; a plugin runs as root, so only root may own it (chown root ${file})`);
  if ((st.mode & 0o022) !== 0) throw new MwanError('MWAN_PLUGIN_UNSAFE_FILE', `refusing plugin ${file}: it is writable by group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod go-w ${file}`);
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

export async function loadUserPlugins(dir: string): Promise<MwanPlugin[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => EXTENSIONS.includes(path.extname(n)) && !n.endsWith('.d.ts') && !n.startsWith('.')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  if (names.length) await assertSafeFile(dir);
  const plugins: MwanPlugin[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    await assertSafeFile(file);
    let mod: Record<string, unknown>;
    try {
      const { tsImport } = await import('tsx/esm/api'); // loaded only when there are user plugins
      mod = await tsImport(pathToFileURL(file).href, import.meta.url);
    } catch (error) {
      throw new MwanError('MWAN_PLUGIN_INVALID', `cannot load plugin ${file}: ${(error as Error).message}`, { cause: error });
    }
    plugins.push(validatePlugin(pluginExport(mod), file));
  }
  return plugins;
}
