// The memory system (unit tests): the in-memory kernel, and every other effect recorded instead of done — no process, no socket.
import path from 'node:path';
import type { ConntrackRecord } from './conntrack/parse.ts';
import type { ConntrackFeed, ConntrackSubscriber } from './conntrack/feed.ts';
import type { LinkBytes } from './kernel/link-stats.ts';
import type { MapElement } from './kernel/nft-elements.ts';
import type { TimedSet } from './kernel/timed-sets.ts';
import { MemoryKernel } from './kernel/memory-adapter.ts';
import type { ProbeContext, ProbeSample } from './probes/types.ts';
import type { ProbeConfig } from '../../config/schema/schema.ts';
import type { ScriptResult } from './process/scripts.ts';
import type { ProcessEvents, ProcessSpec } from './process/supervise.ts';
import type { PersistedState } from './state-store.ts';
import type { FileService, MailMessage, MailTransportOptions, StateStorage, System } from './system.ts';
import { notifyMessage, type ServiceNotifier } from './notify.ts';
import { MemoryHttp } from './http/memory.ts';
import { memoryPrivateFiles, type PrivateFiles } from './private-files.ts';

export interface MemoryProbe {
  spec: ProbeConfig;
  ctx: ProbeContext;
  sample(s: Omit<ProbeSample, 'target' | 'method'>): void;
  stopped: boolean;
}
export interface MemoryProcess {
  spec: ProcessSpec;
  events: ProcessEvents;
  stopped: boolean;
  /** The signals sent to it, in order. */
  signals: string[];
}

/** Files as a map of path to content; `executable` marks scripts (trusted: the memory system owns them all). */
export class MemoryFiles implements FileService {
  readonly files = new Map<string, { content: string; executable: boolean }>();
  readonly dirs = new Set<string>();
  private watchers = new Set<{ dir: string; onChange: (name: string | null) => void }>();

  put(file: string, content: string, executable = false): void {
    this.files.set(file, { content, executable });
    for (const w of this.watchers) if (w.dir === path.dirname(file)) w.onChange(path.basename(file));
  }

  async readTextPrefix(file: string, max: number): Promise<string> {
    const text = this.files.get(file)?.content ?? '';
    return text.length > max ? text.slice(0, text.lastIndexOf('\n', max - 1) + 1) : text;
  }
  async writeAtomic(file: string, content: string): Promise<void> {
    this.put(file, content);
  }
  async createIfMissing(file: string, content: string): Promise<void> {
    if (!this.files.has(file)) this.put(file, content);
  }
  async mkdir(dir: string): Promise<void> {
    this.dirs.add(dir);
  }
  watchDir(dir: string, onChange: (name: string | null) => void): () => void {
    const w = { dir, onChange };
    this.watchers.add(w);
    return () => {
      this.watchers.delete(w);
    };
  }
  async trustedExecutables(dir: string, _o?: Parameters<FileService['trustedExecutables']>[1]): Promise<string[]> {
    return [...this.files]
      .filter(([f, e]) => e.executable && path.dirname(f) === dir && !path.basename(f).startsWith('.'))
      .map(([f]) => f)
      .sort();
  }
}

/** One conntrack feed in memory: `emit` delivers an event to the subscribers; `table` is what `list` returns. */
export class MemoryConntrack implements ConntrackFeed {
  readonly subscribers = new Set<ConntrackSubscriber>();
  table: ConntrackRecord[] = [];
  subscribe(s: ConntrackSubscriber): () => void {
    this.subscribers.add(s);
    return () => {
      this.subscribers.delete(s);
    };
  }
  async list(): Promise<ConntrackRecord[]> {
    return structuredClone(this.table);
  }
  emit(r: ConntrackRecord): void {
    for (const s of [...this.subscribers]) s.event(r);
  }
}

