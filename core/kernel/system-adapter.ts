// The real kernel adapter: reads with `ip -json`/`nft -json`, applies with one `nft -f` and one `ip -batch`, watches `ip monitor`.
import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import type { ApplyPlan, KernelAdapter, KernelOwnership, KernelSnapshot, ObservedNetwork } from './adapter.ts';
import { parseRoutes, parseRules } from './ip-read.ts';
import { parseNftTable } from './nft-read.ts';
import { parseForeignDefaults, parseLinks } from './observe-parse.ts';
import { execaRunner, type Runner } from './runner.ts';
import { validateSysctlKey } from './sysctl-plan.ts';

const PROC_SYS = '/proc/sys/';

export class SystemKernel implements KernelAdapter {
  readonly kind: 'system' | 'dry-run' = 'system';
  /** Every command the adapter ran to change state, in order (for `--print` and tests). */
  readonly applied: { tool: 'nft' | 'ip' | 'sysctl'; input: string }[] = [];

  constructor(protected readonly run: Runner = execaRunner) {}

  async read(own: KernelOwnership): Promise<KernelSnapshot> {
    const [nft, rules, routes] = await Promise.all([
      this.run(['nft', '-j', 'list', 'table', 'inet', own.nftTable], { allowFailure: true }),
      this.run(['ip', '-j', '-4', 'rule', 'show']),
      this.run(['ip', '-j', '-4', 'route', 'show', 'table', 'all']),
    ]);
    return {
      nft: nft.exitCode === 0 ? parseNftTable(nft.stdout) : null,
      rules: parseRules(rules.stdout, own),
      routes: parseRoutes(routes.stdout, own),
    };
  }

  async observe(own: KernelOwnership): Promise<ObservedNetwork> {
    const [addrs, routes] = await Promise.all([
      this.run(['ip', '-j', '-4', 'addr', 'show']),
      this.run(['ip', '-j', '-4', 'route', 'show', 'table', 'all']),
    ]);
    return { links: parseLinks(addrs.stdout), defaults: parseForeignDefaults(routes.stdout, own) };
  }

  async readSysctls(keys: string[]): Promise<Record<string, string | null>> {
    const values = await Promise.all(keys.map((k) => readFile(PROC_SYS + validateSysctlKey(k), 'utf8').then((v) => v.trim(), () => null)));
    return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
  }

  async apply(plan: ApplyPlan): Promise<void> {
    for (const { key, value } of plan.sysctl) {
      await writeFile(PROC_SYS + validateSysctlKey(key), `${value}\n`);
      this.applied.push({ tool: 'sysctl', input: `${key}=${value}` });
    }
    if (plan.nft) {
      await this.run(['nft', '-f', '-'], { input: plan.nft });
      this.applied.push({ tool: 'nft', input: plan.nft });
    }
    if (plan.ip.length) {
      const input = `${plan.ip.join('\n')}\n`;
      await this.run(['ip', '-batch', '-'], { input });
      this.applied.push({ tool: 'ip', input });
    }
  }

  watch(onChange: () => void): () => void {
    const child = execa('ip', ['monitor', 'link', 'address', 'route'], { buffer: false, reject: false });
    child.stdout?.on('data', () => onChange());
    child.catch(() => undefined);
    return () => { child.kill('SIGTERM'); };
  }
}

/** Reads the real kernel but applies nothing: `apply` records the plan for printing. */
export class DryRunKernel extends SystemKernel {
  override readonly kind = 'dry-run' as const;
  readonly planned: ApplyPlan[] = [];
  override async apply(plan: ApplyPlan): Promise<void> {
    this.planned.push(plan);
  }
}
