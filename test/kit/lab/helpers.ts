// Small shared helpers for the mwan lab tests: privilege skip, checked mwanctl calls, status, ids, kernel probes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../cli/config.ts';
import type { Layout } from '../../../config/schema/identifiers.ts';
import type { StatusReport } from '../../../cli/status/status.ts';
import { hasLabPrivileges, type Lab } from './topology.ts';
import { routerSnapshot, type Mwan } from './fixture.ts';
import { waitFor } from '../time.ts';

/** The line `plan` and `apply --print` print when the kernel already matches (lab.exec strips the final newline). */
export const NOTHING_TO_DO = '# nothing to do: the kernel already matches the configuration';

/** In a `before` hook: skips the whole suite with one line when namespaces cannot be built. */
export async function skipWithoutLab(ctx: Mocha.Context, suite: string): Promise<void> {
  const p = await hasLabPrivileges();
  if (!p.ok) {
    console.log(`${suite}: skipped (needs root and network namespaces): ${p.why}`);
    ctx.skip();
  }
}

/** Runs mwanctl and insists on exit 0; returns stdout. */
export async function ctlOk(mwan: Mwan, args: string[], opts?: Parameters<Mwan['ctl']>[1]): Promise<string> {
  const r = await mwan.ctl(args, opts);
  assert.equal(
    r.exitCode,
    0,
    `mwanctl ${args.join(' ')} exited ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`,
  );
  return r.stdout;
}

export async function statusOf(mwan: Mwan): Promise<StatusReport> {
  return JSON.parse(await ctlOk(mwan, ['status', '--json'])) as StatusReport;
}

/** The identifiers (ids, tables, marks) mwan derives from the config file currently written. */
export function layoutOf(mwan: Mwan): Layout {
  return parseConfig(JSON.parse(readFileSync(mwan.configPath, 'utf8')), mwan.configPath).layout;
}

/** mwan's `balance` chain in the router (empty string when it does not exist). */
export async function balanceChain(lab: Lab, table = 'mwan'): Promise<string> {
  const r = await lab.exec(lab.ns.router, ['nft', 'list', 'chain', 'inet', table, 'balance'], { reject: false });
  return r.exitCode === 0 ? r.stdout : '';
}

/** Which WAN ids the balance chain currently sends new connections to. */
export async function balancedIds(lab: Lab): Promise<number[]> {
  return [...(await balanceChain(lab)).matchAll(/jump to_wan(\d+)/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
}

/**
 * routerSnapshot once IPv6 duplicate address detection has finished on the new links: until then the kernel adds
 * `local fe80::…` routes on its own, which would make a snapshot taken right after createLab differ later.
 */
export async function settledSnapshot(lab: Lab): Promise<string> {
  await waitFor(
    async () => (await lab.exec(lab.ns.router, ['ip', '-6', 'addr', 'show', 'tentative'])).stdout.trim() === '',
    10000,
    'IPv6 duplicate address detection to finish in the router',
  );
  return routerSnapshot(lab);
}

export const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
