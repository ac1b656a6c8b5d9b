// Follows each WAN's state from the world view: counts changes and remembers when the last one happened.
import type { WanStateName, WanView } from '../../plugin-api/index.ts';

export interface StateChange {
  wan: string;
  from: WanStateName;
  to: WanStateName;
  at: number;
}

export class StateTracker {
  private readonly states = new Map<string, { state: WanStateName; inService: boolean; since: number }>();

  /** `startedAt`: what "last change" is for a WAN that has not changed since the daemon started. */
  constructor(private readonly startedAt: number) {}

  /** Compares with the last look; returns the changes (a WAN seen for the first time, or leaving `unknown`, is none). */
  update(wans: readonly WanView[], now: number): StateChange[] {
    const changes: StateChange[] = [];
    for (const w of wans) {
      const before = this.states.get(w.name);
      if (!before) {
        this.states.set(w.name, { state: w.state, inService: w.inService, since: this.startedAt });
      } else if (before.state !== w.state || before.inService !== w.inService) {
        // the first verdict after the start (out of `unknown`) is not a change of state
        if (before.state !== w.state && before.state !== 'unknown')
          changes.push({ wan: w.name, from: before.state, to: w.state, at: now });
        this.states.set(w.name, { state: w.state, inService: w.inService, since: now });
      }
    }
    return changes;
  }

  lastChangeAt(wan: string): number {
    return this.states.get(wan)?.since ?? this.startedAt;
  }
}
