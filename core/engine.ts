// The engine: config, bus, WAN registry, plugin host and reconciler wired together; used by the daemon and one-shot commands.
import { EventBus, type Handler } from './bus.ts';
import type { LoadedConfig } from '../config/schema/parse.ts';
import {
  planIsEmpty,
  type ApplyPlan,
  type KernelAdapter,
  type KernelSnapshot,
  type LinkHint,
  type ObservedNetwork,
  type OwnStateChange,
  type SavedState,
  ownershipOf,
} from './system/kernel/adapter.ts';
import type { StateStorage, System } from './system/system.ts';
import type { Logger } from './log.ts';
import { PluginHost } from './plugin/host.ts';
import type { MwanPlugin, RuntimeWeights, WorldView } from '../plugin-api/types.ts';
import { PluginKernelExtras, withExtras } from './system/kernel-extras.ts';
import { Reconciler, planFor, removalPlan } from './reconcile/reconciler.ts';
import { TablesOwnedCheck, type ForeignRouteReader } from './system/kernel/table-ownership.ts';
import { WanRegistry } from './wan/registry.ts';
import { buildWorld } from './world.ts';
import { WorldMemo, worldInputs } from './world-memo.ts';
import type { EventName, MwanEvents } from './events.ts';
import type { WanRuntime } from './wan/model.ts';
import { pluginServices } from './system/plugin-services.ts';
import { KnownKernelState } from './system/kernel/known-state.ts';
import { sysctlMemory, type SysctlMemory } from './system/sysctl-originals.ts';

export interface EngineOptions {
  loaded: LoadedConfig;
  system: System;
  log: Logger;
  plugins: MwanPlugin[];
}

export class Engine {
  private readonly bus: EventBus;
  private readonly registry: WanRegistry;
  private readonly host: PluginHost;
  private readonly reconciler: Reconciler;
  private readonly store: StateStorage;
  /** The sysctls' values before mwan changed them (the state directory's record). */
  private readonly sysctlMemory: SysctlMemory;
  /** The last full read: a link hint edits its links and keeps the rest (its IPv6 too: `auto` addresses would vanish). */
  private observed: ObservedNetwork = { links: [], defaults: [] };
  /** Weights plugins decided at run time, by key (see PluginContext.setRuntimeWeights). */
  private runtimeWeights: Record<string, RuntimeWeights> = {};

  /** The plugins' kernel state outside the table, routes and rules (the NFQUEUE queue rules). */
  private readonly extras: PluginKernelExtras;
  private readonly tables: TablesOwnedCheck;
  /** What mwan's kernel state is between reads: the observer's reads and the reconciler's applies keep it. */
  private readonly known = new KnownKernelState();

  private constructor(
    private readonly opts: EngineOptions,
    disabled: string[],
  ) {
    const { loaded, system, log } = opts;
    const { kernel } = system;
    this.bus = new EventBus(log);
    this.store = system.stateStore(loaded.config.stateDir);
    this.sysctlMemory = sysctlMemory(this.store);
    this.registry = new WanRegistry(loaded.config, loaded.layout, this.bus, disabled);
    const services = pluginServices(system, loaded.layout, loaded.config.stateDir, log);
    this.host = new PluginHost(opts.plugins, {
      config: loaded.config,
      bus: this.bus,
      log,
      world: () => this.world(),
      requestReconcile: (reason) => {
        void this.reconcile(reason);
      },
      reportHealth: (wan, r) =>
        this.changeService(
          () => this.registry.setHealth(wan, r),
          `${wan} ${r.family === 'ipv6' ? 'IPv6 ' : ''}${r.health}: ${r.reason}`,
        ),
      setRuntimeWeights: (key, choice, reason) => this.setRuntimeWeights(key, choice, reason),
      setQuotaOut: (wan, out) => this.changeService(() => this.registry.setQuotaOut(wan, out), `${wan} quota`),
      setHeldByPeer: (wan, held) => {
        if (this.registry.setHeldByPeer(wan, held))
          void this.reconcile(`${wan} ${held ? 'held by the HA peer' : 'ours'}`);
      },
      system: services,
    });
    this.extras = new PluginKernelExtras(
      this.host.plugins.flatMap((p) => p.kernelExtras?.(loaded.layout, services, log) ?? []),
    );
    this.tables = new TablesOwnedCheck(kernel as KernelAdapter & ForeignRouteReader, ownershipOf(loaded.layout));
    this.reconciler = new Reconciler(
      kernel,
      loaded.layout,
      () => this.host.collect(this.world()),
      this.sysctlMemory,
      this.known,
      this.bus,
      log,
    );
  }

