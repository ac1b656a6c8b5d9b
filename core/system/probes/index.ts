// Starts a prober for a probe spec (icmp, tcp, http, https, dns, command), after checking the context it is given.
import net from 'node:net';
import type { ProbeContext, StartProbe } from './types.ts';
import { startIcmpProbe } from './icmp.ts';
import { icmpAddon } from './icmp-addon.ts';
import { startNativeIcmpProbe } from './icmp-native.ts';
import { startTcpProbe } from './tcp.ts';
import { startHttpProbe } from './http.ts';
import { startDnsProbe } from './dns.ts';
import { startCommandProbe } from './command.ts';
import { parseTarget, sourceFor } from './target.ts';

export type { ProbeSample, ProbeContext, Prober, StartProbe } from './types.ts';

/** How ICMP probes are sent here: through the addon's raw sockets, or (without it) one ping process per target. */
export function icmpBackend(): string {
  const native = icmpAddon();
  return 'addon' in native ? 'raw sockets (addon)' : `ping processes (${native.error})`;
}

function checkContext(method: string, target: string, ctx: ProbeContext): void {
  const where = `${method} probe of ${target} for WAN ${ctx.wan}`;
  // An IPv6 target leaves from source6 (checked below): `source` matters only for IPv4 targets and host names.
  if (parseTarget(target).family !== 6 && !net.isIPv4(ctx.source))
    throw new Error(`${where}: source must be the WAN's IPv4 address, got ${JSON.stringify(ctx.source)}`);
  if (ctx.source6 !== undefined && !net.isIPv6(ctx.source6))
    throw new Error(`${where}: source6 must be the WAN's IPv6 address, got ${JSON.stringify(ctx.source6)}`);
  sourceFor(target, ctx); // an IPv6 target needs an IPv6 source: refused now, not once per round
  for (const k of ['intervalMs', 'timeoutMs'] as const) {
    if (!Number.isFinite(ctx[k]) || ctx[k] <= 0)
      throw new Error(`${where}: ${k} must be a positive number of ms, got ${ctx[k]}`);
  }
}

/** Sends one probe per interval from `ctx.source` and reports each outcome once; stop() releases everything. */
export const startProbe: StartProbe = (spec, ctx, onSample) => {
  checkContext(spec.method, spec.target, ctx);
  switch (spec.method) {
    case 'icmp': {
      const native = icmpAddon();
      return 'addon' in native
        ? startNativeIcmpProbe(native.addon, spec, ctx, onSample)
        : startIcmpProbe(spec, ctx, onSample);
    }
    case 'tcp':
      return startTcpProbe(spec, ctx, onSample);
    case 'http':
    case 'https':
      return startHttpProbe(spec, ctx, onSample);
    case 'dns':
      return startDnsProbe(spec, ctx, onSample);
    case 'command':
      return startCommandProbe(spec, ctx, onSample);
    default:
      throw new Error(`unknown probe method ${JSON.stringify((spec as { method: unknown }).method)}`);
  }
};
