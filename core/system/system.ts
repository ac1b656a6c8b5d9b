// The system boundary (types only): every side effect mwan has — kernel, processes, sockets, files, mail, state — behind one injected object.
import type { KernelAdapter, NftFamily, NftJsonItem } from './kernel/adapter.ts';
import type { StartProbe } from './probes/types.ts';
import type { ScriptResult } from './process/scripts.ts';
import type { Supervise } from './process/supervise.ts';
import type { ConntrackFeed } from './conntrack/feed.ts';
import type { MapElement } from './kernel/nft-elements.ts';
import type { TimedSet } from './kernel/timed-sets.ts';
import type { LinkBytes } from './kernel/link-stats.ts';
import type { NfqueueService, NfqueueServiceOptions } from './nfqueue/index.ts';
import type { NfqRulesSpec } from './nfqueue/rules.ts';
import type { PersistedState } from './state-store.ts';
import type { ServiceNotifier } from './notify.ts';
import type { HttpService } from './http/types.ts';
import type { PrivateFiles } from './private-files.ts';
import type { FileService } from './files.ts';

export type { FileService };
import type { NftCounters } from './kernel/adapter.ts';

export type { PrivateFiles };

/** Runs a user script with a time limit; resolves when it ends or is killed. */
export type RunScript = (
  file: string,
  env: Record<string, string>,
  timeoutMs: number,
  signal?: AbortSignal,
) => Promise<ScriptResult>;

/** A sendmail or SMTP transport, as the mail plugin validated it. */
export type MailTransportOptions =
  | { sendmail: true; path?: string }
  | {
      host: string;
      port: number;
      secure: boolean;
      starttls: 'required' | 'opportunistic' | 'never';
      auth?: { user: string; pass: string };
      tls: { rejectUnauthorized: boolean; servername?: string };
      timeoutMs: number;
    };

export interface MailMessage {
  from: string;
  to: string[];
  subject: string;
  text: string;
}

/** One open mail transport: sends messages, then is closed. */
export interface MailTransport {
  sendMail(mail: MailMessage): Promise<{ messageId?: string }>;
  close(): void;
}

export interface MailService {
  /** Opens a transport (nodemailer for the real system); nothing is connected before the first message. */
  open(options: MailTransportOptions): Promise<MailTransport>;
}

/** What must outlive the daemon, kept in the state directory. */
export interface StateStorage {
  load(): Promise<PersistedState>;
  /** Reads, changes and writes back one part of the state; throws naming the file when it cannot be written. */
  update(change: Partial<PersistedState>): Promise<void>;
  /** Writes the whole state; throws naming the file when it cannot be written (nothing changed then). */
  save(state: PersistedState): Promise<void>;
}

/** Every side effect of mwan. The CLI builds one (real, dry-run or memory) and passes it to the Engine. */
export interface System {
  readonly kind: 'system' | 'dry-run' | 'memory';
  /** Kernel reads and applies, netlink watch, conntrack deletes, NFQUEUE rules and queue sockets, foreign nft tables. */
  readonly kernel: KernelAdapter;
  /** Starts probing one target from a WAN's address (sockets or ping processes). */
  readonly startProbe: StartProbe;
  /** How ICMP probes are sent here (for the daemon's start line). */
  icmpBackend(): string;
  readonly runScript: RunScript;
  /** Keeps a helper daemon running until its handle is stopped. */
  readonly supervise: Supervise;
  /** A conntrack event feed (one event process shared by its subscribers). */
  conntrackFeed(): ConntrackFeed;
  /** Writes elements (with timeouts) of a run-time map of `table`, in one transaction. */
  updateMap(table: string, map: string, add: MapElement[], remove: string[]): Promise<void>;
  /** Makes each named run-time set of `table` hold exactly the given elements (with timeouts), in one transaction. */
  replaceTimedSets(table: string, sets: TimedSet[]): Promise<void>;
  /** Byte counters of network devices; null for a missing device. */
  linkBytes(devices: string[]): Promise<Record<string, LinkBytes | null>>;
  readonly files: FileService;
  readonly mail: MailService;
  /** Read-only HTTP servers (the observe plugin's metrics and status page) and the package files they serve. */
  readonly http: HttpService;
  /** The state store of a state directory. */
  stateStore(dir: string): StateStorage;
  /** Root-only record files of a state directory (history, quota usage); refusals go to `warn`. */
  privateFiles(dir: string, warn: (message: string) => void): PrivateFiles;
  /** The service manager's notifications (systemd Type=notify: READY, STATUS, watchdog); a no-op without one. */
  readonly notifier: ServiceNotifier;
}

