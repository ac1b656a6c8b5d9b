// The engine: config, bus, WAN registry, plugin host and reconciler wired together; used by the daemon and one-shot commands.
import { EventBus } from './bus.ts';
import type { LoadedConfig } from './config/load.ts';
import { planIsEmpty, type ApplyPlan, type ForeignDefault, type KernelAdapter, type LinkHint, type LinkState } from './system/kernel/adapter.ts';
import type { StateStorage, System } from './system/system.ts';
import type { Logger } from './log.ts';
import { PluginHost } from './plugin/host.ts';
import type { NfqueueStrategyRegistry } from './system/nfqueue/strategy.ts';
import { NfqueueRules, checkNfqueueStrategies, nfqRulesSpec, strategyRegistry } from './nfqueue-wiring.ts';
import type { AdaptiveWeights, MwanPlugin, WorldView } from './plugin/types.ts';
import { Reconciler, ownershipOf, planFor, removalPlan } from './reconcile/reconciler.ts';
import { assertTablesOwned, type ForeignRouteReader } from './system/kernel/table-ownership.ts';
import { WanRegistry } from './wan/registry.ts';
import { buildWorld } from './world.ts';

export interface EngineOptions { loaded: LoadedConfig; system: System; log: Logger; plugins: MwanPlugin[]; bus?: EventBus }

export class Engine {
  readonly bus: EventBus;
  readonly registry: WanRegistry;
  readonly host: PluginHost;
  readonly reconciler: Reconciler;
  readonly store: StateStorage;
  links: LinkState[] = [];
  private defaults: ForeignDefault[] = [];
  /** What adaptive strategies decided, per policy (see PluginContext.setPolicyWeights). */
  private adaptive: Record<string, AdaptiveWeights> = {};

  /** NFQUEUE strategies by name: built in, registered in-process, and the plugins' own. */
  readonly strategies: NfqueueStrategyRegistry;
  /** The queue rules of this configuration's NFQUEUE policies. */
  readonly nfqRules: NfqueueRules;

  private constructor(readonly opts: EngineOptions, disabled: string[]) {
    const { loaded, system, log } = opts;
    const { kernel } = system;
    this.bus = opts.bus ?? new EventBus(log);
    this.nfqRules = new NfqueueRules(kernel.nfqueue, nfqRulesSpec(loaded.layout), log);
    const conntrack = system.conntrackFeed();
    this.store = system.stateStore(loaded.config.stateDir);
    this.registry = new WanRegistry(loaded.config, loaded.layout, this.bus, disabled);
    this.host = new PluginHost(opts.plugins, {
      config: loaded.config, bus: this.bus, log, world: () => this.world(), requestReconcile: (reason) => { void this.reconcile(reason); },
      reportHealth: (wan, r) => {
        const figures = { rttMs: r.rttMs, lossPct: r.lossPct, targets: r.targets };
        const wasIn = this.registry.get(wan).inService;
        this.registry.setHealth(wan, r.health, r.reason, figures, Date.now(), r.outOfService ?? false);
        if (this.registry.get(wan).inService !== wasIn) void this.reconcile(`${wan} ${r.health}: ${r.reason}`);
      },
      setPolicyWeights: (policy, choice) => this.setPolicyWeights(policy, choice),
      system: { deleteConnections: (mark, mask) => kernel.deleteConnections(mark, mask), startProbe: system.startProbe, runScript: system.runScript,
        linkBytes: (devices) => system.linkBytes(devices), conntrack, files: system.files, mail: system.mail,
        updateMap: (map, add, remove) => system.updateMap(loaded.layout.nftTable, map, add, remove), supervise: (spec, events) => system.supervise(spec, events),
        listNftTable: kernel.listNftTable ? (family, name) => kernel.listNftTable!(family, name) : undefined,
        nfqueue: { start: (o) => kernel.nfqueue.start({ ...o, mask: loaded.layout.mask, doneBit: loaded.layout.nfqueue.doneBit, conntrack, registry: this.strategies }) } },
    });
    this.strategies = strategyRegistry(this.host.plugins);
    checkNfqueueStrategies(loaded.layout, this.strategies);
    this.reconciler = new Reconciler(kernel, loaded.layout, () => this.host.collect(this.world()), this.sysctlMemory, this.bus, log);
  }

  static async create(opts: EngineOptions): Promise<Engine> {
    const store = opts.system.stateStore(opts.loaded.config.stateDir);
    const { disabled } = await store.load();
    return new Engine(opts, disabled);
  }

  /** The originals are read from the state directory once, then kept here: every reconcile needs them. */
  private sysctlOriginals?: Record<string, string>;

  private readonly sysctlMemory = {
    load: async () => (this.sysctlOriginals ??= (await this.store.load()).sysctlOriginals),
    save: async (sysctlOriginals: Record<string, string>) => {
      await this.store.update({ sysctlOriginals }); // the file first: when it cannot be written nothing changes
      this.sysctlOriginals = sysctlOriginals;
    },
  };

