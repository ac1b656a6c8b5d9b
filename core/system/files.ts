// The real file service of the system boundary: bounded text reads, atomic 0600 writes, directory watches, trusted executables.
import { randomBytes } from 'node:crypto';
import { constants, watch } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertTrustedFile } from './code/trusted-files.ts';

/** The files plugins read and write (the upnp lease files, event script directories); paths are the plugin's own. */
export interface FileService {
  /** The first `max` bytes of a text file, a cut last line dropped; '' when the file does not exist. */
  readTextPrefix(file: string, max: number): Promise<string>;
  /** Replaces `file` with `content`: a new temp file (O_EXCL, mode 0600) in the same directory, then rename. */
  writeAtomic(file: string, content: string): Promise<void>;
  /** Creates `file` holding `content` (mode 0600) unless it exists; an existing one is left as it is. */
  createIfMissing(file: string, content: string): Promise<void>;
  /** Creates a directory and its parents (`mode` for the ones created). */
  mkdir(dir: string, mode: number): Promise<void>;
  /** Calls `onChange` with the entry's name when something in `dir` changes; throws when it cannot watch. */
  watchDir(dir: string, onChange: (name: string | null) => void): () => void;
  /**
   * The executable regular files of `dir` (dotfiles skipped), sorted, each passing the trusted-code check for `uid`
   * (the directory too); each refusal goes to `refused`, a directory that cannot be read to `unreadable`. `what` names
   * one file in refusals (`event script`).
   */
  trustedExecutables(
    dir: string,
    o: { what: string; uid?: number; refused(file: string, error: unknown): void; unreadable(error: unknown): void },
  ): Promise<string[]>;
}

/** The first `max` bytes of `file` as text; '' when it does not exist. A cut last line is dropped. */
export async function readTextPrefix(file: string, max: number): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
  try {
    const buffer = Buffer.alloc(max);
    const { bytesRead } = await handle.read(buffer, 0, max, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    // A cut last line is not a whole record.
    return bytesRead === max ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `file` with `content`: a new temp file with a random name in the same directory (O_EXCL|O_NOFOLLOW: never
 * a planted one; mode 0600), fsync, then rename (which replaces a link rather than following it).
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}`,
  );
  try {
    const fh = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function createIfMissing(file: string, content: string): Promise<void> {
  try {
    await writeFile(file, content, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function watchDir(dir: string, onChange: (name: string | null) => void): () => void {
  const watcher = watch(dir, (_event, file) => onChange(file));
  watcher.on('error', () => undefined);
  return () => watcher.close();
}

/**
 * The executable regular files of `dir`, dotfiles skipped, sorted; the directory and each file must pass the trusted-code
 * check (when running as root, nothing someone else could have written).
 */
const trustedExecutables: FileService['trustedExecutables'] = async (dir, o) => {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') o.unreadable(error);
    return [];
  }
  if (!names.length) return [];
  try {
    await assertTrustedFile(
      dir,
      { what: `${o.what}s directory ${dir}`, code: 'MWAN_PLUGIN_UNSAFE_FILE', uid: o.uid },
      { expect: 'dir' },
    );
  } catch (error) {
    o.refused(dir, error);
    return [];
  }
  const files: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const st = await stat(file);
      if (!st.isFile() || (st.mode & 0o111) === 0) continue;
      await assertTrustedFile(file, { what: `${o.what} ${file}`, code: 'MWAN_PLUGIN_UNSAFE_FILE', uid: o.uid });
      files.push(file);
    } catch (error) {
      o.refused(file, error);
    }
  }
  return files;
};

export const systemFiles: FileService = {
  readTextPrefix,
  writeAtomic: writeFileAtomic,
  createIfMissing,
  mkdir: async (dir, mode) => {
    await mkdir(dir, { recursive: true, mode });
  },
  watchDir,
  trustedExecutables,
};
