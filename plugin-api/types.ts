// The plugin API: what a plugin declares, the context it gets, and the read-only view of the world it renders from.
import type { EventBus } from '../core/bus.ts';
import type { Layout } from '../config/schema/identifiers.ts';
import type { ConfigContribution } from '../config/schema/parse.ts';
import type { MwanConfig, WanConfig } from '../config/schema/schema.ts';
import type { EventName, HealthFigures, TargetAnswer, WanStateName } from '../core/events.ts';
import type { Health } from '../core/wan/model.ts';
import type { DesiredBuilder } from '../core/reconcile/desired.ts';
import type { PluginServices } from '../core/system/system.ts';
import type { StrategyFactory } from '../core/system/nfqueue/strategy.ts';
import type { Logger } from '../core/log.ts';

export interface WanView {
  name: string;
  device: string;
  config: WanConfig;
  id: number;
  mark: number;
  table: number;
  weight: number;
  tier: number;
  address?: string;
  prefixLength?: number;
  /** The connected network, e.g. 100.64.1.0/30. */
  network?: string;
  gateway: string | null;
  pointToPoint: boolean;
  state: WanStateName;
  inService: boolean;
  /** The kernel can hold routes through this WAN (device up with an address), whether or not it is in service. */
  routable: boolean;
  /** Mean probe round-trip time and loss over the health window (null without probes or answers yet). */
  rttMs: number | null;
  lossPct: number | null;
  /** The WAN's IPv6 side (issue 13): its facts, and its own state and service (absent: the WAN has no IPv6). */
  ipv6?: {
    address?: string;
    prefixLength?: number;
    gateway: string | null;
    delegated?: string;
    lanPrefix?: string;
    state: WanStateName;
    reason: string;
    inService: boolean;
    routable: boolean;
    /** IPv6's own probe figures over its health window (null or absent: no IPv6 targets, answers or link). */
    rttMs?: number | null;
    lossPct?: number | null;
  };
}

/** Weights a plugin decided at run time (the policies plugin: an adaptive strategy's choice): per WAN name, 0 = no new connections. */
export interface RuntimeWeights {
  weights: Record<string, number>;
  reason: string;
}

export interface LanView {
  device: string;
  name: string;
  addresses: string[];
  networks: string[];
}

export interface WorldView {
  mode: MwanConfig['mode'];
  config: MwanConfig;
  layout: Layout;
  wans: WanView[];
  /**
   * The WANs that take new connections by default now (tiers applied, their weights), in order: what the plugin that
   * declares `selectActive` chooses (the policies' marker: the default policy's members), else every WAN in service
   * (balanced) or the lowest tier in service (failover).
   */
  active: WanView[];
  lans: LanView[];
  /** Weights plugins decided at run time, by their key (the policies plugin: per policy; absent: static weights). */
  runtimeWeights: Record<string, RuntimeWeights>;
}

/** A health verdict for one WAN, with the figures behind it. */
export interface HealthReport extends HealthFigures {
  /** The family the verdict is about (its probes' targets'); absent: 'ipv4'. */
  family?: 'ipv4' | 'ipv6';
  health: Health;
  reason: string;
  /** For a degraded WAN: whether its trigger level takes it out of service. */
  outOfService?: boolean;
  targets?: TargetAnswer[];
}

/** What a plugin's setup gets; `O`: its options' type (what its `options` parser returns). */
export interface PluginContext<O = Record<string, unknown>> {
  readonly name: string;
  readonly config: MwanConfig;
  /**
   * This plugin's options: what its `options` parser returned when the host validated the configuration (defaults
   * filled in), else `plugins.<name>` as written (`{}` when absent).
   */
  readonly options: O;
  readonly log: Logger;
  readonly bus: EventBus;
  /** The current view of WANs and LANs. */
  world(): WorldView;
  /**
   * The enabled plugins, in setup order, for a plugin that gathers what others declare (the policies plugin: their
   * nfqueueStrategies). The host always provides it; optional only so that contexts built by hand in tests need not.
   */
  readonly plugins?: readonly MwanPlugin[];
  /** Asks the core to bring the kernel up to date (coalesced with other requests). */
  requestReconcile(reason: string): void;
  /**
   * Keeps run-time weights under `key` in the world view (`runtimeWeights`; null removes them) and reconciles with
   * `reason`; the caller publishes its own events and bounds the rate. The engine always provides it; it is optional
   * only so that contexts built by hand in tests need not.
   */
  setRuntimeWeights?(key: string, choice: RuntimeWeights | null, reason: string): void;
  /**
   * A WAN's data quota is used up ('offline': out of service; 'standby': in service only while no other WAN is) or
   * restored (null); a change of service emits wan.* events and triggers a reconcile. Optional like setRuntimeWeights.
   */
  setQuotaOut?(wan: string, out: 'standby' | 'offline' | null): void;
  /**
   * An HA pair's single-address uplink is held by the peer (true: while this node has no address on it, its state is
   * 'held-by-peer', no failure) or may be held here (false). Optional like setQuotaOut; the ha plugin calls it.
   */
  setHeldByPeer?(wan: string, held: boolean): void;
  /** Reports a health verdict for a WAN; a change of state emits wan.* events and triggers a reconcile. */
  reportHealth(wan: string, report: HealthReport): void;
  /** The side effects a plugin may cause (kernel actions that are not declared state, probes, processes, files, mail). */
  readonly system: PluginServices;
}

