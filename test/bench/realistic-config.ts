// The configuration users run, for benchmarks: probes on every WAN, a LAN, the firewall on, port forwards, a policy with rules.
export interface RealisticOptions {
  /** WAN i (1-based): its name, device and gateway. */
  wan: (i: number) => { name: string; device: string; gateway: string };
  wans: number;
  lanDevice: string;
  /** Where state, the control socket and plugins.d live. */
  dir: string;
  /** Two ICMP probe targets per WAN (lab addresses only). */
  probeTargets: [string, string];
  /** The LAN host port forwards point at (in the LAN's network). */
  forwardTo: string;
  /** Number of rules (besides the default rule) and of port forwards; users run about 3 and 2. */
  rules?: number;
  forwards?: number;
  mode?: 'balanced' | 'failover';
  /** Extra top-level fields (health, kernel …) merged in last. */
  extra?: Record<string, unknown>;
}

/** WAN weights 3:2:1 repeating, so the weighted split is never the trivial one. */
const weightOf = (i: number): number => 3 - ((i - 1) % 3);

/** A rule per index: ports, destination networks and sources in rotation, all on the "web" or "backup" policy. */
function ruleFor(k: number, wanNames: string[]): Record<string, unknown> {
  const name = `r${k}`;
  if (k % 3 === 0) return { name, proto: 'tcp', dport: [1000 + k], policy: 'backup' };
  if (k % 3 === 1) return { name, dst: [`198.51.100.${k % 250}/32`], policy: 'web' };
  return { name, src: [`10.99.${Math.floor(k / 250) % 250}.${k % 250}/32`], enforce: wanNames[k % wanNames.length] };
}

export function realisticConfig(o: RealisticOptions): Record<string, unknown> {
  const wans = Array.from({ length: o.wans }, (_, k) => k + 1).map((i) => ({
    ...o.wan(i),
    weight: weightOf(i),
    probes: o.probeTargets.map((target) => ({ method: 'icmp', target })),
  }));
  const names = wans.map((w) => w.name);
  const rules = Array.from({ length: o.rules ?? 3 }, (_, k) => ruleFor(k, names));
  const forwards = Array.from({ length: o.forwards ?? 2 }, (_, k) => ({
    name: `fwd${k}`,
    port: 20000 + k,
    proto: 'tcp',
    to: `${o.forwardTo}:${8000 + (k % 1000)}`,
  }));
  return {
    mode: o.mode ?? 'balanced',
    lan: [{ device: o.lanDevice }],
    stateDir: `${o.dir}/state`,
    control: { socket: `${o.dir}/mwan.sock` },
    pluginsDir: `${o.dir}/plugins.d`,
    wans,
    firewall: { enabled: true },
    forwards,
    policies: {
      web: { strategy: 'weighted' },
      backup: { strategy: 'priority', members: names.slice(0, 2).map((wan, k) => ({ wan, tier: k + 1 })) },
    },
    rules,
    defaultPolicy: 'web',
    ...o.extra,
  };
}
