// The values sysctls had before mwan changed them, kept in the state directory and cached: every reconcile needs them.
import type { StateStorage } from './system.ts';

/** Where the values a sysctl had before mwan changed it are kept (the state directory). */
export interface SysctlMemory {
  load(): Promise<Record<string, string>>;
  save(originals: Record<string, string>): Promise<void>;
}

/** Reads the originals from `store` once, then keeps them; a save writes the file first. */
export function sysctlMemory(store: StateStorage): SysctlMemory {
  let cached: Record<string, string> | undefined;
  return {
    load: async () => (cached ??= (await store.load()).sysctlOriginals),
    save: async (sysctlOriginals) => {
      await store.update({ sysctlOriginals }); // the file first: when it cannot be written nothing changes
      cached = sysctlOriginals;
    },
  };
}