export type Disposer = () => void | Promise<void>;

/**
 * Kernel state a plugin keeps outside mwan's nft table, routes and rules (the policies plugin: the NFQUEUE queue
 * rules), as argv commands: the engine ensures it with every reconcile and shows what `ensure` would run in plans.
 */
export interface KernelExtras {
  /** Whether `ensure` still has something to do. */
  readonly pending: boolean;
  /** Puts the state in place; resolves with the commands that ran. */
  ensure(): Promise<string[][]>;
  /** The state may be gone (removed or rolled back): the next `ensure` checks and applies it again. */
  forget(): void;
  /** The commands `ensure` would run now, running none. */
  plan(): Promise<string[][]>;
}

/**
 * How a plugin validates its options (`plugins.<name>`): `parse` returns them typed (defaults filled in) or throws.
 * It may throw an object with `issues: { path, message }[]` (a zod error, or one built by hand: paths are inside the
 * options), an MwanError, or any Error; the host reports each as `plugins.<name>.<field>: ...`. Must be pure.
 */
export interface PluginOptions<T = unknown> {
  parse(raw: Record<string, unknown>, config: MwanConfig): T;
}

export interface MwanPlugin<O = Record<string, unknown>> {
  /** Unique, lower-case; also the key of its options in the config. */
  name: string;
  /** Plugins that must be set up before this one. */
  dependencies?: string[];
  /** The events it declares in its `events.ts` (merged into `MwanEvents`), for `mwanctl events` completion. */
  events?: readonly EventName[];
  /**
   * Validates `plugins.<name>`: the host parses every enabled plugin's options before anything is built or applied
   * (check, plan, apply and daemon alike), so a bad option never gets as far as setup. Without it the options are
   * passed on unchecked.
   */
  options?: PluginOptions<O>;
  /**
   * The configuration this plugin owns beyond `plugins.<name>` (built-in plugins only): top-level sections with their
   * zod schemas, cross-checks against the rest, its part of the layout. Parsed with the core's fields when the
   * configuration is loaded (check, plan, apply and daemon alike).
   */
  configuration?: ConfigContribution;
  /**
   * NFQUEUE strategies this plugin provides, by name: a policy uses one as `strategy: nfqueue:<name>`. Registered
   * when the engine is built (before any setup); a name already taken is an error naming both plugins.
   */
  nfqueueStrategies?: Record<string, StrategyFactory>;
  /**
   * Checks the configuration against the enabled plugins (e.g. that every `nfqueue:<name>` policy names a strategy
   * one of them declares); throws to refuse. Run with the options check, before anything is built or applied (check,
   * plan, apply and daemon alike). Must be pure.
   */
  check?(config: MwanConfig, plugins: readonly MwanPlugin[]): void;
  /**
   * Chooses the world view's `active` WANs from the rest of the view (the first enabled plugin that declares it
   * decides; without one, the mode's choice). Called on every world view; must be pure and fast.
   */
  selectActive?(world: Omit<WorldView, 'active'>): WanView[];
  /** This configuration's kernel extras (null: none); asked once when the engine is built, before any setup. */
  kernelExtras?(layout: Layout, system: PluginServices, log: Logger): KernelExtras | null;
  /** Milliseconds `setup` may take (default 5000). */
  setupTimeoutMs?: number;
  /**
   * Subscribe to events, start timers; must settle within `setupTimeoutMs`. May return a function that undoes it
   * (called at teardown, before `teardown`), which keeps per-instance state in the closure.
   */
  setup?(ctx: PluginContext<O>): void | Disposer | Promise<void | Disposer>;
  /** Describe the kernel state this plugin wants, from the world view alone. Called on every reconcile; must be pure. */
  contribute?(desired: DesiredBuilder, world: WorldView): void;
  /**
   * What `mwanctl status` shows for this plugin under `plugins.<name>` (JSON-serialisable; undefined: nothing). Asked by
   * the daemon on every status request; should answer within a second or two.
   */
  status?(): unknown;
  /** Release what setup took (timers, sockets); run in reverse setup order. */
  teardown?(): void | Promise<void>;
}

/** Identity helper that gives a plugin object its type (and its setup's `ctx.options` its parser's type). */
export function definePlugin<O>(plugin: MwanPlugin<O>): MwanPlugin {
  return plugin as MwanPlugin<unknown> as MwanPlugin; // the host hands setup what `options.parse` returned
}
