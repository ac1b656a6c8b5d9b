// Records the daemon's history (cli/history/ring.ts) from the engine's events into <stateDir>/history.json, and keeps the last quota figures for status.
import type { Engine } from '../../core/engine.ts';
import type { MwanEvents } from '../../core/events.ts';
import type { Logger } from '../../core/log.ts';
import { privateFiles, type PrivateFiles } from '../../core/system/private-files.ts';
import { entryOf, HISTORY_FILE, HISTORY_LIMITS, HistoryRing } from '../history/ring.ts';

/** A burst of events (a flapping link) is written once: this long after the first of them. */
export const HISTORY_WRITE_DELAY_MS = 1000;

export type QuotaFigures = MwanEvents['wan.quota'];

export class HistoryRecorder {
  ring = new HistoryRing();
  /** The last `wan.quota` of each WAN (status shows it). */
  readonly quotas = new Map<string, QuotaFigures>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly files: PrivateFiles,
    private readonly log: Logger,
  ) {}

  /** Loads the ring the last daemon left (a refused or malformed file is logged and ignored). */
  static async open(stateDir: string, log: Logger): Promise<HistoryRecorder> {
    const files = privateFiles(stateDir, (m) => log.warn(m));
    const recorder = new HistoryRecorder(files, log);
    const text = await files.read(HISTORY_FILE).catch((err: unknown) => {
      log.warn({ err }, 'cannot read the history file; the history starts empty');
      return null;
    });
    if (text) recorder.ring = HistoryRing.parse(text, (m) => log.warn(m));
    return recorder;
  }

  /** Follows an engine's events until the returned function is called (the daemon follows each engine it runs). */
  follow(engine: Engine): () => void {
    const flaps = new Map(engine.wans().map((w) => [w.name, w.flaps]));
    return engine.onEvent((event, payload) => {
      if (event === 'wan.quota') this.quotas.set((payload as QuotaFigures).wan, payload as QuotaFigures);
      const wan = (payload as { wan?: unknown })?.wan;
      const w = typeof wan === 'string' ? engine.wans().find((x) => x.name === wan) : undefined;
      // The registry counts a flap (and notes it as the last failure) before it emits the event that reports it.
      // Flaps are counted for IPv4 (the WAN's link and its IPv4 verdict); an IPv6-only departure is recorded, not a flap.
      const ipv6 = (payload as { family?: unknown })?.family === 'ipv6';
      const flap = event === 'wan.offline' && !ipv6 && w !== undefined && w.flaps > (flaps.get(w.name) ?? 0);
      if (w) flaps.set(w.name, w.flaps);
      const entry = entryOf(event, payload, Date.now(), flap);
      if (!entry) return;
      if (flap && w?.lastFailure)
        Object.assign(entry, {
          at: w.lastFailure.at,
          reason: w.lastFailure.reason.slice(0, HISTORY_LIMITS.reasonChars),
        });
      this.ring.add(entry);
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.save();
      }, HISTORY_WRITE_DELAY_MS);
    });
  }

  /** Writes the ring now (and at stop); a failure is logged, the ring kept in memory. */
  save(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const text = this.ring.text();
    this.writing = this.writing.then(() =>
      this.files
        .write(HISTORY_FILE, text)
        .catch((err: unknown) => this.log.error({ err }, 'saving the history failed')),
    );
    return this.writing;
  }
}