  static async create(opts: EngineOptions): Promise<Engine> {
    const store = opts.system.stateStore(opts.loaded.config.stateDir);
    const { disabled } = await store.load();
    return new Engine(opts, disabled);
  }

  get layout() {
    return this.opts.loaded.layout;
  }
  get config() {
    return this.opts.loaded.config;
  }

  private readonly worldMemo = new WorldMemo();

  world(): WorldView {
    const { loaded } = this.opts;
    return this.worldMemo.get(
      worldInputs(this.registry.wans, loaded, this.observed.links, this.runtimeWeights, this.host.plugins),
      () => buildWorld(loaded, this.registry.wans, this.observed.links, this.runtimeWeights, this.host.plugins),
    );
  }

  /** Runs a change of the registry; reconciles when it changed any WAN's service, of either family (standby WANs too). */
  private changeService(change: () => void, reason: string): void {
    const service = () => this.registry.wans.map((w) => `${w.inService}/${w.ipv6?.inService}`).join();
    const was = service();
    change();
    if (service() !== was) void this.reconcile(reason);
  }

  /** Keeps weights a plugin decided at run time (null removes them) and reconciles. */
  setRuntimeWeights(key: string, choice: RuntimeWeights | null, reason: string): void {
    const next = { ...this.runtimeWeights };
    if (choice) next[key] = { weights: { ...choice.weights }, reason: choice.reason };
    else delete next[key];
    this.runtimeWeights = next;
    void this.reconcile(reason);
  }

  /** Reads links, addresses and foreign default routes; returns true when any WAN changed. */
  async observe(): Promise<boolean> {
    const stamp = this.known.stamp();
    const { observed, current } = await this.opts.system.kernel.snapshot(ownershipOf(this.layout));
    this.known.offer(current, stamp);
    this.observed = observed;
    return this.registry.observe(observed);
  }

  /**
   * Folds a link change reported by netlink into the last observation without reading the kernel again
   * (the fast path for carrier loss). Returns true when a WAN changed; false also when the link is unknown.
   */
  applyLinkHint(hint: LinkHint): boolean {
    const { links } = this.observed;
    const link = links.find((l) => l.name === hint.name);
    if (!link) return false;
    if (hint.deleted) this.observed = { ...this.observed, links: links.filter((l) => l !== link) };
    else Object.assign(link, { adminUp: hint.adminUp, carrier: hint.carrier });
    return this.registry.observe(this.observed);
  }

  /** Brings the kernel up to date, and the plugins' kernel extras where pending (their commands join the plan). */
  reconcile(reason: string): ReturnType<Reconciler['request']> {
    // Before the first change: a table in mwan's range holding another tool's routes is refused, never taken over.
    if (this.tables.pending) return this.tables.check().then(() => this.reconcile(reason));
    this.bus.emit('reconcile.requested', { reason });
    const run = this.reconciler.request(reason);
    if (!this.extras.pending) return run;
    return Promise.all([run, this.extras.ensure()]).then(([r, iptables]) =>
      r && iptables.length ? { ...r, changed: true, plan: withExtras(r.plan, iptables) } : r,
    );
  }

  /** What an apply would run now, without running it. */
  async plan(): Promise<ApplyPlan> {
    await this.observe();
    const [{ plan }, iptables] = await Promise.all([
      planFor(this.opts.system.kernel, this.layout, this.host.collect(this.world()), await this.sysctlMemory.load()),
      this.extras.plan(),
    ]);
    return withExtras(plan, iptables);
  }

  /** Writes the state file first: when it cannot be written (a full disk), the WAN stays as it was. */
  async setEnabled(name: string, enabled: boolean): Promise<void> {
    this.registry.get(name);
    await this.store.update({
      disabled: this.registry.wans.filter((w) => (w.name === name ? !enabled : !w.enabled)).map((w) => w.name),
    });
    this.registry.setEnabled(name, enabled);
  }

  /** Drops what this engine believes the kernel holds (routes, rules, nft, extras): the next reconcile repairs all of it. */
  forgetKernelState(): void {
    this.known.forget();
    this.extras.forget();
  }

  /**
   * Removes every route, rule and nft object mwan owns, its NFQUEUE chains and their jump, and restores the sysctls it
   * changed; nothing else is touched.
   */
  async removeKernelState(): Promise<ApplyPlan> {
    this.forgetKernelState();
    const originals = await this.sysctlMemory.load();
    const { plan } = await removalPlan(this.opts.system.kernel, this.layout, originals);
    await this.sysctlMemory.save({}); // the file first: when it cannot be written the kernel is left as it is
    try {
      if (!planIsEmpty(plan)) await this.opts.system.kernel.apply(plan);
    } catch (error) {
      await this.sysctlMemory.save(originals).catch(() => undefined);
      throw error;
    }
    return withExtras(plan, await this.opts.system.kernel.nfqueue.removeRules());
  }

