// ha.uplinks (zod): single-address uplinks (kind b) — one address from a modem, held by the master on keepalived's VMAC.
import { z } from 'zod';
import {
  DEVICE_NAME,
  hostInSubnetProblem,
  nonUnicastReason,
  parseAddressWithPrefix,
  type MwanConfig,
} from '../../plugin-api/index.ts';

/** One argument of the client's argv: no NUL (an argv array never passes through a shell). */
const arg = z
  .string()
  .min(1, 'expected a non-empty argument')
  .max(4096)
  .regex(/^[^\0]*$/, 'expected no NUL character');

export const uplinkSchema = z.strictObject({
  /**
   * The router's own device towards the modem. keepalived makes the WAN's `device` (`wans[].device`) on it: a macvlan
   * with the VRRP MAC 00:00:5e:00:01:<virtualRouterId>, the same on both routers, so the modem's ARP entry stays valid.
   */
  link: z.string().regex(DEVICE_NAME, 'expected an interface name: 1-15 characters, no "/", ":" or spaces'),
  /** The address (with its prefix) the modem gives, when it is fixed: keepalived holds it on the master's VMAC. */
  address: z
    .string()
    .refine(
      (a) => parseAddressWithPrefix(a) !== undefined,
      'expected an IPv4 address with its prefix, e.g. 192.168.1.10/24',
    )
    .optional(),
  /** The uplink's client (DHCP, PPPoE) as an argv array, run and supervised on the master only; argv[0] an absolute path. */
  client: z
    .array(arg)
    .min(1, 'expected the program and its arguments')
    .max(64)
    .refine((a) => a[0]?.startsWith('/') ?? false, 'expected an absolute path as the first element (the program)')
    .optional(),
  /** The VRRP id of this uplink's instance (the VMAC's last byte), unique on the modem's segment; default: the next free one above ha.virtualRouterId. */
  virtualRouterId: z.number().int().min(1).max(255).optional(),
});

export type UplinkConfig = z.output<typeof uplinkSchema>;

/** Each uplink's VRRP id: its own, else the next one above ha.virtualRouterId that no other instance uses. */
export function uplinkRouterIds(ha: {
  virtualRouterId: number;
  uplinks?: Record<string, UplinkConfig>;
}): Record<string, number> {
  const entries = Object.entries(ha.uplinks ?? {});
  const taken = new Set([ha.virtualRouterId, ...entries.flatMap(([, u]) => u.virtualRouterId ?? [])]);
  let next = ha.virtualRouterId;
  const ids: Record<string, number> = {};
  for (const [name, u] of entries) {
    if (u.virtualRouterId !== undefined) ids[name] = u.virtualRouterId;
    else {
      do next = (next % 255) + 1;
      while (taken.has(next));
      taken.add(next);
      ids[name] = next;
    }
  }
  return ids;
}

type Issue = (path: (string | number)[], message: string) => void;

/** Cross-checks of ha.uplinks against the WANs, LANs and the rest of the ha section; each problem names its field. */
export function uplinkProblems(cfg: MwanConfig, issue: Issue): void {
  const ha = cfg.ha;
  if (!ha?.uplinks) return;
  const lanDevices = cfg.lan.map((l) => l.device);
  const seenIds = new Map<number, string>();
  const ids = uplinkRouterIds(ha);
  for (const [name, u] of Object.entries(ha.uplinks)) {
    const wan = cfg.wans.find((w) => w.name === name);
    if (!wan) {
      issue(['uplinks', name], `no WAN is named so; WANs: ${cfg.wans.map((w) => w.name).join(', ')}`);
      continue;
    }
    if (name in ha.wans)
      issue(
        ['uplinks', name],
        `WAN ${name} is also in ha.wans: a WAN is either on a shared subnet or a single-address uplink`,
      );
    if (!u.address && !u.client)
      issue(
        ['uplinks', name],
        'expected address (a fixed address), client (the DHCP/PPPoE client that gets it), or both',
      );
    if (u.link === wan.device)
      issue(
        ['uplinks', name, 'link'],
        `the same as wans[].device (${wan.device}): that is the VMAC keepalived makes on link`,
      );
    if (lanDevices.includes(u.link) || u.link === ha.syncDevice || cfg.wans.some((w) => w.device === u.link))
      issue(
        ['uplinks', name, 'link'],
        `${u.link} is a LAN, WAN or sync device: the modem's link must be a link of its own`,
      );
    const id = ids[name];
    if (id === ha.virtualRouterId)
      issue(['uplinks', name, 'virtualRouterId'], `the same as ha.virtualRouterId (${id}): each VMAC needs its own id`);
    else if (seenIds.has(id))
      issue(['uplinks', name, 'virtualRouterId'], `${id} is also the id of uplink ${seenIds.get(id)}`);
    seenIds.set(id, name);
    const a = u.address ? parseAddressWithPrefix(u.address) : undefined;
    if (a) {
      const host = hostInSubnetProblem(a.address, a);
      if (host) issue(['uplinks', name, 'address'], `${a.address} is ${host}`);
      if (nonUnicastReason(a.address))
        issue(['uplinks', name, 'address'], `expected a unicast address, not ${nonUnicastReason(a.address)}`);
      if (wan.gateway === a.address)
        issue(['uplinks', name, 'address'], `the same as the WAN's gateway (${wan.gateway})`);
    }
  }
}

/** The uplinks' fixed addresses without their prefixes (what the master holds; SNAT and conntrackd's ignore list). */
export const uplinkAddresses = (ha: { uplinks?: Record<string, UplinkConfig> }): Record<string, string> =>
  Object.fromEntries(
    Object.entries(ha.uplinks ?? {}).flatMap(([name, u]) =>
      u.address ? [[name, u.address.split('/')[0] ?? u.address]] : [],
    ),
  );
