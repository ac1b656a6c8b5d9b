// Files of the upnp plugin: miniupnpd's lease file read with a size bound, mwan's accepted leases written atomically.
import { randomBytes } from 'node:crypto';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Most of the lease file mwan reads (a lease line is short; 256 KiB is thousands of them). */
export const MAX_LEASE_FILE = 256 * 1024;

/** The first MAX_LEASE_FILE bytes of `file` as text; '' when it does not exist. */
export async function readLeaseText(file: string, max = MAX_LEASE_FILE): Promise<string> {
  let handle;
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
    // A cut last line is not a lease.
    return bytesRead === max ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
  } finally {
    await handle.close();
  }
}

/** Replaces `file` with `content`: a new temp file (O_EXCL, mode 0600) in the same directory, then rename. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temp = path.join(
    path.dirname(file),
    `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}`,
  );
  try {
    await writeFile(temp, content, { flag: 'wx', mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
