import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { trustedOwners } from './code/trusted-files.ts';
import { writeFileAtomic } from './files.ts';
import { checkStateDir } from './state-dir.ts';

/** Record files in the state directory, by name (`history.json`). */
export interface PrivateFiles {
  /** The file's text; null when it does not exist or is refused (a link, not a regular file, someone else's, readable or writable by others, too large: each logged once). */
  read(name: string): Promise<string | null>;
  /** Replaces the file: a new 0600 file (O_EXCL|O_NOFOLLOW), fsync, rename. Throws naming the file. */
  write(name: string, text: string): Promise<void>;
}

/** A record file larger than this is not mwan's (the history ring stays well under it). */
export const PRIVATE_FILE_MAX_BYTES = 4 << 20;
const NAME = /^[a-z][a-z0-9-]{0,40}\.json$/;
const { O_RDONLY, O_NOFOLLOW } = constants;

function fileOf(dir: string, name: string): string {
  if (!NAME.test(name)) throw new Error(`bad state file name ${JSON.stringify(name)}`);
  return path.join(dir, name);
}

/** Why the file at `file` (opened without following links) is refused, or null. */
function refusal(file: string, st: { uid: number; mode: number; size: number; isFile(): boolean }): string | null {
  if (!st.isFile()) return `${file} is not a regular file`;
  if (!trustedOwners(process.geteuid?.() ?? 0).includes(st.uid)) return `${file} is owned by uid ${st.uid}, not root`;
  if ((st.mode & 0o077) !== 0) return `${file} has mode 0${(st.mode & 0o777).toString(8)}; mwan writes it 0600`;
  if (st.size > PRIVATE_FILE_MAX_BYTES) return `${file} is larger than ${PRIVATE_FILE_MAX_BYTES} bytes`;
  return null;
}

export function privateFiles(dir: string, warn: (message: string) => void): PrivateFiles {
  const warned = new Set<string>();
  const warnOnce = (m: string) => {
    if (!warned.has(m)) warn(m);
    warned.add(m);
  };
  return {
    async read(name) {
      const file = fileOf(dir, name);
      if (!checkStateDir(dir)) return null;
      let fh: Awaited<ReturnType<typeof open>>;
      try {
        fh = await open(file, O_RDONLY | O_NOFOLLOW);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return null;
        warnOnce(
          code === 'ELOOP'
            ? `ignoring ${file}: it is a symbolic link (remove it)`
            : `ignoring ${file}: ${(error as Error).message}`,
        );
        return null;
      }
      try {
        const why = refusal(file, await fh.stat());
        if (why) {
          warnOnce(`ignoring ${why}; remove it or let mwan replace it`);
          return null;
        }
        return await fh.readFile('utf8');
      } finally {
        await fh.close();
      }
    },
    async write(name, text) {
      const file = fileOf(dir, name);
      checkStateDir(dir, { create: true });
      await writeFileAtomic(file, text).catch((error: Error) => {
        throw new Error(`cannot write ${file}: ${error.message}`, { cause: error });
      });
    },
  };
}

/** In memory (tests), with the same name check. */
export function memoryPrivateFiles(store: Map<string, string>, dir: string): PrivateFiles {
  return {
    read: async (name) => store.get(fileOf(dir, name)) ?? null,
    write: async (name, text) => {
      store.set(fileOf(dir, name), text);
    },
  };
}
