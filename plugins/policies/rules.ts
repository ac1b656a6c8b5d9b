// Rules in nft: each rule's match (networks, protocol, ports, input interface, a named set) and where it sends a new connection.
import type { ChainSpec, SetSpec, WorldView } from '../../plugin-api/index.ts';
import type { RuleConfig } from './options.ts';
import { policiesOf } from './resolve.ts';
import { persistenceLayer } from './layers.ts';
import { chainFor, type Family, policyChain, ruleChain, ruleLabel, ruleSet6, stickyMap } from './names.ts';
import { liveOf, wansOf, whenNoneRules } from './render.ts';

const list = (items: string[]) => (items.length === 1 ? items[0] : `{ ${items.join(', ')} }`);

/** A network's family (validated before: an IPv6 address or prefix has a colon, IPv4's none). */
export const networkFamily = (n: string): Family => (n.includes(':') ? 'ipv6' : 'ipv4');

/**
 * The families a rule can match: a source or destination list narrows them to its networks' families; a rule
 * matching only ports, protocol, interface or a named set (which has an IPv6 twin) applies to both.
 */
export function ruleFamilies(r: Pick<RuleConfig, 'src' | 'dst'>): Family[] {
  const has = (nets: string[] | undefined, f: Family) => !nets || nets.some((n) => networkFamily(n) === f);
  return (['ipv4', 'ipv6'] as const).filter((f) => has(r.src, f) && has(r.dst, f));
}

/** The nft match of a rule for a family (default IPv4); empty matches everything, undefined: not for this family. */
export function ruleMatch(r: RuleConfig, family: Family = 'ipv4'): string | undefined {
  if (!ruleFamilies(r).includes(family)) return undefined;
  const ip = family === 'ipv6' ? 'ip6' : 'ip';
  const mine = (nets: string[]) => nets.filter((n) => networkFamily(n) === family);
  const parts: string[] = [];
  if (r.iif) parts.push(`iifname "${r.iif}"`);
  if (r.src) parts.push(`${ip} saddr ${list(mine(r.src))}`);
  if (r.dst) parts.push(`${ip} daddr ${list(mine(r.dst))}`);
  if (r.set) parts.push(family === 'ipv6' ? `ip6 daddr @${ruleSet6(r.set)}` : `ip daddr @${r.set}`);
  const ports = r.dport || r.sport;
  const proto = r.proto === 'icmp' && family === 'ipv6' ? 'ipv6-icmp' : r.proto;
  if (r.proto && !(ports && r.proto !== 'icmp')) parts.push(`meta l4proto ${proto}`);
  const l4 = r.proto === 'tcp' || r.proto === 'udp' ? r.proto : undefined;
  if (ports && !l4) parts.push('meta l4proto { tcp, udp }');
  if (r.sport) parts.push(`${l4 ?? 'th'} sport ${list(r.sport)}`);
  if (r.dport) parts.push(`${l4 ?? 'th'} dport ${list(r.dport)}`);
  return parts.join(' ');
}

export interface RenderedRules {
  classify: string[];
  /** The classify lines of the rules that can apply to the router's own connections (no src, no iif). */
  local: string[];
  chains: ChainSpec[];
  sets: SetSpec[];
  enforced: string[];
}

/** A rule can match the router's own connections unless it asks for a source network or an input interface. */
export const appliesToRouter = (r: RuleConfig) => r.src === undefined && r.iif === undefined;

/**
 * One classify line per rule that applies to the family, first match wins (`goto` never comes back to the classify
 * chain): to the policy's chain (of that family), to a rule chain that remembers the WAN per source (sticky), or
 * straight to an enforced WAN's chain. An enforced WAN out of service (for that family) answers new connections with
 * an ICMP error at once: they fail, never leak. `local` (the router's own connections) is IPv4's only.
 */
export function renderRules(world: WorldView, family: Family = 'ipv4'): RenderedRules {
  const out: RenderedRules = { classify: [], local: [], chains: [], sets: [], enforced: [] };
  const wans = wansOf(world, family);
  world.config.rules.forEach((r, i) => {
    const match = ruleMatch(r, family);
    if (match === undefined) return;
    const line = (action: string) => {
      const text = match ? `${match} ${action}` : action;
      out.classify.push(text);
      if (appliesToRouter(r) && family === 'ipv4') out.local.push(text);
    };
    if (r.enforce !== undefined) {
      const wan = wans.find((w) => w.name === r.enforce)!;
      line(wan.inService ? `goto ${chainFor(wan.id)}` : whenNoneRules('unreachable')[0]);
      if (!out.enforced.includes(wan.name)) out.enforced.push(wan.name);
      return;
    }
    const policy = policiesOf(world.config).policies.get(r.policy!)!;
    const target = policyChain(policy.name, policy.name === policiesOf(world.config).defaultPolicy, family);
    if (!r.sticky) {
      line(`goto ${target}`);
      return;
    }
    const label = ruleLabel(r, i);
    const live = liveOf(policy, world, family).map((w) => ({ id: w.id, mark: w.mark }));
    const layer = persistenceLayer({
      map: stickyMap(label, family),
      key: 'src',
      family,
      timeoutSeconds: r.sticky.timeoutSeconds,
      mask: world.layout.mask,
      live,
      all: world.wans.map((w) => ({ id: w.id, mark: w.mark })),
      base: [`jump ${target}`],
    });
    line(`goto ${ruleChain(label, family)}`);
    out.chains.push({ name: ruleChain(label, family), rules: layer.rules }, ...layer.chains);
    out.sets.push(...layer.sets);
  });
  return out;
}

/**
 * The run-time sets rules name (filled by other tools, e.g. dnsmasq's nftset; their contents survive applies): each
 * an `ipv4_addr` set and its `ipv6_addr` twin `<name>6`, declared in every mode so one dnsmasq line fills both.
 */
export function ruleSets(world: WorldView): SetSpec[] {
  const names = [...new Set(world.config.rules.flatMap((r) => (r.set ? [r.set] : [])))];
  return names.flatMap((name): SetSpec[] => [
    { name, kind: 'set', type: 'ipv4_addr', flags: ['interval'] },
    { name: ruleSet6(name), kind: 'set', type: 'ipv6_addr', flags: ['interval'] },
  ]);
}

/** The policies rules (of either family) and the default rule send traffic to, default first. */
export function policiesInUse(world: WorldView): string[] {
  return [
    ...new Set([
      policiesOf(world.config).defaultPolicy,
      ...world.config.rules.flatMap((r) => (r.policy ? [r.policy] : [])),
    ]),
  ];
}
