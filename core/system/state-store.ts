// Persists what must outlive the daemon (WANs taken down by hand, sysctl originals) in the state directory, never following a planted link.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { unmanagedOriginal } from './kernel/sysctl-keys.ts';
import { checkStateDir } from './state-dir.ts';

export interface PersistedState {
  /** WANs taken out of service by `mwanctl wan down`. */
  disabled: string[];
  /** Values sysctls had before mwan changed them, restored on stop (only the sysctls mwan sets: see kernel/sysctl-keys.ts). */
  sysctlOriginals: Record<string, string>;
}

/** The state file could not be read or written; the message names it. Nothing was changed. */
export class StateFileError extends Error {}

/** A state file larger than this is not mwan's. */
const MAX_BYTES = 1 << 20;
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY } = constants;

export type StateWarn = (message: string) => void;

export class StateStore {
  private readonly warned = new Set<string>();

  /** Warnings go to stderr by default (the journal for the daemon; the terminal for one-shot commands, whose logger is silent). */
  constructor(
    private readonly dir: string,
    private readonly warn: StateWarn = (m) => process.stderr.write(`mwan: warning: ${m}\n`),
  ) {}

  get file(): string {
    return path.join(this.dir, 'state.json');
  }

  async load(): Promise<PersistedState> {
    const empty = { disabled: [], sysctlOriginals: {} };
    if (!checkStateDir(this.dir)) return empty;
    const text = await this.read();
    if (text === null) return empty;
    let data: Partial<PersistedState>;
    try {
      data = JSON.parse(text) as Partial<PersistedState>;
    } catch {
      this.warnOnce(`state file ${this.file} is not valid JSON; ignoring it`);
      return empty;
    }
    const disabled = Array.isArray(data.disabled)
      ? data.disabled.filter((x): x is string => typeof x === 'string')
      : [];
    return { disabled, sysctlOriginals: this.managedOriginals(data.sysctlOriginals) };
  }

  /** Reads, changes and writes back one part of the state. */
  async update(change: Partial<PersistedState>): Promise<void> {
    await this.save({ ...(await this.load()), ...change });
  }

  /**
   * Writes the whole state: a new file with a random name (O_EXCL|O_NOFOLLOW: never a planted one), fsync, then
   * rename over state.json (which replaces a link rather than following it). Throws StateFileError naming the file.
   */
  async save(state: PersistedState): Promise<void> {
    checkStateDir(this.dir, { create: true });
    const tmp = `${this.file}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      const fh = await open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
      try {
        await fh.writeFile(`${JSON.stringify(state)}\n`);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw new StateFileError(
        `cannot write state file ${this.file}: ${(error as Error).message}; nothing was changed`,
        { cause: error },
      );
    }
    const dirHandle = await open(this.dir, O_RDONLY | O_DIRECTORY).catch(() => undefined);
    await dirHandle?.sync().catch(() => undefined);
    await dirHandle?.close();
  }

  /** The file's text, or null when there is none; a link or anything but a small regular file is refused. */
  private async read(): Promise<string | null> {
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(this.file, O_RDONLY | O_NOFOLLOW);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      if (code === 'ELOOP')
        throw new StateFileError(`state file ${this.file} is a symbolic link; refusing to follow it (remove it)`);
      throw new StateFileError(`cannot read state file ${this.file}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new StateFileError(`state file ${this.file} is not a regular file; refusing it`);
      if (st.size > MAX_BYTES)
        throw new StateFileError(`state file ${this.file} is larger than ${MAX_BYTES} bytes; refusing it`);
      return await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  }

  /** Only originals of sysctls mwan itself sets survive, whatever the file says; each other one is reported once. */
  private managedOriginals(raw: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return out;
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      const why = unmanagedOriginal(key, value);
      if (why) this.warnOnce(`state file ${this.file}: ignoring ${why}; it is never restored`);
      else out[key] = value as string;
    }
    return out;
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warn(message);
  }
}
