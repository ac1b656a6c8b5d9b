// Finds and reads configuration files: whether a candidate exists, and its text within FILE_LIMITS.bytes (a regular file only).
import { access, open } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { FILE_LIMITS, refuse } from '../config/file-limits.ts';

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
