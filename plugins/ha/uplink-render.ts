// keepalived's part for single-address uplinks: one VRRP instance per uplink with use_vmac, synced with the LAN instance.
import type { HaConfig, HaNode } from './options.ts';
import { uplinkRouterIds } from './uplink-options.ts';

/** The address an uplink's instance holds when the client sets the real one: 169.254.<id>.1/32 (on lo). */
export const standInAddress = (id: number): string => `169.254.${id}.1/32`;

/** keepalived's name of an uplink's instance (the LAN instance is `mwan`). */
export const uplinkInstance = (wan: string): string => `mwan_${wan}`;

/**
 * One instance per uplink, on the modem's link, with `use_vmac <the WAN's device>`: keepalived makes that macvlan (the
 * VRRP MAC, the same on both routers) and puts the uplink's fixed address on the master's. Why a second instance: a
 * VMAC sits on the instance's own interface, and the one LAN instance's interface is the LAN. A `vrrp_sync_group` with
 * the LAN instance keeps every instance in the same role. The routers have no address of their own on that link, so the
 * instance advertises (multicast, on the modem's segment) from this node's sync address (`unicast_src_ip` without peers:
 * keepalived 2.2 accepts it and warns that the form is deprecated). `dont_track_primary`: a dead modem link does not
 * fault the pair (mwan handles dead WANs, as for shared-subnet WANs).
 */
export function renderUplinks(
  p: { ha: HaConfig; self: HaNode; wanDevices: Record<string, string> },
  /** Other instances of the pair's sync group (the IPv6 one: render6.ts). */
  members: string[] = [],
): string[] {
  const uplinks = Object.entries(p.ha.uplinks ?? {});
  if (uplinks.length === 0) return [];
  const ids = uplinkRouterIds(p.ha);
  return [
    'vrrp_sync_group mwan_pair {',
    '  group {',
    '    mwan',
    ...members.map((m) => `    ${m}`),
    ...uplinks.map(([name]) => `    ${uplinkInstance(name)}`),
    '  }',
    '}',
    ...uplinks.flatMap(([name, u]) => [
      `vrrp_instance ${uplinkInstance(name)} {`,
      '  state BACKUP',
      `  interface ${u.link}`,
      `  use_vmac ${p.wanDevices[name]}`,
      // Advertisements leave by the link itself (keepalived requires it with unicast_src_ip and sets it anyway).
      '  vmac_xmit_base',
      '  dont_track_primary',
      `  unicast_src_ip ${p.self.syncAddress}`,
      `  virtual_router_id ${ids[name]}`,
      `  priority ${p.self.priority}`,
      `  advert_int ${p.ha.advertInterval}`,
      ...(p.ha.nopreempt ? ['  nopreempt'] : []),
      // Without a fixed address the client sets it; keepalived refuses to run an instance without an address, so it holds
      // a stand-in nobody uses: a link-local /32 on lo, host scope (never on the VMAC: mwan takes its first address).
      '  virtual_ipaddress {',
      `    ${u.address ?? `${standInAddress(ids[name] ?? 0)} dev lo scope host`}`,
      '  }',
      '}',
    ]),
  ];
}
