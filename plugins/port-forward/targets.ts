// Run-time check of port-forward targets against the LAN networks and router addresses the kernel has now.
import {
  forwardTarget,
  parseAddressWithPrefix,
  type AddressWithPrefix,
  type WorldView,
} from '../../plugin-api/index.ts';
import type { ForwardConfig } from './options.ts';
import { forwardTargetProblem } from './target-check.ts';

/** The LANs' addresses with prefix lengths as the kernel has them (LanView keeps addresses and networks in step). */
function lanAddresses(world: WorldView): AddressWithPrefix[] {
  return world.lans.flatMap((l) =>
    l.addresses.map((address, i) => ({ address, prefixLength: Number(l.networks[i]?.split('/')[1] ?? 32) })),
  );
}

/** Every address of the router known now: the LANs' and WANs' as observed, and those the configuration declares. */
function routerAddresses(world: WorldView, lans: AddressWithPrefix[]): string[] {
  const declared = [
    ...world.config.wans.map((w) => w.address),
    ...world.config.lan.flatMap((l) => l.addresses ?? []),
  ].flatMap((a) => (a === undefined ? [] : [parseAddressWithPrefix(a)?.address ?? '']));
  return [...lans.map((a) => a.address), ...world.wans.flatMap((w) => (w.address ? [w.address] : [])), ...declared];
}

/**
 * Why the kernel must not forward to `f`'s target now (undefined: it may). Config validation already refused what it
 * could see; here the LAN networks and the router's addresses are the kernel's own, so a LAN renumbered, or a LAN
 * without an address yet, never lets a forward reach the router itself or a host outside the LANs.
 */
export function forwardRefusal(f: ForwardConfig, world: WorldView): string | undefined {
  if (f.to === undefined) return undefined; // IPv6 only: its target was checked against ipv6.lan with the config
  const target = forwardTarget(f.to);
  if (!target) return `${f.to} is not an IPv4 target`;
  const lans = lanAddresses(world);
  if (lans.length === 0 && !f.allowOutsideLan) {
    const devices = world.lans.map((l) => l.device).join(', ');
    return devices ? `no LAN network is known yet (no IPv4 address on ${devices})` : 'no LAN is configured (lan[])';
  }
  return forwardTargetProblem(target.address, { lans, own: routerAddresses(world, lans) }, f.allowOutsideLan === true);
}

/** The configured forwards the kernel may carry now, and the refused ones with the reason, by config index. */
export function sortForwards(world: WorldView): {
  accepted: ForwardConfig[];
  refused: { index: number; reason: string }[];
} {
  const accepted: ForwardConfig[] = [];
  const refused: { index: number; reason: string }[] = [];
  world.config.forwards.forEach((f, index) => {
    const reason = forwardRefusal(f, world);
    if (reason) refused.push({ index, reason });
    else accepted.push(f);
  });
  return { accepted, refused };
}
