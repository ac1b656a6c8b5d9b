// Reads a process tree's CPU time and resident memory from /proc, for the daemon-cost benchmark.
import { readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

async function read(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

/** CPU seconds (user + system) used so far by `pid`. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
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
