// Flap damping (as BGP's route-flap damping): a penalty per departure from service that halves every half-life; above `flapSuppress` the WAN is held down until it decays below `flapReuse`.
import type { HealthSettings } from './options.ts';

export type DampingSettings = Pick<
  HealthSettings,
  'flapPenalty' | 'flapSuppress' | 'flapReuse' | 'flapHalfLifeSeconds' | 'flapMaxHoldSeconds'
>;

/** `value` decayed from `from` to `to` (ms) with a half-life of `halfLifeSeconds`. */
export function decayed(value: number, from: number, to: number, halfLifeSeconds: number): number {
  return value * 2 ** (-Math.max(0, to - from) / (halfLifeSeconds * 1000));
}

/** The penalty a WAN can accumulate: above it a hold would outlast `flapMaxHoldSeconds`, so it is capped there. */
export function penaltyCeiling(s: DampingSettings): number {
  return s.flapReuse * 2 ** (s.flapMaxHoldSeconds / s.flapHalfLifeSeconds);
}

/** Milliseconds until a penalty `p` decays below `reuse` (0 when it already is). */
export function msUntilBelow(p: number, reuse: number, halfLifeSeconds: number): number {
  return p < reuse ? 0 : Math.ceil(Math.log2(p / reuse) * halfLifeSeconds * 1000) + 1;
}

export class FlapDamper {
  private value = 0;
  private at = 0;
  private suppressed = false;
  /** The penalty just before the last flap was added: below `flapReuse`, the WAN had been stable. */
  private beforeLast = 0;
  flaps = 0;

  constructor(private readonly s: DampingSettings) {}

  penalty(now: number): number {
    return decayed(this.value, this.at, now, this.s.flapHalfLifeSeconds);
  }

  /** The WAN left service for a failure at `now`. */
  flap(now: number): void {
    this.beforeLast = this.penalty(now);
    this.value = Math.min(this.beforeLast + this.s.flapPenalty, penaltyCeiling(this.s));
    this.at = now;
    this.flaps++;
    if (this.s.flapPenalty > 0 && this.value >= this.s.flapSuppress) this.suppressed = true;
  }

  /** Whether the WAN had been stable before its last departure (its penalty had decayed below `flapReuse`). */
  get stableBeforeLastFlap(): boolean {
    return this.beforeLast < this.s.flapReuse;
  }

  /** Why the WAN is held out of service at `now` (undefined when it is not): suppressed until below `flapReuse`. */
  held(now: number): string | undefined {
    if (!this.suppressed) return undefined;
    const p = this.penalty(now);
    if (p < this.s.flapReuse) {
      this.suppressed = false;
      return undefined;
    }
    const seconds = Math.ceil(msUntilBelow(p, this.s.flapReuse, this.s.flapHalfLifeSeconds) / 1000);
    return `held down for flapping: penalty ${Math.round(p)} (${this.flaps} flaps) reaches ${this.s.flapSuppress}, back below ${this.s.flapReuse} in about ${seconds} s`;
  }
}