  get layout() { return this.opts.loaded.layout; }
  get config() { return this.opts.loaded.config; }

  world(): WorldView {
    return buildWorld(this.opts.loaded, this.registry.wans, this.links, this.adaptive);
  }

  /** Keeps an adaptive strategy's choice; a change emits `policy.weights` and reconciles. */
  setPolicyWeights(policy: string, choice: AdaptiveWeights | null): void {
    const before = this.adaptive[policy];
    if (JSON.stringify(before?.weights ?? null) === JSON.stringify(choice?.weights ?? null)) return;
    const next = { ...this.adaptive };
    if (choice) next[policy] = { weights: { ...choice.weights }, reason: choice.reason };
    else delete next[policy];
    this.adaptive = next;
    this.bus.emit('policy.weights', { policy, weights: choice?.weights ?? null, reason: choice?.reason ?? 'static weights' });
    void this.reconcile(`policy ${policy}: ${choice?.reason ?? 'static weights'}`);
  }

  /** Reads links, addresses and foreign default routes; returns true when any WAN changed. */
  async observe(): Promise<boolean> {
    const stamp = this.reconciler.stamp();
    const { observed, current } = await this.opts.system.kernel.snapshot(ownershipOf(this.layout));
    this.reconciler.offerSnapshot(current, stamp);
    this.links = observed.links;
    this.defaults = observed.defaults;
    return this.registry.observe(observed);
  }

  /**
   * Folds a link change reported by netlink into the last observation without reading the kernel again
   * (the fast path for carrier loss). Returns true when a WAN changed; false also when the link is unknown.
   */
  applyLinkHint(hint: LinkHint): boolean {
    const link = this.links.find((l) => l.name === hint.name);
    if (!link) return false;
    if (hint.deleted) this.links = this.links.filter((l) => l !== link);
    else Object.assign(link, { adminUp: hint.adminUp, carrier: hint.carrier });
    return this.registry.observe({ links: this.links, defaults: this.defaults });
  }

  /** Brings the kernel up to date; the first one also applies the NFQUEUE queue rules (their commands join the plan). */
  reconcile(reason: string): ReturnType<Reconciler['request']> {
    // Before the first change: a table in mwan's range holding another tool's routes is refused, never taken over.
    if (!this.tablesOwned && this.foreignRouteReader().foreignRoutes) return this.checkTablesOwned().then(() => this.reconcile(reason));
    this.bus.emit('reconcile.requested', { reason });
    const run = this.reconciler.request(reason);
    if (!this.nfqRules.pending) return run;
    return Promise.all([run, this.nfqRules.ensure()]).then(([r, iptables]) => (r && iptables.length ? { ...r, changed: true, plan: { ...r.plan, iptables } } : r));
  }

  private tablesOwned = false;

  /** Kernels without the listing (test doubles) have nothing to check, and reconcile at once as before. */
  private foreignRouteReader = () => this.opts.system.kernel as KernelAdapter & ForeignRouteReader;

  /** One listing however many reconciles are requested while it runs; a refusal is checked afresh next time. */
  private tablesChecking: Promise<void> | undefined;

  private checkTablesOwned(): Promise<void> {
    this.tablesChecking ??= (async () => {
      const own = ownershipOf(this.layout);
      assertTablesOwned(await this.foreignRouteReader().foreignRoutes!(own), own);
      this.tablesOwned = true;
    })().catch((error: unknown) => { this.tablesChecking = undefined; throw error; });
    return this.tablesChecking;
  }

  /** What an apply would run now, without running it. */
  async plan(): Promise<ApplyPlan> {
    await this.observe();
    const [{ plan }, iptables] = await Promise.all([
      planFor(this.opts.system.kernel, this.layout, this.host.collect(this.world()), await this.sysctlMemory.load()),
      this.nfqRules.pending ? this.nfqRules.plan() : [],
    ]);
    return iptables.length ? { ...plan, iptables } : plan;
  }

  /** Writes the state file first: when it cannot be written (a full disk), the WAN stays as it was. */
  async setEnabled(name: string, enabled: boolean): Promise<void> {
    this.registry.get(name);
    await this.store.update({ disabled: this.registry.wans.filter((w) => (w.name === name ? !enabled : !w.enabled)).map((w) => w.name) });
    this.registry.setEnabled(name, enabled);
  }

  /** Drops what this engine believes the kernel holds (routes, rules, nft, queue rules): the next reconcile repairs all of it. */
  forgetKernelState(): void {
    this.reconciler.forget();
    this.nfqRules.forget();
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
    const iptables = await this.opts.system.kernel.nfqueue.removeRules();
    return iptables.length ? { ...plan, iptables } : plan;
  }
}
