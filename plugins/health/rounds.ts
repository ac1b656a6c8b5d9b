// Groups probe samples into rounds: one slot per interval (by send time); a slot closes once its probes' timeout has passed.
import type { ProbeSample, TargetAnswer } from '../../plugin-api/index.ts';

export interface ClosedRound {
  targets: TargetAnswer[];
  answered: number;
  probed: number;
  rttMs: number | null;
  /** When its first probe was sent (ms since the epoch), null when none reported. */
  sentAt: number | null;
}

export class RoundCollector {
  private readonly slots = new Map<number, Map<string, ProbeSample[]>>();
  private readonly keys: string[];

  constructor(
    private readonly targets: { target: string; method: string }[],
    private readonly intervalMs: number,
    private readonly timeoutMs: number,
    private readonly origin: number,
  ) {
    this.keys = targets.map((t) => this.key(t));
  }

  private key(t: { target: string; method: string }): string {
    return `${t.method}:${t.target}`;
  }

  add(sample: ProbeSample): void {
    const slot = Math.floor((sample.sentAt - this.origin) / this.intervalMs);
    let bySlot = this.slots.get(slot);
    if (!bySlot) this.slots.set(slot, (bySlot = new Map()));
    const k = this.key(sample);
    const samples = bySlot.get(k);
    if (samples) samples.push(sample);
    else bySlot.set(k, [sample]);
  }

  /**
   * Closes, oldest first, every slot that is complete (every target has reported) or whose last answer is due by
   * `now` (end + timeout + grace), stopping at the first slot that is neither, so rounds always come out in order.
   * A target without a sample in a closed slot (prober late or stopped) is reported with ok null.
   * Runs for every batch of samples of every WAN, so it is written with plain loops.
   */
  close(now: number, graceMs = 30): ClosedRound[] {
    const out: ClosedRound[] = [];
    const order = [...this.slots.keys()];
    if (order.length > 1) order.sort((a, b) => a - b);
    for (const slot of order) {
      const bySlot = this.slots.get(slot)!;
      const end = this.origin + (slot + 1) * this.intervalMs;
      if (!this.keys.every((k) => bySlot.has(k)) && end + this.timeoutMs + graceMs > now) break;
      this.slots.delete(slot);
      const targets: TargetAnswer[] = [];
      let answered = 0,
        probed = 0,
        rttSum = 0,
        timed = 0;
      let sentAt: number | null = null;
      this.targets.forEach((t, i) => {
        const samples = bySlot.get(this.keys[i]);
        if (!samples) {
          targets.push({ ...t, ok: null, rttMs: null });
          return;
        }
        let best: number | null = null;
        for (const x of samples) {
          if (x.rttMs !== null && (best === null || x.rttMs < best)) best = x.rttMs;
          if (sentAt === null || x.sentAt < sentAt) sentAt = x.sentAt;
        }
        targets.push({ ...t, ok: best !== null, rttMs: best });
        probed++;
        if (best !== null) {
          answered++;
          rttSum += best;
          timed++;
        }
      });
      out.push({ targets, answered, probed, rttMs: timed ? rttSum / timed : null, sentAt });
    }
    return out;
  }
}
