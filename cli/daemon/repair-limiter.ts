// Rate-limits self-repairs per kind of state (nft table, ip rules, ip routes, NFQUEUE rules): a token bucket, then exponential back-off.
import type { OwnStateKind } from '../../core/system/kernel/adapter.ts';

export interface RepairLimits {
  /** Repairs allowed in a burst (the bucket's size). */
  burst: number;
  /** Tokens regained per second. */
  refillPerSecond: number;
  /** The first back-off once the bucket is empty; it doubles with each further refusal, up to `maxBackoffMs`. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** At most one warning per kind in this interval. */
  warnEveryMs: number;
  /** After this long without a repair being asked for, a kind in back-off starts afresh with a full bucket. */
  forgiveAfterMs: number;
}

/**
 * 5 repairs at once and one every 2 s; past that, back-offs of 1 s, 2 s, 4 s … up to the 30 s periodic check (the bucket
 * does not refill meanwhile), until a minute passes with nothing to repair; a warning a minute at most.
 */
export const DEFAULT_REPAIR_LIMITS: RepairLimits = {
  burst: 5,
  refillPerSecond: 0.5,
  baseBackoffMs: 1000,
  maxBackoffMs: 30_000,
  warnEveryMs: 60_000,
  forgiveAfterMs: 60_000,
};

export type RepairVerdict =
  | { allowed: true }
  /** Refused: repair again at `retryAt` (ms, same clock as `now`); `warn` is true at most once per `warnEveryMs`. */
  | { allowed: false; retryAt: number; backoffMs: number; warn: boolean; refusedSinceWarn: number };

interface Bucket {
  tokens: number;
  at: number;
  strikes: number;
  blockedUntil: number;
  reserved: boolean;
  lastWarn: number;
  refused: number;
}

export class RepairLimiter {
  private readonly buckets = new Map<OwnStateKind, Bucket>();

  constructor(private readonly limits: RepairLimits = DEFAULT_REPAIR_LIMITS) {}

  private bucket(kind: OwnStateKind, now: number): Bucket {
    let b = this.buckets.get(kind);
    if (!b) {
      b = {
        tokens: this.limits.burst,
        at: now,
        strikes: 0,
        blockedUntil: 0,
        reserved: false,
        lastWarn: -Infinity,
        refused: 0,
      };
      this.buckets.set(kind, b);
    }
    if (b.strikes > 0 && now >= b.blockedUntil && now - b.at >= this.limits.forgiveAfterMs) {
      b.strikes = 0;
      b.tokens = this.limits.burst;
    }
    if (b.strikes === 0)
      b.tokens = Math.min(this.limits.burst, b.tokens + ((now - b.at) / 1000) * this.limits.refillPerSecond);
    b.at = now;
    return b;
  }

  /** True while repairs of `kind` are held back (a repair is already due at the end of the back-off). */
  blocked(kind: OwnStateKind, now: number): boolean {
    return now < (this.buckets.get(kind)?.blockedUntil ?? 0);
  }

  /**
   * Asks to repair `kind` now. Allowed while tokens last; the repair due at the end of a back-off is always allowed
   * (so mwan recovers once the deleting stops); otherwise refused with a longer back-off each time.
   */
  take(kind: OwnStateKind, now: number): RepairVerdict {
    const b = this.bucket(kind, now);
    if (now < b.blockedUntil) return this.refusal(b, now, false);
    if (b.reserved) {
      b.reserved = false;
      return { allowed: true };
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { allowed: true };
    }
    b.strikes++;
    const backoffMs = Math.min(this.limits.maxBackoffMs, this.limits.baseBackoffMs * 2 ** (b.strikes - 1));
    b.blockedUntil = now + backoffMs;
    b.reserved = true;
    return this.refusal(b, now, true);
  }

  private refusal(b: Bucket, now: number, counted: boolean): RepairVerdict {
    if (counted) b.refused++;
    const warn = counted && now - b.lastWarn >= this.limits.warnEveryMs;
    const refusedSinceWarn = b.refused;
    if (warn) {
      b.lastWarn = now;
      b.refused = 0;
    }
    return { allowed: false, retryAt: b.blockedUntil, backoffMs: b.blockedUntil - now, warn, refusedSinceWarn };
  }
}
