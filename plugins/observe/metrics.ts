// The Prometheus metrics (prom-client, on a registry of their own): per WAN, per policy and the daemon's, fed by bus events and refreshed at each scrape.
import type { Gauge, Registry } from 'prom-client';
import type { MwanEvents, NfqueueService, WanStateName, WorldView } from '../../plugin-api/index.ts';
import { CumulativeCounter } from './cumulative.ts';
import { loadPromParts, type PromParts } from './prom-client-parts.ts';
import type { PolicyShare } from './policies.ts';
import type { StateTracker } from './states.ts';

export const WAN_STATES: readonly WanStateName[] = [
  'unknown',
  'online',
  'degraded',
  'offline',
  'link-down',
  'admin-down',
  'held-by-peer',
];
/** Round-trip time buckets (seconds): LAN-fast to satellite-slow. */
const RTT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** prom-client, loaded by createMetrics: a daemon with the server off never loads it (about 4.5 MB resident). */
let pc: PromParts;

/** Loads prom-client (once) and builds the metrics. */
export async function createMetrics(): Promise<ObserveMetrics> {
  pc ??= await loadPromParts();
  return new ObserveMetrics();
}

/**
 * prom-client's process metrics, collected once per process: each collection starts observers (GC, event-loop delay)
 * that cannot be stopped, so a reload (a new plugin instance) reuses them.
 */
let processMetrics: Registry | undefined;
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new pc.Registry();
    // The event-loop delay is sampled once a second, not every 10 ms (prom-client's default): 100 wake-ups a second of
    // the daemon's only thread cost more than everything else here (npm run bench -- observe).
    pc.collectDefaultMetrics({ register: processMetrics, eventLoopMonitoringPrecision: 1000 });
  }
  return processMetrics;
}

/**
 * The `family` label of a per-family series: `ipv6` on a WAN's IPv6 side; IPv4's series keep the labels they had
 * (no `family`), so existing queries and dashboards read the same series as before.
 */
const familyLabel = (six: boolean): { family?: 'ipv6' } => (six ? { family: 'ipv6' } : {});

