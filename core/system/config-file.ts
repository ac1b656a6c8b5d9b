// Finds and reads the configuration (--config FILE, or a fixed list of names in /etc/mwan): data within the file limits, code through the trusted-code check; config/schema/parse.ts validates it.
import { access, open } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { defaultLoaders } from 'cosmiconfig';
import path from 'node:path';
import { MwanError } from '../errors.ts';
import { parseConfig, type LoadedConfig } from '../../config/schema/parse.ts';
import { importTrusted } from './code/trusted-code.ts';
import { trustedOwners } from './code/trusted-files.ts';
import { FILE_LIMITS, assertBoundedValue, assertJsonDepth, refuse, yamlNestingError } from './file-limits.ts';

/** Reads a regular file of at most FILE_LIMITS.bytes; returns its text and the stat of the opened file. */
export async function readBounded(file: string): Promise<{ text: string; st: Stats }> {
  const handle = await open(file, 'r');
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw refuse(file, 'it is not a regular file');
    const tooBig = () =>
      refuse(file, `it is ${(st.size / 1024 / 1024).toFixed(1)} MiB; the limit for a configuration file is 1 MiB`);
    if (st.size > FILE_LIMITS.bytes) throw tooBig();
    const buffer = Buffer.alloc(FILE_LIMITS.bytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > FILE_LIMITS.bytes) throw refuse(file, 'it is larger than 1 MiB, the limit for a configuration file');
    }
    return { text: buffer.subarray(0, length).toString('utf8'), st };
  } finally {
    await handle.close();
  }
}

/** Whether `file` exists (a candidate configuration file). */
export function fileExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

export const SYSTEM_DIR = '/etc/mwan';
/** The names looked for in SYSTEM_DIR without --config, in this order; the working directory is never searched. */
export const SEARCH_PLACES = [
  'config.yaml',
  'config.yml',
  'config.json',
  'config.ts',
  'config.js',
  'mwan.config.yaml',
  'mwan.config.yml',
  'mwan.config.json',
  'mwan.config.ts',
  'mwan.config.js',
];
/** Configurations that are code: they run as the invoking user, so every file they load must be trusted like a plugin. */
const CODE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];

/** A YAML or JSON configuration is data: it only needs an owner who could run mwanctl anyway (root, or the invoking user). */
function assertDataOwner(file: string, owner: number): void {
  const owners = trustedOwners();
  if (!owners.includes(owner)) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `refusing configuration ${file}: it is owned by uid ${owner}, not ${owners.map((u) => (u === 0 ? 'root' : `uid ${u}`)).join(' or ')}; chown root ${file}`,
    );
  }
}

async function parseData(file: string, text: string): Promise<unknown> {
  if (path.extname(file) === '.json') {
    assertJsonDepth(file, text);
    return JSON.parse(text);
  }
  try {
    return await defaultLoaders['.yaml'](file, text);
  } catch (error) {
    throw yamlNestingError(file, error) ?? error;
  }
}

/** Reads one configuration file: code through the trusted-code check and tsx, data through the size and shape limits. */
async function readConfigFile(file: string): Promise<unknown> {
  const { text, st } = await readBounded(file);
  let data: unknown;
  if (CODE_EXTENSIONS.includes(path.extname(file))) {
    const mod = (await importTrusted(file, { what: `configuration ${file}`, code: 'MWAN_CONFIG_INVALID' })) as {
      default?: { default?: unknown };
    };
    data = mod.default?.default ?? mod.default ?? mod;
  } else {
    assertDataOwner(file, st.uid);
    if (!text.trim()) throw new MwanError('MWAN_CONFIG_INVALID', `configuration file ${file} is empty`);
    data = await parseData(file, text);
  }
  if (data === undefined || data === null)
    throw new MwanError('MWAN_CONFIG_INVALID', `configuration file ${file} is empty`);
  assertBoundedValue(file, data);
  return data;
}

/** The one configuration file in SYSTEM_DIR, or a MWAN_CONFIG_NOT_FOUND error saying exactly what was looked for. */
async function searchSystemDir(dir: string): Promise<string> {
  const found: string[] = [];
  for (const name of SEARCH_PLACES) {
    const file = path.join(dir, name);
    if (await fileExists(file)) found.push(file);
  }
  if (found.length > 1) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `several configurations in ${dir} (${found.join(', ')}): keep one, or pass --config FILE`,
    );
  }
  if (!found.length) {
    throw new MwanError(
      'MWAN_CONFIG_NOT_FOUND',
      `no configuration found: pass --config FILE, or create one of ${SEARCH_PLACES.join(', ')} in ${dir} (the working directory is never searched)`,
    );
  }
  return found[0];
}

/**
 * Loads `file` (--config), or the one configuration in /etc/mwan (`systemDir` is for tests), with the sections of
 * `plugins` (see parseConfig).
 */
export async function loadConfig(
  file?: string,
  plugins: Parameters<typeof parseConfig>[2] = [],
  systemDir = SYSTEM_DIR,
): Promise<LoadedConfig> {
  const source = file ? path.resolve(file) : await searchSystemDir(systemDir);
  let data: unknown;
  try {
    data = await readConfigFile(source);
  } catch (error) {
    if (error instanceof MwanError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MwanError('MWAN_CONFIG_NOT_FOUND', `configuration file ${source} does not exist`);
    throw new MwanError('MWAN_CONFIG_INVALID', `cannot read configuration ${source}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseConfig(data, source, plugins);
}
