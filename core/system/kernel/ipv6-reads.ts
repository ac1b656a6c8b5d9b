// When the kernel adapter reads IPv6 rules and routes (`ip -6`): always while IPv6 is in play; otherwise only until it has seen that mwan holds none.
import { isIPv6 } from 'node:net';
import type { ApplyPlan } from './adapter.ts';

/**
 * A configuration without IPv6 (no `ipv6` section, no WAN or forward with an IPv6 side, no IPv6 probe target or
 * address anywhere) needs no `ip -6` rule and route reads: they cost a parse of every IPv6 route on every kernel
 * snapshot and read (issue 14). The links' IPv6 addresses are still read: a WAN device's global address gives the WAN
 * an IPv6 side, and its routes and rules, once applied, put IPv6 in play.
 * Until told otherwise everything is read. When IPv6 is not in play, IPv6 is still read at first (an earlier IPv6
 * configuration may have left routes and rules that `stop` and the reconcile must remove) and again after any apply
 * that ran `ip -6` lines, until a read shows mwan holds no IPv6 state; desired IPv6 routes or rules put IPv6 in play.
 */
export class Ipv6Reads {
  private inPlay = true;
  /** mwan may hold IPv6 routes or rules: unknown before the first read. */
  private mayHold = true;
  /** Bumped by every apply that may change mwan's IPv6 state: a read begun before it says nothing about after. */
  private generation = 0;

  setInPlay(inPlay: boolean): void {
    this.inPlay = inPlay;
  }

  /** Whether the next read includes IPv6; pass the returned token to `saw`. */
  begin(): { read: boolean; generation: number } {
    return { read: this.inPlay || this.mayHold, generation: this.generation };
  }

  /** What an IPv6 read found of mwan's own state (its routes and rules). */
  saw(token: { generation: number }, ownCount: number): void {
    if (token.generation === this.generation) this.mayHold = ownCount > 0;
  }

  /** Called before an apply: IPv6 lines mean mwan may hold IPv6 state; a target with IPv6 puts IPv6 in play. */
  applying(plan: ApplyPlan): void {
    if (!plan.ip6?.length) return;
    this.generation++;
    this.mayHold = true;
    const target = plan.target;
    if (target && [...target.routes, ...target.rules].some((x) => x.family === 'ipv6')) this.inPlay = true;
  }
}

const IPV6_KEYS = new Set(['ipv6', 'to6']);

/** A string that names an IPv6 address or prefix: `2001:db8::1`, `2001:db8::/32`, `[2001:db8::1]:443`. */
function isIpv6Text(s: string): boolean {
  if (!s.includes(':')) return false;
  const bare = /^\[([^\]]+)\](?::\d+)?$/.exec(s)?.[1] ?? s.split('/')[0];
  return isIPv6(bare);
}

/** Whether a configuration puts IPv6 in play: an `ipv6`/`to6` field, or an IPv6 address or prefix in any string. */
export function configUsesIpv6(config: unknown): boolean {
  if (typeof config === 'string') return isIpv6Text(config);
  if (Array.isArray(config)) return config.some(configUsesIpv6);
  if (config && typeof config === 'object')
    return Object.entries(config).some(
      ([key, value]) => (IPV6_KEYS.has(key) && value !== undefined && value !== null) || configUsesIpv6(value),
    );
  return false;
}
