// The firewall as users write it in the configuration (`firewall`): its schema, its default (on when there is a LAN) and the forwarding groups' check.
import { z } from 'zod';
import {
  atMost,
  isIPv4,
  isIPv4Prefix,
  type ConfigContribution,
  type MwanConfig,
  type RefineCtx,
} from '../../plugin-api/index.ts';

/** Bounds: sources are an anonymous nft set in one rule; each pair of a forwarding group's members an nft rule. */
const MAX = { sources: 256, forwardingGroups: 64, groupMembers: 64 } as const;

const portNumber = z.number().int().min(1).max(65535);

/** Forwarding-group members: LAN or WAN names, or ':lan' (every LAN) and ':isp' / ':wan' (every WAN). */
export const GROUP_ALIASES = [':lan', ':isp', ':wan'] as const;

export const firewallSchema = z.strictObject({
  enabled: z.boolean().optional(),
  ssh: z
    .union(
      [
        z.literal(false),
        z.strictObject({
          port: portNumber.default(22),
          from: z
            .array(
              z
                .string()
                .refine((n) => isIPv4(n) || isIPv4Prefix(n), 'expected an IPv4 address or prefix such as 192.0.2.0/24'),
            )
            .min(1, 'list at least one network, or set ssh to false')
            .max(MAX.sources, atMost(MAX.sources, 'networks'))
            .default(['0.0.0.0/0']),
        }),
      ],
      { error: 'expected false (no SSH from the WANs) or { port, from }' },
    )
    .default({ port: 22, from: ['0.0.0.0/0'] }),
  icmpRatePerSecond: z.number().int().min(0).max(100000).default(10),
  log: z.boolean().default(true),
  logRatePerMinute: z.number().int().min(1).max(100000).default(10),
  forwardingGroups: z
    .array(
      z
        .array(z.string())
        .min(1, 'a group lists at least one LAN, WAN, ":lan" or ":isp"')
        .max(MAX.groupMembers, atMost(MAX.groupMembers, 'members per group')),
    )
    .max(MAX.forwardingGroups, atMost(MAX.forwardingGroups, 'forwarding groups'))
    .optional(),
});

export type FirewallConfig = z.output<typeof firewallSchema>;

declare module '../../plugin-api/index.ts' {
  interface PluginSections {
    firewall: FirewallConfig;
  }
}

/** Every forwarding-group member names a LAN, a WAN or an alias. */
function groupProblems(cfg: MwanConfig, ctx: RefineCtx): void {
  const wanNames = cfg.wans.map((w) => w.name);
  const members = new Set([...GROUP_ALIASES, ...wanNames, ...cfg.lan.map((l) => l.name ?? l.device)]);
  for (const [i, group] of (cfg.firewall?.forwardingGroups ?? []).entries()) {
    if (!Array.isArray(group)) continue;
    for (const [j, m] of group.entries()) {
      if (!members.has(m))
        ctx.addIssue({
          code: 'custom',
          path: ['firewall', 'forwardingGroups', i, j],
          input: m,
          message: 'expected a LAN name (lan[].name, else its device), a WAN name, ":lan" or ":isp"',
        });
    }
  }
}

/** The firewall plugin's part of the configuration; `enabled` defaults to whether a LAN is configured. */
export const firewallConfiguration: ConfigContribution = {
  sections: { firewall: firewallSchema.default(firewallSchema.parse({})) },
  check: groupProblems,
  resolve: (cfg) => ({ firewall: { ...cfg.firewall, enabled: cfg.firewall.enabled ?? cfg.lan.length > 0 } }),
};