export class MemorySystem implements System {
  readonly kind = 'memory' as const;
  /** Every call, in order, as `<service> <detail>` (for asserting what was asked of the system). */
  readonly calls: string[] = [];
  readonly probes: MemoryProbe[] = [];
  readonly scripts: { file: string; env: Record<string, string> }[] = [];
  /** What a script run returns. */
  scriptResult: ScriptResult = { exitCode: 0, signal: null, timedOut: false, ms: 0, stderr: '' };
  readonly processes: MemoryProcess[] = [];
  readonly conntracks: MemoryConntrack[] = [];
  readonly mapUpdates: { table: string; map: string; add: MapElement[]; remove: string[] }[] = [];
  /** Byte counters per device; a device absent here reads as null. */
  counters: Record<string, LinkBytes> = {};
  readonly mails: { transport: MailTransportOptions; message: MailMessage }[] = [];
  readonly files = new MemoryFiles();
  readonly http = new MemoryHttp();
  readonly states = new Map<string, PersistedState>();
  /** Every sd_notify datagram, as sent (`READY=1\nSTATUS=…\n`). */
  readonly notifications: string[] = [];
  /** Set before the daemon starts to make it send heartbeats (as systemd's WATCHDOG_USEC would). */
  watchdogMs: number | null = null;
  readonly notifier: ServiceNotifier;

  constructor(readonly kernel: MemoryKernel = new MemoryKernel()) {
    const watchdog = () => this.watchdogMs;
    this.notifier = {
      enabled: true,
      get watchdogMs() {
        return watchdog();
      },
      notify: (fields) => {
        this.notifications.push(notifyMessage(fields));
        return null;
      },
    };
  }

  readonly startProbe: System['startProbe'] = (spec, ctx, onSample) => {
    this.calls.push(`probe ${spec.method} ${spec.target} ${ctx.wan}`);
    const probe: MemoryProbe = {
      spec,
      ctx,
      stopped: false,
      sample: (s) => {
        if (!probe.stopped) onSample({ target: spec.target, method: spec.method, ...s });
      },
    };
    this.probes.push(probe);
    return {
      stop: () => {
        probe.stopped = true;
      },
    };
  };

  icmpBackend(): string {
    return 'memory';
  }

  readonly runScript: System['runScript'] = async (file, env) => {
    this.calls.push(`script ${file}`);
    this.scripts.push({ file, env });
    return { ...this.scriptResult };
  };

  readonly supervise: System['supervise'] = (spec, events = {}) => {
    this.calls.push(`supervise ${spec.name}`);
    const run: MemoryProcess = { spec, events, stopped: false, signals: [] };
    this.processes.push(run);
    for (const f of spec.files ?? []) this.files.put(f.path, f.content);
    events.started?.(10_000 + this.processes.length);
    return {
      name: spec.name,
      pid: undefined,
      starts: 1,
      signal: (name) => {
        if (run.stopped) return false;
        run.signals.push(name);
        return true;
      },
      stop: async () => {
        if (run.stopped) return;
        run.stopped = true;
        events.exited?.({ code: 0, signal: 'SIGTERM', ms: 0, restartInMs: null });
      },
    };
  };

  conntrackFeed(): MemoryConntrack {
    const feed = new MemoryConntrack();
    this.conntracks.push(feed);
    return feed;
  }

  async updateMap(table: string, map: string, add: MapElement[], remove: string[]): Promise<void> {
    this.calls.push(`map ${table} ${map}`);
    this.mapUpdates.push({ table, map, add: structuredClone(add), remove: [...remove] });
  }

  readonly setReplacements: { table: string; sets: TimedSet[] }[] = [];

  async replaceTimedSets(table: string, sets: TimedSet[]): Promise<void> {
    this.calls.push(`sets ${table} ${sets.map((s) => s.name).join(' ')}`);
    this.setReplacements.push({ table, sets: structuredClone(sets) });
  }

  async linkBytes(devices: string[]): Promise<Record<string, LinkBytes | null>> {
    return Object.fromEntries(devices.map((d) => [d, this.counters[d] ? { ...this.counters[d] } : null]));
  }

  readonly mail: System['mail'] = {
    open: async (transport) => {
      this.calls.push('mail open');
      return {
        sendMail: async (message) => {
          this.mails.push({ transport, message: structuredClone(message) });
          return { messageId: `<${this.mails.length}@memory>` };
        },
        close: () => undefined,
      };
    },
  };

  /** Record files by path (see privateFiles). */
  readonly privateStore = new Map<string, string>();

  privateFiles(dir: string): PrivateFiles {
    return memoryPrivateFiles(this.privateStore, dir);
  }

  stateStore(dir: string): StateStorage {
    const get = () => structuredClone(this.states.get(dir) ?? { disabled: [], sysctlOriginals: {} });
    return {
      load: async () => get(),
      save: async (state) => {
        this.states.set(dir, structuredClone(state));
      },
      update: async (change) => {
        this.states.set(dir, { ...get(), ...structuredClone(change) });
      },
    };
  }
}
