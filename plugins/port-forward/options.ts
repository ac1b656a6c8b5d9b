// Port forwards as users write them in the configuration (`forwards`): their schema and cross-checks against the WANs and LANs.
import { z } from 'zod';
import {
  OBJECT_NAME,
  atMost,
  declaredAddresses,
  forwardTarget,
  portRange,
  type ConfigContribution,
  type MwanConfig,
  type RefineCtx,
} from '../../plugin-api/index.ts';
import { forwardTargetProblem } from './target-check.ts';
import { forwardTarget6, forwardTarget6Problem } from './ipv6.ts';
import { pinholeTargetProblem } from './pinhole-target.ts';

/** Each forward is one or two nft rules per protocol and WAN. */
const MAX = { forwards: 1024 } as const;

const objectName = z.string().regex(OBJECT_NAME, 'expected a letter, then up to 23 letters, digits, "_" or "-"');
const portNumber = z.number().int().min(1).max(65535);

export const forwardSchema = z.strictObject({
  name: objectName.optional(),
  port: z.union(
    [
      portNumber,
      z
        .string()
        .refine((p) => portRange(p) !== undefined, 'expected a port 1-65535 or an ordered range such as "8000-8010"'),
    ],
    { error: 'expected a port 1-65535 or an ordered range such as "8000-8010"' },
  ),
  proto: z.enum(['tcp', 'udp', 'both']).default('tcp'),
  /** The LAN host over IPv4; a forward gives `to`, `to6` or both (an IPv6-only forward leaves `to` out). */
  to: z
    .string()
    .refine(
      (t) => forwardTarget(t) !== undefined,
      'expected a LAN host as an IPv4 address with an optional port, such as 10.0.0.5 or 10.0.0.5:8080',
    )
    .optional(),
  /**
   * The LAN host over IPv6. npt: its address (`fd00:77::5` or `[fd00:77::5]:8080`), DNAT on the WANs' IPv6 addresses;
   * prefixes: a global address or an interface identifier (`::5`) joined to each WAN's lanPrefix, opened as a pinhole
   * (the port stays, nothing is translated).
   */
  to6: z.string().optional(),
  wans: z.array(z.string()).min(1, 'list at least one WAN, or leave wans out for every WAN').optional(),
  /** Forward to a host outside every LAN network (never to the router itself or a non-unicast address). */
  allowOutsideLan: z.boolean().optional(),
});

export type ForwardConfig = z.output<typeof forwardSchema>;

declare module '../../plugin-api/index.ts' {
  interface PluginSections {
    forwards: ForwardConfig[];
  }
}

/** The forward target's address part ("10.0.0.5:8080" → "10.0.0.5"). */
const targetAddress = (to: string): string => to.split(':')[0];

/**
 * Cross-checks of the forwards: their WANs exist, no two claim a port on one WAN, a range keeps its ports, and each
 * target is a host of a LAN network (see target-check.ts) unless allowOutsideLan.
 */
export function forwardProblems(cfg: MwanConfig, ctx: RefineCtx): void {
  const wanNames = cfg.wans.map((w) => w.name);
  const claimed: { wan: string; proto: 'tcp' | 'udp'; from: number; to: number; index: number }[] = [];
  cfg.forwards.forEach((f, i) => {
    if (f.wans !== undefined && !Array.isArray(f.wans)) return;
    f.wans?.forEach((name, j) => {
      if (!wanNames.includes(name))
        ctx.addIssue({
          code: 'custom',
          path: ['forwards', i, 'wans', j],
          input: name,
          message: `no WAN is named so; WANs: ${wanNames.join(', ')}`,
        });
    });
    if (f.to === undefined && f.to6 === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['forwards', i, 'to'],
        input: f.to,
        message: 'a forward needs a LAN host: to (IPv4), to6 (IPv6), or both',
      });
      return;
    }
    const range = portRange(f.port);
    const target = typeof f.to === 'string' ? forwardTarget(f.to) : undefined;
    const target6 = f.to === undefined && typeof f.to6 === 'string' ? forwardTarget6(f.to6) : undefined;
    if (!range || !(target || target6)) return;
    if (range.from !== range.to && (target ?? target6)!.port !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['forwards', i, target ? 'to' : 'to6'],
        input: target ? f.to : f.to6,
        message: 'a port range keeps its ports: give the host without a port',
      });
    }
    const protos: ('tcp' | 'udp')[] = f.proto === 'both' ? ['tcp', 'udp'] : [f.proto];
    for (const wan of f.wans ?? wanNames) {
      for (const proto of protos) {
        const clash = claimed.find(
          (c) => c.wan === wan && c.proto === proto && c.from <= range.to && range.from <= c.to && c.index !== i,
        );
        if (clash) {
          ctx.addIssue({
            code: 'custom',
            path: ['forwards', i, 'port'],
            input: f.port,
            message: `${proto} port overlaps forwards[${clash.index}] on WAN ${wan}`,
          });
          return;
        }
        claimed.push({ wan, proto, ...range, index: i });
      }
    }
  });
  cfg.forwards.forEach((f, i) => {
    if (typeof f.to6 !== 'string') return;
    if (cfg.ipv6?.mode === 'prefixes') {
      const pinhole = pinholeTargetProblem(f.to6);
      if (pinhole)
        ctx.addIssue({
          code: 'custom',
          path: ['forwards', i, 'to6'],
          input: f.to6,
          message: `${pinhole}; prefixes mode opens a pinhole to a global IPv6 address (2001:db8:1:100::5) or an interface identifier (::5), without a port`,
        });
      return;
    }
    const problem = forwardTarget6Problem(f.to6, cfg.ipv6?.lan.map((l) => l.prefix) ?? [], cfg.ipv6?.mode);
    const t4 = typeof f.to === 'string' ? forwardTarget(f.to) : undefined;
    const t6 = forwardTarget6(f.to6);
    const ports = !problem && t4 && t6 && (t4.port === undefined) !== (t6.port === undefined);
    if (problem || ports)
      ctx.addIssue({
        code: 'custom',
        path: ['forwards', i, 'to6'],
        input: f.to6,
        message: problem ?? 'to and to6 both give a port or neither does',
      });
  });
  const declared = declaredAddresses(cfg);
  const lans = declared.lans;
  const own = [...declared.wans.flatMap((a) => (a ? [a.address] : [])), ...lans.map((a) => a.address)];
  cfg.forwards.forEach((f, i) => {
    if (typeof f.to !== 'string') return;
    const noLan =
      cfg.lan.length === 0 && f.allowOutsideLan !== true
        ? 'no LAN is configured (lan[]): a forward goes to a host of a LAN network; set allowOutsideLan: true to forward elsewhere'
        : undefined;
    const problem = noLan ?? forwardTargetProblem(targetAddress(f.to), { lans, own }, f.allowOutsideLan === true);
    if (problem) ctx.addIssue({ code: 'custom', path: ['forwards', i, 'to'], input: f.to, message: problem });
  });
}

/** The port-forward plugin's part of the configuration. */
export const forwardsConfiguration: ConfigContribution = {
  sections: { forwards: z.array(forwardSchema).max(MAX.forwards, atMost(MAX.forwards, 'forwards')).default([]) },
  check: forwardProblems,
};