/** A queue listener a plugin asks for (with its strategy's factory); the core adds mwan's mark mask, the done bit and conntrack. */
export type NfqueueStart = Pick<
  NfqueueServiceOptions,
  'queue' | 'strategy' | 'factory' | 'strategyOptions' | 'wans' | 'wans6' | 'onProblem'
>;

/** The services a plugin gets as `ctx.system`: the System, bound to this engine's table and layout. */
export interface PluginServices {
  /**
   * Deletes the conntrack entries carrying `mark` under `mask` (connections pinned to a dead WAN), of one family when
   * given (a WAN out of service for IPv6 only loses only its IPv6 entries); returns the count.
   */
  deleteConnections(mark: number, mask: number, family?: 'ipv4' | 'ipv6'): Promise<number>;
  /**
   * Drops a device's unresolved (INCOMPLETE/FAILED) neighbour entries for the given addresses, its gateways, so the
   * next packet solicits at once; returns problems (never throws). Optional like supervise.
   */
  refreshNeighbours?: (device: string, addresses: string[]) => Promise<string[]>;
  /** Starts probing one target from a WAN's address (see core/system/probes/types.ts). */
  startProbe: StartProbe;
  /** Runs a user script with a time limit; resolves when it ends or is killed. */
  runScript: RunScript;
  /** Byte counters of network devices (/sys/class/net/<dev>/statistics); null for a missing device. */
  linkBytes?: (devices: string[]) => Promise<Record<string, LinkBytes | null>>;
  /** conntrack events, one `conntrack -E` shared by every subscriber, and a listing of the table. */
  conntrack?: ConntrackFeed;
  /** Writes elements (with timeouts) of one of mwan's run-time maps, in one transaction. */
  updateMap?: (map: string, add: MapElement[], remove: string[]) => Promise<void>;
  /**
   * The run-time sets of mwan's table that have timeouts (remembered choices: sticky, persistence), with their
   * elements; and replacing their elements (an HA backup mirrors the master's). Optional like supervise.
   */
  timedSets?: { read(): Promise<TimedSet[]>; replace(sets: TimedSet[]): Promise<void> };
  /**
   * Read-only: another program's nft table as `nft -j` objects (null when it does not exist), e.g. the table
   * miniupnpd records its mappings in. Optional like supervise.
   */
  listNftTable?: (family: NftFamily, name: string) => Promise<NftJsonItem[] | null>;
  /**
   * Keeps a helper daemon running (restarted with backoff) until the returned handle is stopped. The engine always
   * provides it; it is optional only so that contexts built by hand in tests need not.
   */
  supervise?: Supervise;
  /**
   * NFQUEUE: binds a queue and decides its new connections with a strategy; its queue rules send them there.
   * Closing the service unbinds it; the rule's bypass then lets the kernel's choice stand. Optional like supervise.
   */
  nfqueue?: {
    start(o: NfqueueStart): Promise<NfqueueService>;
    /** The queue rules (iptables): what applying `spec` would run, and applying it (the commands that changed something). */
    planRules(spec: NfqRulesSpec): Promise<string[][]>;
    applyRules(spec: NfqRulesSpec): Promise<string[][]>;
    /** The queue listeners running now (any plugin's), for their counters (the observe plugin's metrics). */
    running?(): readonly NfqueueService[];
  };
  /** Files the plugin reads and writes. Optional like supervise. */
  files?: FileService;
  /** The mail transport. Optional like supervise. */
  mail?: MailService;
  /** Read-only HTTP servers and the package files they serve. Optional like supervise. */
  http?: HttpService;
  /** The named counters of mwan's own table (null when it does not exist): one cheap read. Optional like supervise. */
  readCounters?: () => Promise<NftCounters | null>;
  /** Root-only record files in the state directory (the quota plugin's usage). Optional like supervise. */
  privateFiles?: PrivateFiles;
}
