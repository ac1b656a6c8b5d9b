// Cross-checks of devices and addresses: each device used once, probe totals, declared addresses, gateways, forward targets.
import {
  forwardTargetProblem,
  gatewayProblem,
  hostInSubnetProblem,
  nonUnicastReason,
  parseAddressWithPrefix,
  type AddressWithPrefix,
} from './addresses.ts';
import { LIMITS, atMost } from './limits.ts';

type RefineCtx = {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; input?: unknown; message: string }): void;
};

interface Shape {
  wans: { device: string; gateway: string; address?: string; probes: unknown[] }[];
  lan: { device: string; addresses?: string[] }[];
  forwards: { to: string; allowOutsideLan?: boolean }[];
}

/** The forward target's address part ("10.0.0.5:8080" → "10.0.0.5"). */
const targetAddress = (to: string): string => to.split(':')[0];

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
  cfg.wans.forEach((w, i) => visit(w.device, ['wans', i, 'device']));
  cfg.lan.forEach((l, i) => visit(l.device, ['lan', i, 'device']));
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
  const wanAddresses = cfg.wans.map((w, i) => {
    const own = w.address === undefined ? undefined : parseAddressWithPrefix(w.address);
    const bad = own && declaredAddressProblem(own);
    if (bad) ctx.addIssue({ code: 'custom', path: ['wans', i, 'address'], input: w.address, message: bad });
    if (w.gateway !== 'auto') {
      const problem = gatewayProblem(w.gateway, bad ? undefined : own);
      if (problem) ctx.addIssue({ code: 'custom', path: ['wans', i, 'gateway'], input: w.gateway, message: problem });
    }
    return bad ? undefined : own;
  });
  const lanAddresses: AddressWithPrefix[] = [];
  cfg.lan.forEach((l, i) =>
    l.addresses?.forEach((text, j) => {
      const a = parseAddressWithPrefix(text);
      if (!a) return;
      const bad = declaredAddressProblem(a);
      if (bad) ctx.addIssue({ code: 'custom', path: ['lan', i, 'addresses', j], input: text, message: bad });
      else lanAddresses.push(a);
    }),
  );
  const own = [...wanAddresses.flatMap((a) => (a ? [a.address] : [])), ...lanAddresses.map((a) => a.address)];
  cfg.forwards.forEach((f, i) => {
    if (typeof f.to !== 'string') return;
    const noLan =
      cfg.lan.length === 0 && f.allowOutsideLan !== true
        ? 'no LAN is configured (lan[]): a forward goes to a host of a LAN network; set allowOutsideLan: true to forward elsewhere'
        : undefined;
    const problem =
      noLan ?? forwardTargetProblem(targetAddress(f.to), { lans: lanAddresses, own }, f.allowOutsideLan === true);
    if (problem) ctx.addIssue({ code: 'custom', path: ['forwards', i, 'to'], input: f.to, message: problem });
  });
}
