// The plugins' kernel extras together (the NFQUEUE policies' queue rules): ensured beside each reconcile, planned, repaired.
import type { KernelExtras } from '../../plugin-api/types.ts';
import type { ApplyPlan } from './kernel/adapter.ts';

/** `plan` with the extras' commands (shown as `iptables`), or `plan` itself when there are none. */
export const withExtras = (plan: ApplyPlan, commands: string[][]): ApplyPlan =>
  commands.length ? { ...plan, iptables: commands } : plan;

export class PluginKernelExtras {
  constructor(private readonly extras: KernelExtras[]) {}

  /** Whether this configuration has any to keep in place. */
  get any(): boolean {
    return this.extras.length > 0;
  }
  get pending(): boolean {
    return this.extras.some((x) => x.pending);
  }
  /** Puts the pending ones in place; the commands that ran. */
  async ensure(): Promise<string[][]> {
    return (await Promise.all(this.extras.filter((x) => x.pending).map((x) => x.ensure()))).flat();
  }
  /** The commands `ensure` would run now, running none. */
  async plan(): Promise<string[][]> {
    return (await Promise.all(this.extras.filter((x) => x.pending).map((x) => x.plan()))).flat();
  }
  /** Their state may be gone: the next `ensure` checks and applies it again. */
  forget(): void {
    for (const x of this.extras) x.forget();
  }
  /** Checks every one again and puts back what is missing; true when that changed something. */
  async repair(): Promise<boolean> {
    this.forget();
    const ran = await Promise.all(this.extras.map((x) => x.ensure()));
    return ran.some((commands) => commands.length > 0);
  }
}
