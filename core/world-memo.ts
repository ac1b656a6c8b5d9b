// Hands out the last world view again while nothing it is built from changed: with 64 WANs every health monitor
// reading its WAN's view on every WAN event built 64 × 64 WAN views (and 64 selections) per event.
import type { WorldView } from '../plugin-api/types.ts';
import type { WanRuntime } from './wan/model.ts';

/**
 * What a world view is built from, compared by identity: the registry replaces a WAN's `facts`, `figures` and `ipv6` objects
 * when they change (never edits them in place), and `state` and `inService` are plain values; the engine replaces its
 * links and run-time weights on change.
 */
export function worldInputs(wans: readonly WanRuntime[], ...others: unknown[]): unknown[] {
  const key: unknown[] = [wans, ...others];
  for (const w of wans) key.push(w.facts, w.figures, w.state, w.inService, w.ipv6);
  return key;
}

/** Freezes the view and its lists: one object is shared by every caller until an input changes. */
function frozen(world: WorldView): WorldView {
  for (const w of world.wans) Object.freeze(w);
  for (const l of world.lans) Object.freeze(l);
  Object.freeze(world.wans);
  Object.freeze(world.active);
  Object.freeze(world.lans);
  return Object.freeze(world);
}

export class WorldMemo {
  private last?: { key: unknown[]; world: WorldView };

  get(key: unknown[], build: () => WorldView): WorldView {
    const last = this.last;
    if (last && last.key.length === key.length && last.key.every((k, i) => k === key[i])) return last.world;
    const world = frozen(build());
    this.last = { key, world };
    return world;
  }
}
