// Persists what must outlive the daemon (WANs taken down by hand) in the state directory, so one-shot runs agree with it.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface PersistedState {
  /** WANs taken out of service by `mwanctl wan down`. */
  disabled: string[];
  /** Values sysctls had before mwan changed them, restored on stop. */
  sysctlOriginals: Record<string, string>;
}

export class StateStore {
  constructor(private readonly dir: string) {}

  private get file(): string { return path.join(this.dir, 'state.json'); }

  async load(): Promise<PersistedState> {
    try {
      const data = JSON.parse(await readFile(this.file, 'utf8')) as Partial<PersistedState>;
      const originals = data.sysctlOriginals && typeof data.sysctlOriginals === 'object' ? data.sysctlOriginals : {};
      return { disabled: Array.isArray(data.disabled) ? data.disabled.filter((x) => typeof x === 'string') : [], sysctlOriginals: originals };
    } catch {
      return { disabled: [], sysctlOriginals: {} };
    }
  }

  /** Reads, changes and writes back one part of the state. */
  async update(change: Partial<PersistedState>): Promise<void> {
    await this.save({ ...(await this.load()), ...change });
  }

  async save(state: PersistedState): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(state)}\n`, { mode: 0o644 });
    await rename(tmp, this.file);
  }
}
