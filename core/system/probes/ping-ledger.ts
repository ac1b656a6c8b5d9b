// Bookkeeping for one long-lived ping process: which request was sent when, and one outcome per request, on time.
import { unwrapSeq, type PingLine } from './ping-output.ts';

/** One request's outcome. Times are in the caller's clock (icmp.ts uses a monotonic one). */
export interface LedgerSample {
  seq: number;
  sentAt: number;
  rttMs: number | null;
  error?: string;
}

export interface LedgerOptions {
  /** When the ping process was started. */
  startAt: number;
  intervalMs: number;
  timeoutMs: number;
  /** ping's -l: that many requests go out together at start, then one per interval (default 1). */
  preload?: number;
  /** Slack past the timeout before an unanswered request is declared lost (default 5 ms). */
  graceMs?: number;
}

/**
 * ping sends request s at about offset + s × interval: exact times are learnt from replies (arrival − rtt) and from
 * -O's "no answer yet for s" (printed right before s+1 goes out); the offset follows them, smoothed, since ping's
 * timer jitters by a few ms. A request is reported once: answered within the timeout, late, an ICMP error, or lost
 * when timeout + grace have passed since its estimated send time with no reply. Sequence numbers are unwrapped.
 */
export class PingLedger {
  readonly #o: Required<LedgerOptions>;
  #offset: number;
  #anchored = false;
  /** The lowest sequence not reported yet; `#done` holds the reported ones above it. */
  #next = 1;
  readonly #done = new Set<number>();

  constructor(o: LedgerOptions) {
    this.#o = { preload: 1, graceMs: 5, ...o };
    this.#offset = o.startAt - this.#o.preload * o.intervalMs;
  }

  /** The estimated send time of request `seq`. */
  sentAt(seq: number): number {
    return Math.max(this.#o.startAt, this.#offset + seq * this.#o.intervalMs);
  }

  /** When request `seq` is declared lost if nothing came. */
  deadline(seq: number): number {
    return this.sentAt(seq) + this.#o.timeoutMs + this.#o.graceMs;
  }

  /** The earliest deadline of a request not reported yet. */
  nextDeadline(): number {
    let s = this.#next;
    while (this.#done.has(s)) s++;
    return this.deadline(s);
  }

  /** Feeds one parsed line that arrived at `now`; returns the outcomes it settles. */
  observe(line: PingLine, now: number): LedgerSample[] {
    if (line.kind === 'other') return [];
    const seq = unwrapSeq(line.seq, this.#next);
    const at = line.at ?? now;
    if (line.kind === 'no-answer') {
      this.#learn(seq + 1, at);
      return [];
    }
    if (line.kind === 'error')
      return this.#report({ seq, sentAt: this.sentAt(seq), rttMs: null, error: `${line.message} (from ${line.from})` });
    if (line.dup) return [];
    const sentAt = at - line.rttMs;
    this.#learn(seq, sentAt);
    if (line.rttMs > this.#o.timeoutMs) {
      return this.#report({
        seq,
        sentAt,
        rttMs: null,
        error: `reply after ${line.rttMs} ms, over the ${this.#o.timeoutMs} ms timeout`,
      });
    }
    return this.#report({ seq, sentAt, rttMs: line.rttMs });
  }

  /** Outcomes of requests whose deadline has passed without an answer. */
  due(now: number): LedgerSample[] {
    const out: LedgerSample[] = [];
    for (let s = this.#next; this.deadline(s) <= now; s++) {
      if (!this.#done.has(s))
        out.push(
          ...this.#report({
            seq: s,
            sentAt: this.sentAt(s),
            rttMs: null,
            error: `no reply within ${this.#o.timeoutMs} ms`,
          }),
        );
    }
    return out;
  }

  /**
   * The process ended at `now`: every request sent by then and not yet reported fails with `reason`.
   * Returns those outcomes and when the next request would have gone out.
   */
  close(now: number, reason: string): { samples: LedgerSample[]; nextSlot: number } {
    const samples: LedgerSample[] = [];
    let s = this.#next;
    for (; this.sentAt(s) <= now; s++) {
      if (!this.#done.has(s))
        samples.push(...this.#report({ seq: s, sentAt: this.sentAt(s), rttMs: null, error: reason }));
    }
    return { samples, nextSlot: this.sentAt(s) };
  }

  /** Request `seq` left at `at`: move the offset towards it (or onto it, first time or after a jump). */
  #learn(seq: number, at: number): void {
    if (seq <= this.#o.preload) return; // the preloaded burst does not follow the schedule
    const observed = at - seq * this.#o.intervalMs;
    if (!this.#anchored || Math.abs(observed - this.#offset) > this.#o.intervalMs / 2) {
      this.#offset = observed;
      this.#anchored = true;
    } else {
      this.#offset += 0.25 * (observed - this.#offset);
    }
  }

  #report(sample: LedgerSample): LedgerSample[] {
    const { seq } = sample;
    if (seq < this.#next || this.#done.has(seq)) return [];
    this.#done.add(seq);
    while (this.#done.has(this.#next)) this.#done.delete(this.#next++);
    return [sample];
  }
}
