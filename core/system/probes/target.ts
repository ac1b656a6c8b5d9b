// Probe targets of either family: `addr`, `[v6addr]` or `[v6addr]:port` split up, and the source chosen per family.
import net from 'node:net';
import type { ProbeContext } from './types.ts';

export interface ProbeTarget {
  /** The address or host name without brackets or port. */
  host: string;
  /** 4 or 6 for an address; undefined for a host name (resolved as IPv4, as before). */
  family?: 4 | 6;
  /** The port written in the target (`[addr]:port`), if any. */
  port?: number;
}

/** Splits `target`: `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:8080` or a host name. */
export function parseTarget(target: string): ProbeTarget {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(target);
  if (bracketed) {
    const [, host, portText] = bracketed;
    if (!net.isIPv6(host))
      throw new Error(`probe target ${JSON.stringify(target)}: inside [ ] must be an IPv6 address`);
    const port = portText === undefined ? undefined : Number(portText);
    if (port !== undefined && (port < 1 || port > 65535))
      throw new Error(`probe target ${JSON.stringify(target)}: port must be 1..65535`);
    return { host, family: 6, port };
  }
  const family = net.isIP(target);
  return family === 4 || family === 6 ? { host: target, family } : { host: target };
}

/** The port to probe: the target's own (`[addr]:port`) or the spec's, which must agree when both are given. */
export function targetPort(target: string, specPort: number | undefined, fallback?: number): number | undefined {
  const own = parseTarget(target).port;
  if (own !== undefined && specPort !== undefined && own !== specPort)
    throw new Error(`probe target ${JSON.stringify(target)}: its port ${own} differs from port ${specPort}`);
  return own ?? specPort ?? fallback;
}

/** The WAN address a probe of `target` leaves from: the IPv6 one (`ctx.source6`) for an IPv6 target. */
export function sourceFor(target: string, ctx: ProbeContext): string {
  if (parseTarget(target).family !== 6) return ctx.source;
  if (ctx.source6 === undefined)
    throw new Error(`probe of ${target} for WAN ${ctx.wan}: the WAN has no IPv6 address to probe from`);
  return ctx.source6;
}

/** A probe's family is its target's: an IPv6 address (bare or bracketed) probes IPv6; anything else IPv4. */
export function targetFamily(target: string): 'ipv4' | 'ipv6' {
  try {
    return parseTarget(target).family === 6 ? 'ipv6' : 'ipv4';
  } catch {
    return 'ipv4';
  }
}

/** Whether the WAN probes IPv6 targets of its own; without any, IPv6 shares the IPv4 verdict (shared fate). */
export function hasIpv6Targets(wan: { probes: readonly { target: string }[] }): boolean {
  return wan.probes.some((p) => targetFamily(p.target) === 'ipv6');
}
