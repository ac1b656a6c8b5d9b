// The events the health plugin publishes, merged into the bus's event map: each probe round, and a WAN long out of service.
import type { AddressFamily, HealthFigures, TargetAnswer, WanChange } from '../../plugin-api/index.ts';

/** One probe round of one WAN: each target's answer and the window's figures. */
export interface ProbeRound extends HealthFigures {
  wan: string;
  /** The family of the targets probed (a WAN with targets of both families has a round of each). */
  family?: AddressFamily;
  ok: boolean;
  targets: TargetAnswer[];
}

declare module '../../plugin-api/index.ts' {
  interface MwanEvents {
    /** A WAN has been out of service longer than the configured long-down time. */
    'wan.longdown': WanChange;
    /** A probe round finished for a WAN. */
    'probe.result': ProbeRound;
  }
}
