// mwan's own rules for every UPnP mapping it forwards: a LAN host of the served LAN, never the router, ports, bounds.
import { ipv4ToInt, portRange, type MwanConfig, type WorldView } from '../../plugin-api/index.ts';
import { describeMapping, mappingKey, type Mapping, type Refusal } from './mapping.ts';
import type { UpnpOptions } from './options.ts';

/** A port range a static forward uses on a UPnP WAN: clients may not map it; `index` is its place in `forwards`. */
export interface ReservedPorts {
  from: number;
  to: number;
  index: number;
}

export interface MappingRules {
  lanDevice: string;
  /** The served LAN device's networks (`10.0.0.0/24`). */
  lanNetworks: string[];
  /** Every address of the router mwan knows: LAN and WAN addresses. */
  routerAddresses: string[];
  minPort: number;
  reservedPorts: ReservedPorts[];
  maxPerClient: number;
  maxMappings: number;
}

/** The static forwards' port ranges on any of `wans` (a forward without `wans` is on every WAN). */
export function reservedPortRanges(config: Pick<MwanConfig, 'forwards'>, wans: string[]): ReservedPorts[] {
  return config.forwards.flatMap((f, index) => {
    const r = portRange(f.port);
    return r && (!f.wans || f.wans.some((w) => wans.includes(w))) ? [{ ...r, index }] : [];
  });
}

export function mappingRules(
  world: WorldView,
  options: Pick<UpnpOptions, 'lanDevice' | 'wans' | 'minPort' | 'maxPerClient' | 'maxMappings'>,
): MappingRules {
  const lan = world.lans.find((l) => l.device === options.lanDevice);
  return {
    lanDevice: options.lanDevice,
    lanNetworks: lan?.networks ?? [],
    routerAddresses: [
      ...new Set([
        ...world.lans.flatMap((l) => l.addresses),
        ...world.wans.flatMap((w) => (w.address ? [w.address] : [])),
      ]),
    ],
    minPort: options.minPort,
    reservedPorts: reservedPortRanges(world.config, options.wans),
    maxPerClient: options.maxPerClient,
    maxMappings: options.maxMappings,
  };
}

/** The network `a.b.c.d/len` holding `address`, with its first and last address; undefined when it does not. */
function within(network: string, address: string): { first: number; last: number } | undefined {
  const [base, len] = network.split('/');
  const size = 2 ** (32 - Number(len));
  const first = Math.floor(ipv4ToInt(base) / size) * size;
  const a = ipv4ToInt(address);
  return a >= first && a < first + size ? { first, last: first + size - 1 } : undefined;
}

/** Why one mapping breaks a rule that does not depend on the others, or undefined. */
function ruleBroken(m: Mapping, rules: MappingRules): string | undefined {
  const nets = rules.lanNetworks;
  const net = nets.map((n) => ({ n, r: within(n, m.address) })).find((x) => x.r);
  if (!net?.r)
    return `internal address ${m.address} is outside the networks of LAN ${rules.lanDevice} (${nets.join(', ') || 'none'})`;
  const a = ipv4ToInt(m.address);
  if (net.r.last - net.r.first >= 3 && (a === net.r.first || a === net.r.last)) {
    return `internal address ${m.address} is the ${a === net.r.first ? 'network' : 'broadcast'} address of ${net.n}`;
  }
  if (rules.routerAddresses.includes(m.address))
    return `internal address ${m.address} is one of the router's own addresses`;
  if (m.externalPort < rules.minPort) return `external port ${m.externalPort} is below minPort ${rules.minPort}`;
  if (m.port < rules.minPort) return `internal port ${m.port} is below minPort ${rules.minPort}`;
  const taken = rules.reservedPorts.find((r) => m.externalPort >= r.from && m.externalPort <= r.to);
  if (taken)
    return `external port ${m.externalPort} belongs to the static forward forwards[${taken.index}] (${taken.from === taken.to ? taken.from : `${taken.from}-${taken.to}`})`;
  return undefined;
}

/**
 * The mappings mwan may forward, in the given order (oldest first), and the others with the reason: each must pass
 * `ruleBroken`, be the first for its protocol and external port, and fit the per-client and total bounds (the newest
 * above a bound are refused, so mappings that already work keep working).
 */
export function checkMappings(candidates: Mapping[], rules: MappingRules): { mappings: Mapping[]; refused: Refusal[] } {
  const mappings: Mapping[] = [];
  const refused: Refusal[] = [];
  const keys = new Set<string>();
  const perClient = new Map<string, number>();
  for (const c of candidates) {
    const m: Mapping = { proto: c.proto, externalPort: c.externalPort, address: c.address, port: c.port };
    const refuse = (reason: string) => refused.push({ what: describeMapping(m), reason });
    const broken = ruleBroken(m, rules);
    if (broken) {
      refuse(broken);
      continue;
    }
    if (keys.has(mappingKey(m))) {
      refuse(`${m.proto} port ${m.externalPort} is already mapped by an older rule`);
      continue;
    }
    const count = perClient.get(m.address) ?? 0;
    if (count >= rules.maxPerClient) {
      refuse(`${m.address} already has ${rules.maxPerClient} mappings (maxPerClient)`);
      continue;
    }
    if (mappings.length >= rules.maxMappings) {
      refuse(`${rules.maxMappings} mappings are forwarded already (maxMappings)`);
      continue;
    }
    keys.add(mappingKey(m));
    perClient.set(m.address, count + 1);
    mappings.push(m);
  }
  return { mappings, refused };
}
