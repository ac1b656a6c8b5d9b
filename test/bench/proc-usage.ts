// Reads a process tree's CPU time and resident memory from /proc, for the daemon-cost benchmark.
import { readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

async function read(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

/** CPU seconds (user + system) used so far by `pid`, all its threads; with `reaped`, also by its children that have exited. */
export async function cpuSeconds(pid: number, reaped = false): Promise<number> {
  const stat = await read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const own = fields[11] + fields[12]; // utime, stime
  return (reaped ? own + fields[13] + fields[14] : own) / TICKS_PER_SECOND; // cutime, cstime
}

export async function rssMiB(pid: number): Promise<number> {
  const status = await read(`/proc/${pid}/status`);
  const m = status ? /VmRSS:\s+(\d+) kB/.exec(status) : null;
  return m ? Number(m[1]) / 1024 : 0;
}

/** Direct children of `pid` (probe processes such as ping). */
export async function childrenOf(pid: number): Promise<number[]> {
  const tasks = await read(`/proc/${pid}/task/${pid}/children`);
  return (tasks ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
}
