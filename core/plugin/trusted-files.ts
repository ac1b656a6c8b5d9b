// Decides whether a file may be run as code: it, every symlink on its way and every directory above it up to / are writable only by root (or the invoking user).
import { lstat, readlink } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { MwanError, type MwanErrorCode } from '../errors.ts';

const STICKY = 0o1000;
const MAX_SYMLINKS = 40;
const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(3, '0');

/** Who may own trusted code: root, and the invoking user when that is not root (their code runs as them). */
export function trustedOwners(uid = process.getuid?.() ?? 0): number[] {
  return uid === 0 ? [0] : [0, uid];
}

const ownerText = (uid: number) => (uid === 0 ? 'root' : `uid ${uid}`);

/** What is being refused and why, for the error text: `plugin /etc/mwan/plugins.d/x.ts`. */
export interface Refusal {
  what: string;
  code: MwanErrorCode;
  uid?: number;
}

/** Remembers directories already found safe, so checking many files under one tree stats each directory once. */
export type CheckedDirs = Set<string>;

/**
 * Why the entry `p` cannot be trusted, or null. `role` says where it is on the way to the file: the file itself, a
 * directory above it, or a symlink. A root-owned directory with the sticky bit (like /tmp) may be writable by
 * others: they can add entries to it but never replace or rename root's.
 */
function problemOf(
  p: string,
  st: Stats,
  role: 'file' | 'dir' | 'symlink',
  owners: number[],
  subject: string,
): string | null {
  const mode = `mode ${octal(st.mode)}`;
  const owned = `owned by ${ownerText(st.uid)}, not ${owners.map(ownerText).join(' or ')} (${mode})`;
  const who =
    role === 'file'
      ? `${subject} is`
      : role === 'dir'
        ? `the directory ${p} above ${subject} is`
        : `the symlink ${p} on the way to ${subject} is`;
  const fix = `code that runs as ${ownerText(owners.at(-1)!)} must be writable by no one else: chown root ${p}`;
  if (!owners.includes(st.uid)) return `${who} ${owned}; ${fix}`;
  if (role === 'symlink') return null;
  if (role === 'file' && !st.isFile()) return `${who} not a regular file (${mode})`;
  if ((st.mode & 0o022) === 0) return null;
  if (role === 'dir' && st.uid === 0 && (st.mode & STICKY) !== 0) return null;
  const sticky =
    role === 'dir'
      ? ' and has no sticky bit (only a root-owned sticky directory such as /tmp may be writable by others)'
      : '';
  return `${who} writable by group or others (owner ${ownerText(st.uid)}, ${mode})${sticky}; run chmod go-w ${p}`;
}

/**
 * Walks `file` from / the way the kernel resolves it, checking every directory entered, every symlink followed and
 * the file itself. Throws a coded MwanError naming the culprit, its owner and mode and the fix; returns the real path.
 * `subject` names the file in the message ("it", or "the file X it imports").
 */
export async function assertTrustedFile(
  file: string,
  refusal: Refusal,
  opts: { subject?: string; checked?: CheckedDirs; expect?: 'file' | 'dir' } = {},
): Promise<string> {
  const owners = trustedOwners(refusal.uid);
  const checked = opts.checked ?? new Set<string>();
  const subject = opts.subject ?? 'it';
  const refuse = (problem: string) => new MwanError(refusal.code, `refusing ${refusal.what}: ${problem}`);
  const checkDir = async (dir: string) => {
    if (checked.has(dir)) return;
    const st = await lstat(dir);
    if (!st.isDirectory()) throw refuse(`${dir} on its way is not a directory`);
    const problem = problemOf(dir, st, 'dir', owners, subject);
    if (problem) throw refuse(problem);
    checked.add(dir);
  };

  const pending = path.resolve(file).split('/').filter(Boolean);
  let current = '/';
  let hops = 0;
  await checkDir(current);
  while (pending.length) {
    const name = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, name);
    const st = await lstat(next).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? refuse(`${next} does not exist`) : error;
    });
    if (st.isSymbolicLink()) {
      if (++hops > MAX_SYMLINKS) throw refuse(`too many symlinks on its way (${next})`);
      const problem = problemOf(next, st, 'symlink', owners, subject);
      if (problem) throw refuse(problem);
      const target = await readlink(next);
      if (path.isAbsolute(target)) current = '/';
      pending.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    if (pending.length === 0 && opts.expect !== 'dir') {
      const problem = problemOf(next, st, 'file', owners, subject);
      if (problem) throw refuse(problem);
    } else {
      await checkDir(next);
    }
    current = next;
  }
  return current;
}
