// The last good configuration, kept in the state directory, so status, wan, stop and events still work when the file breaks.
import { randomBytes } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { defaultLoaders } from 'cosmiconfig';
import { loadConfig, parseConfig } from './config.ts';
import type { LoadedConfig } from '../config/schema/parse.ts';
import { SEARCH_PLACES, SYSTEM_DIR, readBounded } from '../core/system/config-file.ts';
import { MwanError, describeError } from '../core/errors.ts';
import { trustedOwners } from '../core/system/code/trusted-files.ts';
import { checkStateDir } from '../core/system/state-dir.ts';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
const FILE = 'last-config.json';
const MAX_BYTES = 2 << 20;
const DEFAULTS = { stateDir: '/run/mwan', socket: '/run/mwan/mwan.sock' };

/** Where to reach the daemon and what it last ran; `loaded` is the configuration file's, or else the last good one. */
export interface ControlTarget {
  socket: string;
  stateDir: string;
  loaded?: LoadedConfig;
  configError?: MwanError;
}

/**
 * Records `loaded` (validated, defaults filled in: it parses again to the same configuration) as the last good one.
 * Best effort: a failure is a warning, never a failed start or apply.
 */
export async function recordLastConfig(
  loaded: LoadedConfig,
  warn: (m: string) => void = (m) => {
    process.stderr.write(`mwan: warning: ${m}\n`);
  },
): Promise<void> {
  const dir = loaded.config.stateDir;
  const file = path.join(dir, FILE);
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    checkStateDir(dir, { create: true });
    const fh = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      await fh.writeFile(`${JSON.stringify({ source: loaded.source, config: loaded.config })}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    warn(`cannot record the last good configuration in ${file}: ${describeError(error)}`);
  }
}

/** The last good configuration recorded in `stateDir`, or undefined (none, unsafe directory, unreadable record). */
export async function readLastConfig(stateDir: string): Promise<LoadedConfig | undefined> {
  try {
    if (!checkStateDir(stateDir)) return undefined;
    const fh = await open(path.join(stateDir, FILE), O_RDONLY | O_NOFOLLOW);
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.size > MAX_BYTES) return undefined;
      const { source, config } = JSON.parse(await fh.readFile('utf8')) as { source: string; config: unknown };
      return typeof source === 'string' ? parseConfig(config, source) : undefined;
    } finally {
      await fh.close();
    }
  } catch {
    return undefined;
  }
}

/**
 * The state directory and socket a broken configuration file still names (a YAML or JSON file by a trusted owner
 * that parses, with those fields as absolute paths); else the defaults. Code configurations are not run for this.
 */
async function salvagePaths(file: string | undefined): Promise<{ stateDir: string; socket: string }> {
  const out = { ...DEFAULTS };
  try {
    const source = file
      ? path.resolve(file)
      : SEARCH_PLACES.map((n) => path.join(SYSTEM_DIR, n)).find((f) => existsSync(f));
    if (!source || !/\.(ya?ml|json)$/.test(source)) return out;
    const { text, st } = await readBounded(source);
    if (!trustedOwners().includes(st.uid)) return out;
    const data = (source.endsWith('.json') ? JSON.parse(text) : await defaultLoaders['.yaml'](source, text)) as {
      stateDir?: unknown;
      control?: { socket?: unknown };
    } | null;
    if (typeof data?.stateDir === 'string' && data.stateDir.startsWith('/')) out.stateDir = data.stateDir;
    const socket = data?.control?.socket;
    if (typeof socket === 'string' && socket.startsWith('/')) out.socket = socket;
  } catch {
    // unreadable or not even YAML: the defaults
  }
  return out;
}

/**
 * The configuration file, or when it is broken: a warning on stderr naming its error, and the daemon's socket and the
 * last good configuration found through what the file still says (or the defaults).
 */
export async function controlTarget(file: string | undefined): Promise<ControlTarget> {
  try {
    const loaded = await loadConfig(file);
    return { socket: loaded.config.control.socket, stateDir: loaded.config.stateDir, loaded };
  } catch (error) {
    if (!(error instanceof MwanError && error.code.startsWith('MWAN_CONFIG'))) throw error;
    const paths = await salvagePaths(file);
    const last = await readLastConfig(paths.stateDir);
    process.stderr.write(`mwanctl: warning: ${error.message.replace(/:\n/, ': ').replace(/\n/g, '; ')}\n`);
    process.stderr.write(
      `mwanctl: warning: using ${last ? `the last good configuration (of ${last.source}, recorded in ${paths.stateDir})` : 'the running daemon only'}\n`,
    );
    return {
      socket: last?.config.control.socket ?? paths.socket,
      stateDir: paths.stateDir,
      loaded: last,
      configError: error,
    };
  }
}
