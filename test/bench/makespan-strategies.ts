// The strategies the makespan bench compares: one mwan policy each over WANs of unequal capacity.
export interface StrategySpec {
  label: string;
  adaptive: boolean;
  /** Health probes on every WAN (lowest latency needs RTTs). */
  probes?: boolean;
  policy: Record<string, unknown>;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Integer member weights proportional to the capacities (40, 20, 10 → 4, 2, 1), at most 1000. */
export function capacityWeights(capsMbps: number[]): number[] {
  const top = Math.max(...capsMbps);
  const ints = capsMbps.map((c) => Math.max(1, Math.round((c * Math.min(1000, top)) / top)));
  const g = ints.reduce(gcd);
  return ints.map((w) => w / g);
}

/** `intervalMs`: how often the adaptive ones may rewrite the kernel's choice (mwan's default 1000 when absent). */
export function strategySpecs(capsMbps: number[], intervalMs?: number): StrategySpec[] {
  const every = intervalMs === undefined ? {} : { intervalMs };
  const wan = (k: number) => `isp${k + 1}`;
  const w = capacityWeights(capsMbps);
  const withCaps = capsMbps.map((c, k) => ({ wan: wan(k), capacityMbps: c }));
  return [
    {
      label: 'weighted, equal weights (exact split)',
      adaptive: false,
      policy: { strategy: 'weighted', members: capsMbps.map((_, k) => ({ wan: wan(k), weight: 1 })) },
    },
    {
      label: `weighted by capacity (${w.join(':')})`,
      adaptive: false,
      policy: { strategy: 'weighted', members: capsMbps.map((_, k) => ({ wan: wan(k), weight: w[k] })) },
    },
    { label: 'least-used', adaptive: true, policy: { strategy: 'least-used', members: withCaps, ...every } },
    { label: 'overflow (80 %)', adaptive: true, policy: { strategy: 'overflow', members: withCaps, ...every } },
    {
      label: `least-connections (weights ${w.join(':')})`,
      adaptive: true,
      policy: { strategy: 'least-connections', members: withCaps.map((m, k) => ({ ...m, weight: w[k] })), ...every },
    },
    {
      label: 'nfqueue:least-connections (per connection, unweighted)',
      adaptive: true,
      policy: { strategy: 'nfqueue:least-connections', members: capsMbps.map((_, k) => ({ wan: wan(k) })) },
    },
    {
      label: `nfqueue:least-connections (per connection, weights ${w.join(':')})`,
      adaptive: true,
      policy: {
        strategy: 'nfqueue:least-connections',
        members: capsMbps.map((_, k) => ({ wan: wan(k), weight: w[k] })),
      },
    },
    {
      label: 'lowest-latency',
      adaptive: true,
      probes: true,
      policy: { strategy: 'lowest-latency', members: capsMbps.map((_, k) => ({ wan: wan(k) })), ...every },
    },
  ];
}
