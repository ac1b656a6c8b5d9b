// Persists what must outlive the daemon (WANs taken down by hand) in the state directory, so one-shot runs agree with it.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface PersistedState { disabled: string[] }

export class StateStore {
  constructor(private readonly dir: string) {}

  private get file(): string { return path.join(this.dir, 'state.json'); }

  async load(): Promise<PersistedState> {
    try {
      const data = JSON.parse(await readFile(this.file, 'utf8')) as Partial<PersistedState>;
      return { disabled: Array.isArray(data.disabled) ? data.disabled.filter((x) => typeof x === 'string') : [] };
    } catch {
      return { disabled: [] };
    }
  }

  async save(state: PersistedState): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(state)}\n`, { mode: 0o644 });
    await rename(tmp, this.file);
  }
}
