// Low-level network-namespace helpers for the lab: naming, `ip -batch`, stale cleanup, privilege probe, exit hooks.
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Every lab namespace is named `mwl-<pid base36>-<3 random chars>-<role>`. */
const NAME_RE = /^mwl-([0-9a-z]+)-([0-9a-z]{3})-/;

const usedPrefixes = new Set<string>();

/** A fresh per-lab prefix `mwl-<pid36>-<rand3>`, unique within this process. */
export function newPrefix(): string {
  for (;;) {
    const rand = Array.from(randomBytes(3), (b) => (b % 36).toString(36)).join('');
    const prefix = `mwl-${process.pid.toString(36)}-${rand}`;
    if (!usedPrefixes.has(prefix)) {
      usedPrefixes.add(prefix);
      return prefix;
    }
  }
}

/** Parses the owning pid out of a lab namespace name; undefined if the name is not a lab name. */
export function ownerPid(nsName: string): number | undefined {
  const m = NAME_RE.exec(nsName);
  if (!m) return undefined;
  const pid = parseInt(m[1], 36);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `ip [-n ns] -batch -` with the given lines; throws with ip's stderr on failure. */
export async function ipBatch(lines: string[], ns?: string, force = false): Promise<void> {
  if (lines.length === 0) return;
  const argv = [...(ns ? ['-n', ns] : []), ...(force ? ['-force'] : []), '-batch', '-'];
  const r = await execa('ip', argv, { input: `${lines.join('\n')}\n`, reject: false, timeout: 15000 });
  if (r.exitCode !== 0) {
    throw new Error(
      `ip ${argv.join(' ')} failed (${r.exitCode}): ${r.stderr || r.stdout}\n--- input ---\n${lines.join('\n')}`,
    );
  }
}

/** Runs `nft -f -` inside a namespace. */
export async function nftApply(ns: string, ruleset: string): Promise<void> {
  const r = await execa('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], {
    input: ruleset,
    reject: false,
    timeout: 15000,
  });
  if (r.exitCode !== 0) throw new Error(`nft -f - in ${ns} failed: ${r.stderr}\n--- ruleset ---\n${ruleset}`);
}

/** Names of all named network namespaces. */
export async function listNamespaces(): Promise<string[]> {
  const r = await execa('ip', ['netns', 'list'], { reject: false, timeout: 10000 });
  if (r.exitCode !== 0) return [];
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .filter((n) => n.length > 0);
}

/** Kills any process still inside the named namespaces, then deletes them (errors ignored). */
export async function deleteNamespaces(names: string[]): Promise<void> {
  if (names.length === 0) return;
  const pids = await Promise.all(
    names.map(async (n) => (await execa('ip', ['netns', 'pids', n], { reject: false, timeout: 5000 })).stdout ?? ''),
  );
  for (const pid of pids
    .join('\n')
    .split(/\s+/)
    .map(Number)
    .filter((p) => p > 0 && p !== process.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  await execa('ip', ['-force', '-batch', '-'], {
    input: `${names.map((n) => `netns del ${n}`).join('\n')}\n`,
    reject: false,
    timeout: 15000,
  });
}

/** Deletes lab namespaces (`mwl-<pid36>-…`) whose owning process is no longer alive. */
export async function removeStaleLabs(): Promise<void> {
  const stale = (await listNamespaces()).filter((n) => {
    const pid = ownerPid(n);
    return pid !== undefined && pid !== process.pid && !pidAlive(pid);
  });
  await deleteNamespaces(stale);
}

/** True when we are root and can create a namespace holding a veth pair (probe created and removed). */
export async function hasLabPrivileges(): Promise<{ ok: boolean; why?: string }> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, why: 'not running as root' };
  if (process.platform !== 'linux')
    return { ok: false, why: `network namespaces need Linux (this is ${process.platform})` };
  const probe = `mwl-${process.pid.toString(36)}-prb-probe`;
  try {
    for (const [tool, flag] of [
      ['ip', '-V'],
      ['nft', '--version'],
    ]) {
      const r = await execa(tool, [flag], { reject: false, timeout: 5000 });
      if (r.failed && (r as { code?: string }).code === 'ENOENT') return { ok: false, why: `${tool} not installed` };
    }
    await ipBatch([`netns add ${probe}`]);
    await ipBatch(['link add p0 type veth peer name p1', 'link set lo up'], probe);
    return { ok: true };
  } catch (err) {
    return {
      ok: false,
      why: `cannot create a network namespace with a veth pair: ${(err as Error).message.split('\n')[0]}`,
    };
  } finally {
    await execa('ip', ['netns', 'del', probe], { reject: false, timeout: 5000 });
  }
}

// ---- synchronous last-chance cleanup on exit / Ctrl-C ----

interface LiveLab {
  namespaces: string[];
  pids: () => number[];
}
const liveLabs = new Set<LiveLab>();
let hooksInstalled = false;

function cleanupSync(): void {
  for (const lab of liveLabs) {
    for (const pid of lab.pids()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    try {
      execFileSync('ip', ['-force', '-batch', '-'], {
        input: `${lab.namespaces.map((n) => `netns del ${n}`).join('\n')}\n`,
        stdio: ['pipe', 'ignore', 'ignore'],
        timeout: 5000,
      });
    } catch {
      /* best effort */
    }
  }
  liveLabs.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  cleanupSync();
  process.exit(sig === 'SIGINT' ? 130 : 143);
}

/** Registers a lab for synchronous cleanup at process exit; returns the unregister function. */
export function registerForExitCleanup(lab: LiveLab): () => void {
  liveLabs.add(lab);
  if (!hooksInstalled) {
    hooksInstalled = true;
    process.on('exit', cleanupSync);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return () => {
    liveLabs.delete(lab);
    if (liveLabs.size === 0 && hooksInstalled) {
      hooksInstalled = false;
      process.off('exit', cleanupSync);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  };
}

/** The lab's teardown, run once however often it is called: its processes are killed, then its namespaces deleted. */
export function teardownOnce(
  namespaces: string[],
  tracker: { killAll(graceMs: number): Promise<unknown> },
  unregister: () => void,
): () => Promise<void> {
  let torn: Promise<void> | undefined;
  return () =>
    (torn ??= (async () => {
      try {
        await tracker.killAll(2000);
      } finally {
        await deleteNamespaces(namespaces);
        unregister();
      }
    })());
}
