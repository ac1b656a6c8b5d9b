// One mwan at a time per state directory: an advisory flock on <stateDir>/mwan.lock, held by the daemon for its whole life.
import { spawnSync } from 'node:child_process';
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { checkStateDir } from '../../core/system/state-dir.ts';

/** Another mwan process holds the lock; `pid` and `role` as it wrote them (null when unknown). */
export class LockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly pid: number | null,
    readonly role: string | null,
  ) {
    super(`${file} is locked by ${describeHolder(pid, role)}`);
  }
}

export interface HeldLock {
  readonly file: string;
  /** Closes the file: the lock is gone (a killed process loses it the same way). */
  release(): void;
}

/** flock(1)'s exit status when the lock is taken (-E). */
const BUSY = 75;

export const lockFileOf = (stateDir: string) => path.join(stateDir, 'mwan.lock');

export function describeHolder(pid: number | null, role: string | null): string {
  return `${role ?? 'another mwan process'}${pid ? ` (pid ${pid})` : ' (pid unknown)'}`;
}

/**
 * Takes the lock without waiting, or throws LockHeldError. Node has no flock(2): the open file is handed to
 * `flock -n <fd>` (util-linux), which locks the shared open file description and exits. The lock then belongs to
 * this process's descriptor (opened O_CLOEXEC, so no child inherits it) and ends when the process does, even on
 * `kill -9`; no helper process stays behind. `role` (e.g. `mwanctl daemon`) is written into the file with the pid.
 */
export function acquireLock(stateDir: string, role: string): HeldLock {
  checkStateDir(stateDir, { create: true });
  const file = lockFileOf(stateDir);
  const fd = openLockFile(file);
  try {
    const r = spawnSync('flock', ['--nonblock', '--conflict-exit-code', String(BUSY), '3'], {
      stdio: ['ignore', 'ignore', 'pipe', fd],
    });
    if (r.status === BUSY) {
      const { pid, role: holder } = readHolder(file);
      throw new LockHeldError(file, pid, holder);
    }
    if (r.status !== 0)
      throw new Error(
        `cannot lock ${file}: flock ${r.error?.message ?? `exited ${r.status}: ${r.stderr?.toString().trim()}`}`,
      );
    try {
      ftruncateSync(fd, 0);
      writeSync(fd, `${process.pid}\n${role}\n`, 0);
    } catch {
      /* a full disk: the lock holds all the same, only its holder is not named */
    }
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let open = true;
  return {
    file,
    release: () => {
      if (open) {
        open = false;
        closeSync(fd);
      }
    },
  };
}

function openLockFile(file: string): number {
  const { O_RDWR, O_CREAT, O_NOFOLLOW } = constants;
  let fd: number;
  try {
    fd = openSync(file, O_RDWR | O_CREAT | O_NOFOLLOW, 0o600); // libuv adds O_CLOEXEC
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'ELOOP'
        ? `lock file ${file} is a symbolic link; refusing to follow it (remove it)`
        : `cannot open lock file ${file}: ${(error as Error).message}`,
    );
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new Error(`lock file ${file} is not a regular file; refusing it`);
  }
  return fd;
}

function readHolder(file: string): { pid: number | null; role: string | null } {
  try {
    const [pid, role] = readFileSync(file, 'utf8').split('\n');
    return { pid: /^\d+$/.test(pid) ? Number(pid) : null, role: role || null };
  } catch {
    return { pid: null, role: null };
  }
}