/** Build it with createMetrics (prom-client must be loaded first). */
export class ObserveMetrics {
  readonly registry = new pc.Registry();
  private readonly r = [this.registry];
  private readonly wanState = new pc.Gauge({
    name: 'mwan_wan_state',
    help: 'The WAN state (family="ipv6": its IPv6 side): 1 for its current state, 0 for the others.',
    labelNames: ['wan', 'family', 'state'] as const,
    registers: this.r,
  });
  private readonly inService = new pc.Gauge({
    name: 'mwan_wan_in_service',
    help: '1 when the WAN takes new connections (family="ipv6": new IPv6 connections).',
    labelNames: ['wan', 'family'] as const,
    registers: this.r,
  });
  private readonly weight = new pc.Gauge({
    name: 'mwan_wan_weight',
    help: 'The configured weight of the WAN.',
    labelNames: ['wan'] as const,
    registers: this.r,
  });
  private readonly sinceChange = new pc.Gauge({
    name: 'mwan_wan_state_age_seconds',
    help: 'Seconds since the WAN last changed state (since the daemon started when it has not).',
    labelNames: ['wan'] as const,
    registers: this.r,
  });
  private readonly stateChanges = new pc.Counter({
    name: 'mwan_wan_state_changes_total',
    help: 'State changes of the WAN since the daemon started.',
    labelNames: ['wan'] as const,
    registers: this.r,
  });
  private readonly rtt = new pc.Histogram({
    name: 'mwan_wan_rtt_seconds',
    help: 'Round-trip times of answered probes (family="ipv6": of IPv6 targets).',
    labelNames: ['wan', 'family'] as const,
    buckets: RTT_BUCKETS,
    registers: this.r,
  });
  private readonly loss = new pc.Gauge({
    name: 'mwan_wan_loss_ratio',
    help: 'Probe loss over the health window, 0 to 1 (family="ipv6": of IPv6 targets).',
    labelNames: ['wan', 'family'] as const,
    registers: this.r,
  });
  private readonly rounds = new pc.Counter({
    name: 'mwan_wan_probe_rounds_total',
    help: 'Probe rounds by result, ok or failed (family="ipv6": rounds of IPv6 targets).',
    labelNames: ['wan', 'family', 'result'] as const,
    registers: this.r,
  });
  private readonly traffic = {
    newConnections: this.cumulative('mwan_wan_new_connections_total', 'New connections mwan sent through the WAN.'),
    rxBytes: this.cumulative('mwan_wan_receive_bytes_total', 'Bytes received on the WAN.'),
    txBytes: this.cumulative('mwan_wan_transmit_bytes_total', 'Bytes sent on the WAN.'),
    rxPackets: this.cumulative('mwan_wan_receive_packets_total', 'Packets received on the WAN.'),
    txPackets: this.cumulative('mwan_wan_transmit_packets_total', 'Packets sent on the WAN.'),
  };
  private readonly quotaUsed = this.wanGauge('mwan_wan_quota_used_bytes', 'Bytes used of the WAN quota this period.');
  private readonly quotaLimit = this.wanGauge('mwan_wan_quota_limit_bytes', 'The WAN quota for the period, in bytes.');
  private readonly quotaRatio = this.wanGauge('mwan_wan_quota_used_ratio', 'The share of the WAN quota used (0 to 1).');
  private readonly policyShare = new pc.Gauge({
    name: 'mwan_policy_share_ratio',
    help: "The share of the policy's new connections each WAN gets now (its current weights over its usable members).",
    labelNames: ['policy', 'wan'] as const,
    registers: this.r,
  });
  private readonly policyDecisions = new CumulativeCounter(
    new pc.Counter({
      name: 'mwan_policy_decisions_total',
      help: 'New connections an NFQUEUE policy decided, per WAN.',
      labelNames: ['policy', 'wan'] as const,
      registers: this.r,
    }),
  );
  private readonly reconcileSeconds = new pc.Histogram({
    name: 'mwan_reconcile_duration_seconds',
    help: 'Duration of reconciles that succeeded.',
    labelNames: ['changed'] as const,
    buckets: RECONCILE_BUCKETS,
    registers: this.r,
  });
  private readonly reconcileFailures = new pc.Counter({
    name: 'mwan_reconcile_failures_total',
    help: 'Reconciles that failed (the previous kernel state stayed).',
    registers: this.r,
  });
  private readonly repairs = new pc.Counter({
    name: 'mwan_repairs_total',
    help: "Self-repairs that changed the kernel (mwan's state deleted or changed by another tool).",
    registers: this.r,
  });
  private readonly nfqDecisions = new CumulativeCounter(
    new pc.Counter({
      name: 'mwan_nfqueue_decisions_total',
      help: 'Packets a queue listener answered, by outcome (wan: decided; kernel: left to the kernel; error; not-ipv4).',
      labelNames: ['queue', 'strategy', 'outcome'] as const,
      registers: this.r,
    }),
  );
  private readonly nfqFailOpens = new CumulativeCounter(
    new pc.Counter({
      name: 'mwan_nfqueue_fail_opens_total',
      help: 'Times the kernel let queued packets through unseen (queue full: ENOBUFS, or verdict errors).',
      labelNames: ['queue', 'strategy'] as const,
      registers: this.r,
    }),
  );

  private readonly haRole = new pc.Gauge({
    name: 'mwan_ha_role',
    help: "1 for this HA node's current role (master, backup, fault), 0 for the others; absent without an HA pair.",
    labelNames: ['node', 'role'] as const,
    registers: this.r,
  });
  private readonly haRoleChanges = new pc.Counter({
    name: 'mwan_ha_role_changes_total',
    help: 'Role changes of this HA node since the daemon started.',
    labelNames: ['node'] as const,
    registers: this.r,
  });

  private cumulative(name: string, help: string): CumulativeCounter<'wan'> {
    return new CumulativeCounter(new pc.Counter({ name, help, labelNames: ['wan'] as const, registers: this.r }));
  }

  private wanGauge(name: string, help: string): Gauge<'wan'> {
    return new pc.Gauge({ name, help, labelNames: ['wan'] as const, registers: this.r });
  }

  probe(p: MwanEvents['probe.result']): void {
    const six = p.family === 'ipv6';
    this.rounds.inc({ wan: p.wan, ...familyLabel(six), result: p.ok ? 'ok' : 'failed' });
    for (const t of p.targets)
      if (t.ok && t.rttMs !== null) this.rtt.observe({ wan: p.wan, ...familyLabel(six) }, t.rttMs / 1000);
    // IPv4's series keeps its labels; IPv6's health window is its own series.
    if (p.lossPct !== null) this.loss.set({ wan: p.wan, ...familyLabel(six) }, p.lossPct / 100);
  }

