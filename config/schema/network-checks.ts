// Cross-checks of devices and addresses: each device used once, probe totals, declared addresses and gateways.
import {
  gatewayProblem,
  hostInSubnetProblem,
  nonUnicastReason,
  parseAddressWithPrefix,
  type AddressWithPrefix,
} from './addresses.ts';
import { LIMITS, atMost } from './limits.ts';

/** Where a cross-check reports its problems (zod's refinement context, narrowed to custom issues). */
export type RefineCtx = {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; input?: unknown; message: string }): void;
};

interface Shape {
  wans: { device: string; gateway: string; address?: string; probes: unknown[] }[];
  lan: { device: string; addresses?: string[] }[];
}

/** Every WAN and LAN device appears once across `wans` and `lan`. */
function deviceProblems(cfg: Shape, ctx: RefineCtx): void {
  const first = new Map<string, string>();
  const visit = (device: string, path: [string, number, string]) => {
    const where = `${path[0]}[${path[1]}]`;
    const earlier = first.get(device);
    if (earlier === undefined) {
      first.set(device, where);
      return;
    }
    const message =
      path[0] === 'lan' && earlier.startsWith('wans')
        ? `this device is also a WAN device (${earlier})`
        : `duplicate ${path[0] === 'lan' ? 'LAN' : 'WAN'} device: also used by ${earlier}`;
    ctx.addIssue({ code: 'custom', path, input: device, message });
  };
  for (const [i, w] of cfg.wans.entries()) visit(w.device, ['wans', i, 'device']);
  for (const [i, l] of cfg.lan.entries()) visit(l.device, ['lan', i, 'device']);
}

/** A declared interface address: a unicast host of its own subnet. */
function declaredAddressProblem(a: AddressWithPrefix): string | undefined {
  const special = nonUnicastReason(a.address);
  if (special) return `${a.address} is ${special}`;
  const edge = a.prefixLength <= 30 ? hostInSubnetProblem(a.address, a) : undefined;
  return edge
    ? `${a.address} is ${edge}: give the router's own address with its prefix length, such as 10.0.0.1/24`
    : undefined;
}

/**
 * The router's declared addresses that pass the checks (the others are reported by networkProblems): each WAN's
 * (undefined when absent or refused) and every LAN's.
 */
export function declaredAddresses(cfg: Shape): {
  wans: (AddressWithPrefix | undefined)[];
  lans: AddressWithPrefix[];
} {
  const wans = cfg.wans.map((w) => {
    const own = w.address === undefined ? undefined : parseAddressWithPrefix(w.address);
    return own && !declaredAddressProblem(own) ? own : undefined;
  });
  const lans = cfg.lan.flatMap((l) =>
    (l.addresses ?? []).flatMap((text) => {
      const a = parseAddressWithPrefix(text);
      return a && !declaredAddressProblem(a) ? [a] : [];
    }),
  );
  return { wans, lans };
}

export function networkProblems(cfg: Shape, ctx: RefineCtx): void {
  deviceProblems(cfg, ctx);
  let probes = 0;
  cfg.wans.forEach((w, i) => {
    probes += w.probes.length;
    if (probes > LIMITS.probesTotal && probes - w.probes.length <= LIMITS.probesTotal) {
      ctx.addIssue({
        code: 'custom',
        path: ['wans', i, 'probes'],
        input: w.probes.length,
        message: `${atMost(LIMITS.probesTotal, 'probes over all WANs')}; wans[0..${i}] already have ${probes}`,
      });
    }
  });
  const valid = declaredAddresses(cfg).wans;
  cfg.wans.forEach((w, i) => {
    const own = w.address === undefined ? undefined : parseAddressWithPrefix(w.address);
    const bad = own && declaredAddressProblem(own);
    if (bad) ctx.addIssue({ code: 'custom', path: ['wans', i, 'address'], input: w.address, message: bad });
    if (w.gateway !== 'auto') {
      const problem = gatewayProblem(w.gateway, valid[i]);
      if (problem) ctx.addIssue({ code: 'custom', path: ['wans', i, 'gateway'], input: w.gateway, message: problem });
    }
  });
  for (const [i, l] of cfg.lan.entries()) {
    for (const [j, text] of (l.addresses ?? []).entries()) {
      const a = parseAddressWithPrefix(text);
      const bad = a && declaredAddressProblem(a);
      if (bad) ctx.addIssue({ code: 'custom', path: ['lan', i, 'addresses', j], input: text, message: bad });
    }
  }
}
