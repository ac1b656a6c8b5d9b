// The confirmation window of `apply --confirm`: a timer that rolls the kernel back unless `mwanctl confirm` arrives first.
export class ConfirmWindow {
  private timer?: NodeJS.Timeout;
  private deadline = 0;
  private rollback?: () => Promise<void>;

  /** Arms the window; a previous unconfirmed window is rolled back first (its state is the one to return to). */
  async arm(seconds: number, rollback: () => Promise<void>): Promise<void> {
    if (this.rollback) await this.expire();
    this.rollback = rollback;
    this.deadline = Date.now() + seconds * 1000;
    this.timer = setTimeout(() => { void this.expire(); }, seconds * 1000);
  }

  get pending(): { secondsLeft: number } | null {
    return this.rollback ? { secondsLeft: Math.max(0, Math.round((this.deadline - Date.now()) / 1000)) } : null;
  }

  /** Keeps the new state. Returns false when there was nothing to confirm. */
  confirm(): boolean {
    if (!this.rollback) return false;
    clearTimeout(this.timer);
    this.rollback = undefined;
    return true;
  }

  async expire(): Promise<void> {
    clearTimeout(this.timer);
    const rollback = this.rollback;
    this.rollback = undefined;
    await rollback?.();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.rollback = undefined;
  }
}
