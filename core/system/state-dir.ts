// Trusts the state directory only when it is safe: it and every directory above it owned by root and writable by no one else.
import { lstatSync, mkdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/** The state directory (or a directory above it) could be changed by someone other than root. */
export class UnsafeStateDirError extends Error {}

const STICKY = 0o1000;
const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

/** Owners trusted besides root: the process's own user (the same trust as root for a root process; lets tests run unprivileged). */
const trustedOwner = (uid: number) => uid === 0 || uid === process.geteuid?.();

/**
 * Why `dir` may not be trusted, or null. `parent` marks a directory above the state directory: a root-owned sticky
 * directory such as /tmp is accepted there (others may create entries in it but never rename or remove root's).
 */
function problemOf(dir: string, st: Stats, parent: boolean): string | null {
  if (!st.isDirectory()) return `${dir} is not a directory`;
  const loose = (st.mode & 0o022) !== 0;
  if (!trustedOwner(st.uid))
    return `${dir} is owned by uid ${st.uid} (mode ${octal(st.mode)}); it must be owned by root: chown root:root ${dir}`;
  if (loose && !(parent && st.uid === 0 && (st.mode & STICKY) !== 0)) {
    return `${dir} is writable by group or others (owner uid ${st.uid}, mode ${octal(st.mode)}): chmod go-w ${dir}`;
  }
  return null;
}

/** The directories from `dir` up to `/`, `dir` first. */
function chain(dir: string): string[] {
  const out: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    out.push(d);
    if (path.dirname(d) === d) return out;
  }
}

function check(dir: string, stateDir: string, selfIsParent = false): void {
  const real = realpathSync(dir);
  // The path as written (a symlinked entry can be swapped by whoever may write its directory) and where it leads.
  for (const list of [chain(dir), chain(real)]) {
    list.forEach((d, i) => {
      const problem = problemOf(d, statSync(d), selfIsParent || i > 0);
      if (problem) throw new UnsafeStateDirError(`refusing state directory ${stateDir}: ${problem}`);
    });
  }
}

/**
 * Throws UnsafeStateDirError unless `dir` (the state directory) and every directory above it are safe; with `create`,
 * makes a missing `dir` (root-owned, mode 0755) once its existing parents passed the check. Returns whether it exists.
 */
export function checkStateDir(dir: string, opts: { create?: boolean } = {}): boolean {
  const abs = path.resolve(dir);
  let existing = abs;
  while (!exists(existing)) existing = path.dirname(existing);
  if (existing !== abs) {
    check(existing, abs, true);
    if (!opts.create) return false;
    mkdirSync(abs, { recursive: true, mode: 0o755 });
  }
  check(abs, abs);
  return true;
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