  trafficOf(t: MwanEvents['wan.traffic']): void {
    for (const key of ['newConnections', 'rxBytes', 'txBytes', 'rxPackets', 'txPackets'] as const)
      this.traffic[key].set({ wan: t.wan }, t[key]);
  }

  quota(q: MwanEvents['wan.quota']): void {
    this.quotaUsed.set({ wan: q.wan }, q.usedBytes);
    this.quotaLimit.set({ wan: q.wan }, q.limitBytes);
    this.quotaRatio.set({ wan: q.wan }, q.limitBytes > 0 ? q.usedBytes / q.limitBytes : 0);
  }

  reconciled(p: MwanEvents['reconcile.done']): void {
    this.reconcileSeconds.observe({ changed: String(p.changed) }, p.ms / 1000);
    if (p.changed && p.reason.startsWith('repair:')) this.repairs.inc();
  }

  role(r: MwanEvents['ha.role']): void {
    for (const role of ['master', 'backup', 'fault'] as const)
      this.haRole.set({ node: r.node, role }, r.role === role ? 1 : 0);
    this.haRoleChanges.inc({ node: r.node });
  }

  reconcileFailed(): void {
    this.reconcileFailures.inc();
  }

  stateChanged(wan: string): void {
    this.stateChanges.inc({ wan });
  }

  /** What is read rather than counted: states, weights, shares, queue counters. Called before each scrape. */
  refresh(
    world: WorldView,
    states: StateTracker,
    shares: readonly PolicyShare[],
    queues: readonly NfqueueService[],
    now: number,
  ): void {
    for (const w of world.wans) {
      const sides = [{ six: false, state: w.state, inService: w.inService }];
      if (w.ipv6) sides.push({ six: true, state: w.ipv6.state, inService: w.ipv6.inService });
      for (const side of sides) {
        const labels = { wan: w.name, ...familyLabel(side.six) };
        for (const s of WAN_STATES) this.wanState.set({ ...labels, state: s }, side.state === s ? 1 : 0);
        this.inService.set(labels, side.inService ? 1 : 0);
      }
      this.weight.set({ wan: w.name }, w.weight);
      this.sinceChange.set({ wan: w.name }, Math.max(0, (now - states.lastChangeAt(w.name)) / 1000));
      // counters exist from the start (at 0), so rate() sees the first increase
      this.stateChanges.inc({ wan: w.name }, 0);
      for (const result of ['ok', 'failed']) this.rounds.inc({ wan: w.name, result }, 0);
    }
    this.policyShare.reset();
    for (const p of shares)
      for (const [wan, share] of Object.entries(p.shares)) this.policyShare.set({ policy: p.name, wan }, share);
    const policyOfQueue = new Map([...world.layout.nfqueue.policies].map(([name, ids]) => [ids.queue, name]));
    for (const q of queues) {
      const stats = q.stats();
      const labels = { queue: String(q.queue), strategy: q.strategy };
      const policy = policyOfQueue.get(q.queue);
      let decided = 0;
      for (const [wan, n] of Object.entries(stats.decided)) {
        decided += n;
        if (policy) this.policyDecisions.set({ policy, wan }, n);
      }
      this.nfqDecisions.set({ ...labels, outcome: 'wan' }, decided);
      this.nfqDecisions.set({ ...labels, outcome: 'kernel' }, stats.kernelChoice);
      this.nfqDecisions.set({ ...labels, outcome: 'error' }, stats.strategyErrors);
      this.nfqDecisions.set({ ...labels, outcome: 'not-ipv4' }, stats.notIpv4);
      this.nfqFailOpens.set(labels, stats.socketErrors + stats.kernelErrors);
    }
  }

  /** mwan's metrics and the process metrics, as one exposition. */
  async text(): Promise<{ contentType: string; body: string }> {
    const [own, process] = await Promise.all([this.registry.metrics(), processRegistry().metrics()]);
    return { contentType: this.registry.contentType, body: `${own}\n${process}` };
  }

  /** Every metric name served (mwan's and the process metrics). */
  names(): string[] {
    return [...this.registry.getMetricsAsArray(), ...processRegistry().getMetricsAsArray()].map((m) => m.name);
  }
}