  // The façade: what the daemon, the CLI, status and tests use instead of the engine's parts.
  /** Sets the plugins up (the daemon's start). */
  start(): Promise<void> {
    return this.host.setup();
  }
  /** Tears the plugins down, last set up first. */
  stop(): Promise<void> {
    return this.host.teardown();
  }
  pluginNames(): string[] {
    return this.host.plugins.map((p) => p.name);
  }
  /** What the plugins that report a status say now, by plugin name (a failing one reports its error). */
  async pluginStatus(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const p of this.host.plugins) {
      if (!p.status) continue;
      try {
        const s = await p.status();
        if (s !== undefined) out[p.name] = s;
      } catch (error) {
        out[p.name] = { error: error instanceof Error ? error.message : String(error) };
      }
    }
    return out;
  }
  /** How ICMP probes are sent here (raw sockets through the addon, or ping processes). */
  icmpBackend(): string {
    return this.opts.system.icmpBackend();
  }
  wans(): readonly WanRuntime[] {
    return this.registry.wans;
  }
  /** What every plugin wants the kernel to hold, for the world as it is now. */
  desired(): ReturnType<PluginHost['collect']> {
    return this.host.collect(this.world());
  }
  lastReconcile(): Reconciler['last'] {
    return this.reconciler.last;
  }
  on<E extends EventName>(event: E, handler: Handler<E>): () => void {
    return this.bus.on(event, handler);
  }
  onEvent(listener: (event: EventName, payload: unknown) => void): () => void {
    return this.bus.onAny(listener);
  }
  emit<E extends EventName>(event: E, payload: MwanEvents[E]): void {
    this.bus.emit(event, payload);
  }

  /** Reconciles now; a failed reconcile throws with its error. */
  async apply(reason: string): Promise<NonNullable<Awaited<ReturnType<Reconciler['request']>>>> {
    const result = await this.reconcile(reason);
    if (!result) throw new Error(this.reconciler.last?.error ?? 'reconcile failed');
    return result;
  }

  /** Re-plans from a fresh kernel read (mwan's state changed behind its back); `gate` may still refuse the apply. */
  repair(reason: string, gate: () => boolean): ReturnType<Reconciler['request']> {
    return this.reconciler.request(reason, { fresh: true, gate });
  }
  /** The kernel flushed routes on its own (a device went down or away): the next plan starts from a fresh read. */
  forgetRoutes(): void {
    this.known.forget();
  }
  /** Netlink changes (`onLink`) and changes to mwan's own kernel state (`onOwnChange`); returns the unwatch. */
  watch(onLink: (hint?: LinkHint) => void, onOwnChange: (change: OwnStateChange) => void): () => void {
    return this.opts.system.kernel.watch(onLink, { ownership: ownershipOf(this.layout), onChange: onOwnChange });
  }
  readKernel(): Promise<KernelSnapshot> {
    return this.opts.system.kernel.read(ownershipOf(this.layout));
  }
  readSysctls(keys: string[]): Promise<Record<string, string | null>> {
    return this.opts.system.kernel.readSysctls(keys);
  }

  /** A reload: the named WANs keep the health state, `since` and flaps `previous` holds (see WanRegistry.adopt). */
  carryWanState(previous: Engine, names: string[]): void {
    this.registry.adopt(previous.registry, names);
  }

  /** Whether this configuration has kernel extras to keep in place (the NFQUEUE policies' queue rules). */
  keepsKernelExtras(): boolean {
    return this.extras.any;
  }
  /** Checks the kernel extras again and puts back what is missing; true when that changed something. */
  repairKernelExtras(): Promise<boolean> {
    return this.extras.repair();
  }
  removeNfqueueRules(): Promise<string[][]> {
    return this.opts.system.kernel.nfqueue.removeRules();
  }

  /** Writes the state file again as it is: a full disk refuses here, before anything changes. */
  async assertStateWritable(): Promise<void> {
    await this.store.save(await this.store.load());
  }
  /** Saves the kernel state mwan owns (with every sysctl it changed or would change); the restore puts it back. */
  async saveKernelState(): Promise<() => Promise<void>> {
    const own = ownershipOf(this.layout);
    const keys = [
      ...Object.keys((await this.store.load()).sysctlOriginals),
      ...this.desired().sysctls.map((s) => s.key),
    ];
    const saved: SavedState = await this.opts.system.kernel.saveState(own, keys);
    return () => this.opts.system.kernel.restoreState(own, saved);
  }
}
