// Applies a plan all or nothing: sysctls, then the ip batch, then the nft transaction; a failure puts back what the earlier steps changed.
import { MwanError, describeError } from '../../errors.ts';
import type { ApplyPlan } from './adapter.ts';
import type { IpFamily, RouteSpec, RuleSpec } from '../../reconcile/desired.ts';
import type { Ownership } from './ip-read.ts';
import { diffIpFamilies } from '../../reconcile/ip-diff.ts';

/** The kernel operations an apply is made of (the system adapter runs them with sysctl files, `ip -batch` and `nft -f`). */
export interface ApplySteps {
  readSysctls(keys: string[]): Promise<Record<string, string | null>>;
  writeSysctl(key: string, value: string): Promise<void>;
  /** One `ip -batch` (IPv4) or `ip -6 -batch` (IPv6). */
  ipBatch(lines: string[], family?: IpFamily): Promise<void>;
  nft(script: string): Promise<void>;
  /** mwan's routes and rules as they are now, both families. */
  readIp(own: Ownership): Promise<{ routes: RouteSpec[]; rules: RuleSpec[] }>;
}

/** The kernel's words for a failed command: its stderr, without the `command failed (exit N): argv` line the runner adds. */
function kernelCause(error: unknown): string {
  return describeError(error)
    .split('\n')
    .filter((l) => l.trim() && !/^command failed \(exit/.test(l) && !/^Command failed -:\d+/.test(l))
    .join(' ')
    .trim();
}

/** Names the line of the batch `ip` stopped at (it prints `Command failed -:<line>`), with its text and the kernel's reason. */
export function describeIpFailure(lines: string[], error: unknown, family: IpFamily = 'ipv4'): string {
  const tool = family === 'ipv6' ? 'ip -6 -batch' : 'ip -batch';
  const at = /Command failed -:(\d+)/.exec(describeError(error));
  const n = at ? Number(at[1]) : undefined;
  const text = n !== undefined ? lines[n - 1] : undefined;
  const cause = kernelCause(error) || describeError(error);
  return text !== undefined
    ? `${tool} failed at line ${n} of ${lines.length}: "${text}": ${cause}`
    : `${tool} failed: ${cause}`;
}

/**
 * Runs the plan: sysctls first (their previous values are read before), then `ip -batch` (it stops at the first
 * failing line, the lines before it stay: they are undone by diffing back to `plan.before`), then `nft -f` last, which
 * is one kernel transaction, so nothing can fail after it. On failure the error names the failing step and line and
 * says what was rolled back (or what could not be).
 */
export async function applyAllOrNothing(plan: ApplyPlan, steps: ApplySteps): Promise<void> {
  const previous = plan.sysctl.length ? await steps.readSysctls(plan.sysctl.map((s) => s.key)) : {};
  const written: string[] = [];
  let ipRan = false;
  try {
    for (const { key, value } of plan.sysctl) {
      try {
        await steps.writeSysctl(key, value);
      } catch (error) {
        throw new MwanError('MWAN_KERNEL_COMMAND', `sysctl ${key}=${value} failed: ${describeError(error)}`, {
          cause: error,
        });
      }
      written.push(key);
    }
    for (const [family, lines] of [
      ['ipv4', plan.ip],
      ['ipv6', plan.ip6 ?? []],
    ] as const) {
      if (!lines.length) continue;
      ipRan = true;
      try {
        await steps.ipBatch(lines, family);
      } catch (error) {
        throw new MwanError('MWAN_KERNEL_COMMAND', describeIpFailure(lines, error, family), { cause: error });
      }
    }
    if (plan.nft) {
      try {
        await steps.nft(plan.nft);
      } catch (error) {
        throw new MwanError('MWAN_KERNEL_COMMAND', `nft -f failed: ${kernelCause(error) || describeError(error)}`, {
          cause: error,
        });
      }
    }
  } catch (error) {
    const undone = await rollBack(plan, steps, ipRan, written, previous);
    throw new MwanError('MWAN_KERNEL_COMMAND', `${describeError(error)}; ${undone}`, { cause: error });
  }
}

/** Puts routes, rules and sysctls back as they were before this apply; returns a sentence saying what it did. */
async function rollBack(
  plan: ApplyPlan,
  steps: ApplySteps,
  ipRan: boolean,
  written: string[],
  previous: Record<string, string | null>,
): Promise<string> {
  const problems: string[] = [];
  let ipLines = 0;
  if (ipRan && plan.before) {
    try {
      const now = await steps.readIp(plan.before.ownership);
      const undo = diffIpFamilies(plan.before, now, plan.before.ownership.routeProtocol);
      ipLines = undo.ip.length + undo.ip6.length;
      if (undo.ip.length) await steps.ipBatch(undo.ip, 'ipv4');
      if (undo.ip6.length) await steps.ipBatch(undo.ip6, 'ipv6');
    } catch (error) {
      problems.push(`routes and rules: ${describeIpFailure([], error)}`);
    }
  } else if (ipRan) {
    problems.push('routes and rules: no previous state given, the batch lines before the failing one stay');
  }
  for (const key of [...written].reverse()) {
    const value = previous[key];
    if (value === null || value === undefined) continue;
    try {
      await steps.writeSysctl(key, value);
    } catch (error) {
      problems.push(`sysctl ${key}: ${describeError(error)}`);
    }
  }
  if (problems.length) return `rolling back failed (${problems.join('; ')})`;
  const parts = [
    ...(ipLines ? [`${ipLines} ip line${ipLines === 1 ? '' : 's'} undone`] : []),
    ...(written.length ? [`${written.length} sysctl${written.length === 1 ? '' : 's'} restored`] : []),
  ];
  return `rolled back: nothing of this apply stays${parts.length ? ` (${parts.join(', ')})` : ''}`;
}
