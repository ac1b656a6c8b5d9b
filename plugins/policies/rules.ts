// Rules in nft: each rule's match (networks, protocol, ports, input interface, a named set) and where it sends a new connection.
import type { ChainSpec, SetSpec, WorldView } from '../../core/plugin/api.ts';
import type { RuleConfig } from './options.ts';
import { policiesOf } from './resolve.ts';
import { persistenceLayer } from './layers.ts';
import { chainFor, policyChain, ruleChain, ruleLabel, stickyMap } from './names.ts';
import { liveOf, whenNoneRules } from './render.ts';

const list = (items: string[]) => (items.length === 1 ? items[0] : `{ ${items.join(', ')} }`);

/** The nft match of a rule; empty matches everything. */
export function ruleMatch(r: RuleConfig): string {
  const parts: string[] = [];
  if (r.iif) parts.push(`iifname "${r.iif}"`);
  if (r.src) parts.push(`ip saddr ${list(r.src)}`);
  if (r.dst) parts.push(`ip daddr ${list(r.dst)}`);
  if (r.set) parts.push(`ip daddr @${r.set}`);
  const ports = r.dport || r.sport;
  if (r.proto && !(ports && r.proto !== 'icmp')) parts.push(`meta l4proto ${r.proto}`);
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
 * One classify line per rule, first match wins (`goto` never comes back to the classify chain): to the policy's
 * chain, to a rule chain that remembers the WAN per source (sticky), or straight to an enforced WAN's chain. An
 * enforced WAN out of service answers new connections with an ICMP error at once: they fail, never leak.
 */
export function renderRules(world: WorldView): RenderedRules {
  const out: RenderedRules = { classify: [], local: [], chains: [], sets: [], enforced: [] };
  world.config.rules.forEach((r, i) => {
    const match = ruleMatch(r);
    const line = (action: string) => {
      const text = match ? `${match} ${action}` : action;
      out.classify.push(text);
      if (appliesToRouter(r)) out.local.push(text);
    };
    if (r.enforce !== undefined) {
      const wan = world.wans.find((w) => w.name === r.enforce)!;
      line(wan.inService ? `goto ${chainFor(wan.id)}` : whenNoneRules('unreachable')[0]);
      if (!out.enforced.includes(wan.name)) out.enforced.push(wan.name);
      return;
    }
    const policy = policiesOf(world.config).policies.get(r.policy!)!;
    const target = policyChain(policy.name, policy.name === policiesOf(world.config).defaultPolicy);
    if (!r.sticky) {
      line(`goto ${target}`);
      return;
    }
    const label = ruleLabel(r, i);
    const live = liveOf(policy, world).map((w) => ({ id: w.id, mark: w.mark }));
    const layer = persistenceLayer({
      map: stickyMap(label),
      key: 'src',
      timeoutSeconds: r.sticky.timeoutSeconds,
      mask: world.layout.mask,
      live,
      all: world.wans.map((w) => ({ id: w.id, mark: w.mark })),
      base: [`jump ${target}`],
    });
    line(`goto ${ruleChain(label)}`);
    out.chains.push({ name: ruleChain(label), rules: layer.rules }, ...layer.chains);
    out.sets.push(...layer.sets);
  });
  return out;
}

/** The run-time sets rules name (filled by other tools, e.g. dnsmasq's nftset; their contents survive applies). */
export function ruleSets(world: WorldView): SetSpec[] {
  const names = [...new Set(world.config.rules.flatMap((r) => (r.set ? [r.set] : [])))];
  return names.map((name) => ({ name, kind: 'set', type: 'ipv4_addr', flags: ['interval'] }));
}

/** The policies rules and the default rule send traffic to, default first. */
export function policiesInUse(world: WorldView): string[] {
  return [
    ...new Set([
      policiesOf(world.config).defaultPolicy,
      ...world.config.rules.flatMap((r) => (r.policy ? [r.policy] : [])),
    ]),
  ];
}
