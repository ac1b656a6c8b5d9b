// What an adaptive strategy sees at each decision, and what it returns: kernel weights per WAN with the reason.

/** One usable member of the policy, in member (tier) order. */
export interface MemberInput {
  wan: string;
  weight: number;
  tier: number;
  capacityMbps?: number;
  /** Probe RTT over the health window (null: no answers yet). */
  rttMs: number | null;
  /** Traffic over the last interval, the larger of the two directions (null: not measured yet). */
  mbps: number | null;
  /** Open connections marked for this WAN. */
  connections: number;
}

export interface DecideInput {
  now: number;
  members: MemberInput[];
  /** New connections on all WANs during the last interval. */
  arrivals: number;
}

export interface Decision {
  weights: Record<string, number>;
  reason: string;
}

/** A strategy instance keeps whatever state its hysteresis needs between decisions. */
export interface AdaptiveStrategy {
  decide(input: DecideInput): Decision | null;
}

export const fmt = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(1));
