// Whether this router speaks for an HA pair (mail, event scripts about WANs): always alone, only while master in a pair.
import type { EventBus } from '../core/bus.ts';
import type { MwanConfig } from '../config/schema/schema.ts';

export interface PairGate {
  /** True without an `ha` section; with one, only while this node is master (false until the first role). */
  speaks(): boolean;
  /** Stops following ha.role. */
  off(): void;
}

/** Follows ha.role on `bus` for the plugin `owner` (the backup probes too, but only the master reports WAN changes). */
export function pairGate(config: Pick<MwanConfig, 'ha'>, bus: EventBus, owner: string): PairGate {
  if (!config.ha) return { speaks: () => true, off: () => undefined };
  let master = false;
  const off = bus.on(
    'ha.role',
    ({ role }) => {
      master = role === 'master';
    },
    owner,
  );
  return { speaks: () => master, off };
}
