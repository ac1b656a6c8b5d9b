// The ha section (zod): the two nodes of a pair, the sync link, a virtual address per LAN and per WAN, VRRP timing.
import { z } from 'zod';
import {
  DEVICE_NAME,
  isIPv4,
  nonUnicastReason,
  type ConfigContribution,
  type MwanConfig,
  type RefineCtx,
} from '../../plugin-api/index.ts';
import { ha6Problems, lan6Schema, wans6Schema } from './options6.ts';
import { uplinkAddresses, uplinkProblems, uplinkSchema } from './uplink-options.ts';

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?$/;

const address = z
  .string()
  .refine(isIPv4, 'expected an IPv4 address without a prefix, e.g. 10.0.0.1')
  .refine((a) => !isIPv4(a) || nonUnicastReason(a) === undefined, 'expected a unicast address');

const nodeSchema = z.strictObject({
  /** The node's host name (what `hostname` prints): each router finds its own entry by it. */
  name: z.string().regex(HOST_NAME, 'expected a host name (letters, digits, "-"; no dots)'),
  /** VRRP priority, 1-254: the higher one becomes master when both start. */
  priority: z.number().int().min(1).max(254),
  /** This node's address on the sync device (conntrackd sends and receives there). */
  syncAddress: address,
});

export const haSchema = z.strictObject({
  /** The two routers of the pair, by host name. */
  nodes: z.array(nodeSchema).length(2, 'expected exactly two nodes (the pair)'),
  /** The dedicated link between the two routers that carries conntrackd's state sync. */
  syncDevice: z.string().regex(DEVICE_NAME, 'expected an interface name: 1-15 characters, no "/", ":" or spaces'),
  /** conntrackd's UDP port on the sync link. */
  syncPort: z.number().int().min(1).max(65535).default(3780),
  /** The peer channel's TCP port on the sync addresses (each node serves its state there, to the peer's address only). */
  peerPort: z.number().int().min(1).max(65535).default(3781),
  /** The VRRP virtual router id (one instance on the first LAN carries every virtual address); unique on that LAN. */
  virtualRouterId: z.number().int().min(1).max(255).default(51),
  /** Seconds between VRRP advertisements (VRRPv3: hundredths of a second); a backup takes over after about 3.6 of them. */
  advertInterval: z.number().min(0.01).max(40).default(0.1),
  /** A returning node with the higher priority does not take the master role back (no second outage). */
  nopreempt: z.boolean().default(true),
  /** The gateway address of each LAN device, held by the master. */
  lan: z.record(z.string(), address),
  /** The public (shared WAN subnet) address of each WAN, held by the master; LAN traffic leaves SNATed to it. */
  wans: z.record(z.string(), address),
  /** IPv6: the virtual link-local gateway of each LAN device (e.g. fe80::1), held by the master with the IPv4 ones. */
  lan6: lan6Schema.optional(),
  /** IPv6: the virtual address of each WAN on its shared IPv6 subnet, held by the master with the IPv4 ones. */
  wans6: wans6Schema.optional(),
  /** Single-address uplinks (one address from a modem), by WAN name: the master holds it on keepalived's VMAC (uplink-options.ts). */
  uplinks: z.record(z.string(), uplinkSchema).optional(),
  keepalived: z
    .string()
    .regex(/^\/[^\s]*$/, 'expected an absolute path without spaces')
    .default('/usr/sbin/keepalived'),
  conntrackd: z
    .string()
    .regex(/^\/[^\s]*$/, 'expected an absolute path without spaces')
    .default('/usr/sbin/conntrackd'),
});

export type HaConfig = z.output<typeof haSchema>;
export type HaNode = HaConfig['nodes'][number];

declare module '../../plugin-api/index.ts' {
  interface PluginSections {
    ha?: HaConfig;
  }
}

/** Cross-checks: nodes differ, every LAN and WAN has exactly one virtual address and names exist, ids fit. */
function haProblems(cfg: MwanConfig, ctx: RefineCtx): void {
  const ha = cfg.ha;
  if (!ha) return;
  /** The input shown is the value at the path (the section's part), never the whole configuration. */
  const issue = (path: (string | number)[], message: string) => {
    const input = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown> | undefined)?.[k], ha);
    ctx.addIssue({ code: 'custom', path: ['ha', ...path], message, input: path.length ? input : undefined });
  };
  const [a, b] = ha.nodes;
  if (a && b) {
    if (a.name === b.name) issue(['nodes', 1, 'name'], `the same as nodes[0].name (${a.name}): name each router`);
    if (a.syncAddress === b.syncAddress)
      issue(['nodes', 1, 'syncAddress'], `the same as nodes[0].syncAddress (${a.syncAddress})`);
  }
  const lanDevices = cfg.lan.map((l) => l.device);
  const wanNames = cfg.wans.map((w) => w.name);
  for (const dev of Object.keys(ha.lan))
    if (!lanDevices.includes(dev))
      issue(['lan', dev], `no lan[] device is named so; lan devices: ${lanDevices.join(', ') || '(none)'}`);
  for (const dev of lanDevices)
    if (!(dev in ha.lan)) issue(['lan'], `LAN ${dev} has no virtual address: its hosts need one gateway`);
  for (const name of Object.keys(ha.wans))
    if (!wanNames.includes(name)) issue(['wans', name], `no WAN is named so; WANs: ${wanNames.join(', ')}`);
  for (const name of wanNames)
    if (!(name in ha.wans) && !(name in (ha.uplinks ?? {})))
      issue(['wans'], `WAN ${name} has no virtual address (ha.wans) and is no single-address uplink (ha.uplinks)`);
  uplinkProblems(cfg, issue);
  if (ha.peerPort === ha.syncPort)
    issue(['peerPort'], `the same as syncPort (${ha.syncPort}): the peer channel needs a port of its own`);
  if (ha.syncDevice && (lanDevices.includes(ha.syncDevice) || cfg.wans.some((w) => w.device === ha.syncDevice)))
    issue(['syncDevice'], `${ha.syncDevice} is a LAN or WAN device: the sync link must be a link of its own`);
  ha6Problems(cfg, ha, issue);
  const all = [...Object.values(ha.lan), ...Object.values(ha.wans), ...Object.values(uplinkAddresses(ha))];
  const seen = new Set<string>();
  for (const v of all) {
    if (seen.has(v)) issue([], `virtual address ${v} is used twice`);
    seen.add(v);
  }
}

export const haConfiguration: ConfigContribution = {
  sections: { ha: haSchema.optional() },
  check: haProblems,
};
