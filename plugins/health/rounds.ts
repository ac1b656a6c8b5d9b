// Groups probe samples into rounds: one slot per interval (by send time); a slot closes once its probes' timeout has passed.
import type { ProbeSample } from '../../core/kernel/probes/types.ts';

export interface TargetAnswer { target: string; method: string; ok: boolean | null; rttMs: number | null }
export interface ClosedRound { targets: TargetAnswer[]; answered: number; probed: number; rttMs: number | null }

export class RoundCollector {
  private readonly slots = new Map<number, Map<string, ProbeSample[]>>();

  constructor(
    private readonly targets: { target: string; method: string }[],
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly origin: number,
  ) {}

  private key(t: { target: string; method: string }): string { return `${t.method}:${t.target}`; }

  add(sample: ProbeSample): void {
    const slot = Math.floor((sample.sentAt - this.origin) / this.intervalMs);
    let bySlot = this.slots.get(slot);
    if (!bySlot) this.slots.set(slot, (bySlot = new Map()));
    const k = this.key(sample);
    bySlot.set(k, [...(bySlot.get(k) ?? []), sample]);
  }

  /**
   * Closes, oldest first, every slot that is complete (every target has reported) or whose last answer is due by
   * `now` (end + timeout + grace), stopping at the first slot that is neither, so rounds always come out in order.
   * A target without a sample in a closed slot (prober late or stopped) is reported with ok null.
   */
  close(now: number, graceMs = 30): ClosedRound[] {
    const out: ClosedRound[] = [];
    for (const slot of [...this.slots.keys()].sort((a, b) => a - b)) {
      const end = this.origin + (slot + 1) * this.intervalMs;
      const complete = this.targets.every((t) => this.slots.get(slot)!.has(this.key(t)));
      if (!complete && end + this.timeoutMs + graceMs > now) break;
      const bySlot = this.slots.get(slot)!;
      this.slots.delete(slot);
      const targets = this.targets.map((t) => {
        const samples = bySlot.get(this.key(t)) ?? [];
        const good = samples.filter((s) => s.rttMs !== null);
        if (samples.length === 0) return { ...t, ok: null, rttMs: null };
        return { ...t, ok: good.length > 0, rttMs: good.length ? Math.min(...good.map((s) => s.rttMs!)) : null };
      });
      const answered = targets.filter((t) => t.ok === true).length;
      const probed = targets.filter((t) => t.ok !== null).length;
      const rtts = targets.filter((t) => t.rttMs !== null).map((t) => t.rttMs!);
      out.push({ targets, answered, probed, rttMs: rtts.length ? rtts.reduce((a, b) => a + b, 0) / rtts.length : null });
    }
    return out;
  }
}
