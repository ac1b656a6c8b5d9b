// Writes a generated configuration (init, import-balance --output): never over an existing file without --force, never into a directory others can write.
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

/** Refuses a directory that is not one, or that its group or others may write. */
async function checkDirectory(dir: string): Promise<void> {
  const st = await stat(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (st.mode & 0o022) {
    throw new Error(
      `refusing to write into ${dir}: its group or others may write it (mode ${(st.mode & 0o7777).toString(8)}), so they could swap the file before mwan reads it; choose another --output or chmod go-w ${dir}`,
    );
  }
}

/**
 * Writes `text` to `file` (mode 0640). Without `force` an existing file (or link) is refused and left as it is; with
 * it, the file is replaced by a rename (a link there is replaced, not followed). A missing last directory is created.
 */
export async function writeConfigFile(file: string, text: string, force: boolean): Promise<void> {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  if (
    !(await stat(dir).then(
      () => true,
      () => false,
    ))
  ) {
    await checkDirectory(path.dirname(dir));
    await mkdir(dir, { mode: 0o755 });
  }
  await checkDirectory(dir);
  const exists = await lstat(target).then(
    () => true,
    () => false,
  );
  if (exists && !force) throw new Error(`${target} exists; not overwriting it (pass --force to replace it)`);
  const tmp = exists ? `${target}.${randomBytes(6).toString('hex')}.tmp` : target;
  const fh = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o640).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') throw new Error(`${target} exists; not overwriting it (pass --force to replace it)`);
    throw error;
  });
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  if (tmp !== target)
    await rename(tmp, target).catch(async (error: unknown) => {
      await unlink(tmp).catch(() => undefined);
      throw error;
    });
}
