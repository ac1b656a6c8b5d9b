// Prints an apply plan exactly as it would be fed to `nft -f -`, `ip -batch -` and `ip -6 -batch -`, and the iptables commands it would run.
import type { ApplyPlan } from '../core/system/kernel/adapter.ts';

export function formatPlan(plan: Pick<ApplyPlan, 'nft' | 'ip' | 'ip6' | 'sysctl' | 'iptables'>): string {
  const iptables = plan.iptables ?? [];
  if (!plan.nft && plan.ip.length === 0 && !plan.ip6?.length && plan.sysctl.length === 0 && iptables.length === 0)
    return '# nothing to do: the kernel already matches the configuration\n';
  const parts: string[] = [];
  if (plan.sysctl.length) parts.push('# write /proc/sys', ...plan.sysctl.map((s) => `${s.key} = ${s.value}`));
  if (plan.nft) parts.push('# nft -f -', plan.nft.trimEnd());
  if (plan.ip.length) parts.push('# ip -batch -', ...plan.ip);
  if (plan.ip6?.length) parts.push('# ip -6 -batch -', ...plan.ip6);
  // argv arrays, one command each (mwan's own arguments contain no spaces or quotes)
  if (iptables.length)
    parts.push('# NFQUEUE queue rules (iptables-nft, one command each)', ...iptables.map((argv) => argv.join(' ')));
  return `${parts.join('\n')}\n`;
}
