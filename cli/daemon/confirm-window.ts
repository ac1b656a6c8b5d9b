// mwan's one rollback: `apply --confirm` applies on probation, and a timer rolls the kernel back unless `mwanctl confirm` comes first.
import type { Engine } from '../../core/engine.ts';

export class ConfirmWindow {
  private timer?: NodeJS.Timeout;
  private deadline = 0;
  private rollback?: () => Promise<void>;
  /** Settles the armed window's `closed`: true when it was rolled back. */
  private settle?: (rolledBack: boolean) => void;

  /**
   * Saves the kernel state `engine` owns, runs `change`, then arms the window: unless confirmed in time, `undo` runs
   * (the daemon puts its previous engine back) and the saved state is restored. When `change` throws, nothing is armed.
   * `closed` resolves true once rolled back, false when confirmed or cancelled.
   */
  async applyOnProbation<T>(
    engine: Engine,
    seconds: number,
    change: () => Promise<T>,
    undo?: () => Promise<void>,
  ): Promise<{ result: T; closed: Promise<boolean> }> {
    const restore = await engine.saveKernelState();
    const result = await change();
    const { closed } = await this.arm(seconds, async () => {
      await undo?.();
      await restore();
    });
    return { result, closed };
  }

  /** Arms the window; a previous unconfirmed window is rolled back first (its state is the one to return to). */
  async arm(seconds: number, rollback: () => Promise<void>): Promise<{ closed: Promise<boolean> }> {
    if (this.rollback) await this.expire();
    this.rollback = rollback;
    this.deadline = Date.now() + seconds * 1000;
    const closed = new Promise<boolean>((resolve) => {
      this.settle = resolve;
    });
    this.timer = setTimeout(() => {
      void this.expire();
    }, seconds * 1000);
    return { closed };
  }

  get pending(): { secondsLeft: number } | null {
    return this.rollback ? { secondsLeft: Math.max(0, Math.round((this.deadline - Date.now()) / 1000)) } : null;
  }

  /** Keeps the new state. Returns false when there was nothing to confirm. */
  confirm(): boolean {
    if (!this.rollback) return false;
    this.close(false);
    return true;
  }

  async expire(): Promise<void> {
    const rollback = this.rollback;
    const settle = this.close();
    await rollback?.();
    settle?.(true);
  }

  cancel(): void {
    this.close(false);
  }

  /** Disarms; settles `closed` with `rolledBack` when given, else returns the settle function for the caller. */
  private close(rolledBack?: boolean): ((rolledBack: boolean) => void) | undefined {
    clearTimeout(this.timer);
    const settle = this.settle;
    this.rollback = undefined;
    this.settle = undefined;
    if (rolledBack !== undefined) settle?.(rolledBack);
    return settle;
  }
}
