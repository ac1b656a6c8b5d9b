// The probe transport contract: a prober sends one probe per interval from a WAN's address and reports every outcome.
import type { ProbeConfig } from '../../../config/schema/schema.ts';

/** One probe's outcome: when it was sent, and its round-trip time, or null when no good answer came within the timeout. */
export interface ProbeSample {
  target: string;
  method: string;
  sentAt: number;
  rttMs: number | null;
  error?: string;
}

export interface ProbeContext {
  wan: string;
  device: string;
  /** The WAN's IPv4 address: every probe is bound to it, so mwan's `from <address>` rule sends it out of this WAN. */
  source: string;
  /** The WAN's IPv6 address, for IPv6 targets (`2001:db8::1`, `[2001:db8::1]:443`); without it they cannot be probed. */
  source6?: string;
  intervalMs: number;
  timeoutMs: number;
}

export interface Prober {
  stop(): void;
}

export type StartProbe = (spec: ProbeConfig, ctx: ProbeContext, onSample: (sample: ProbeSample) => void) => Prober;
