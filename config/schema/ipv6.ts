// The IPv6 configuration (issue 13): the top-level `ipv6` section and each WAN's `ipv6` fields, with their cross-checks.
import { z } from 'zod';
import { deviceNameProblem } from './validators.ts';
import { LIMITS, atMost } from './limits.ts';
import { hasHostBits6, inPrefix6, ipv6Problem, isLinkLocal6, nonUnicast6, parsePrefix6 } from './addresses6.ts';
import type { RefineCtx } from './network-checks.ts';
import { raSchema } from './ipv6-ra.ts';

const issue = (ctx: z.RefinementCtx, input: string, message: string) =>
  ctx.addIssue({ code: 'custom', input, message });

/** `addr/len` written as a prefix (no host bits); `what` is said in the message. */
const prefixProblem = (text: string, hostBits: boolean): string | undefined => {
  const [addr] = text.split('/');
  if (addr && ipv6Problem(addr)?.includes('IPv4')) return `${text} is an IPv4 prefix: this field takes an IPv6 prefix`;
  const p = parsePrefix6(text);
  if (!p) return 'expected an IPv6 prefix with its length, such as 2001:db8:1:100::/56';
  if (!hostBits && hasHostBits6(p)) return `${text} has host bits set: write the prefix itself`;
  return undefined;
};
const prefix6 = z.string().superRefine((t, ctx) => {
  const p = prefixProblem(t, false);
  if (p) issue(ctx, t, p);
});
const autoOr = (check: (value: string) => string | undefined) =>
  z
    .string()
    .default('auto')
    .superRefine((v, ctx) => {
      if (v === 'auto') return;
      const p = check(v);
      if (p) issue(ctx, v, p);
    });

/** The largest `ipv6.lan[].subnet`: a /48 holds 65536 /64s. */
export const MAX_SUBNET = 65535;

/** `wans[].ipv6`: the WAN's IPv6 side; `auto` values come from the kernel (docs/ipv6.md). */
export const wanIpv6Schema = z.strictObject({
  /** The WAN's global address with its prefix length (2001:db8:1::2/64), or auto: the device's first global address. */
  address: autoOr((v) => {
    const [addr] = v.split('/');
    const family = ipv6Problem(addr ?? '');
    if (family) return family;
    const p = parsePrefix6(v);
    if (!p) return 'expected an IPv6 address with its prefix length, such as 2001:db8:1::2/64';
    const special = nonUnicast6(p.address);
    if (special) return `${p.address} is ${special}`;
    if (isLinkLocal6(p.address)) return `${p.address} is link-local: the WAN's address is a global one`;
    return undefined;
  }),
  /** The next hop: link-local (used with the WAN's device) or global; auto: the device's default route (an RA's). */
  gateway: autoOr((v) => {
    const p = ipv6Problem(v);
    if (p) return p;
    const special = nonUnicast6(v);
    return special ? `${v} is ${special}` : undefined;
  }),
  /** The delegated prefix (2001:db8:1:100::/56); auto: from the kernel (a DHCPv6-PD client's unreachable route). */
  prefix: autoOr((v) => {
    const p = prefixProblem(v, false);
    if (p) return p;
    return parsePrefix6(v)!.length > 64
      ? `${v} is longer than /64: a delegated prefix holds at least one /64`
      : undefined;
  }),
  /** npt: what the LAN prefix becomes on this WAN; prefixes: what the LAN advertises. A /64 inside `prefix`. */
  lanPrefix: prefix6.optional(),
  /** npt mode: `npt` maps the LAN prefix to lanPrefix (host part kept), `masquerade` uses the WAN's address. */
  nat66: z.enum(['npt', 'masquerade']).optional(),
});

/** The top-level `ipv6` section: how LAN hosts reach the IPv6 internet through the WANs. */
export const ipv6SectionSchema = z.strictObject({
  /** npt: mwan balances IPv6 connections like IPv4 and translates the prefix; prefixes: hosts choose (RFC 8475). */
  mode: z.enum(['npt', 'prefixes']).default('npt'),
  /** The LANs' IPv6 prefixes (npt: the inside prefix, a ULA or one provider's). */
  lan: z
    .array(
      z.strictObject({
        device: z.string().superRefine((d, ctx) => {
          const p = deviceNameProblem(d);
          if (p) issue(ctx, d, p);
        }),
        prefix: prefix6,
        /**
         * prefixes mode: this LAN advertises the /64 number `subnet` of each WAN's delegated prefix (0: its first
         * /64); without it, each WAN's lanPrefix. Several LANs in prefixes mode give each its own subnet.
         */
        subnet: z.number().int().min(0).max(MAX_SUBNET).optional(),
      }),
    )
    .max(LIMITS.lans, atMost(LIMITS.lans, 'LANs'))
    .default([]),
  /** prefixes mode: who advertises the WANs' prefixes on the LAN (radvd, supervised; or none: the host's daemon). */
  ra: raSchema.optional(),
});

export type WanIpv6Config = z.output<typeof wanIpv6Schema>;
export type Ipv6Config = z.output<typeof ipv6SectionSchema>;

interface Shape {
  wans: { device: string; ipv6?: WanIpv6Config }[];
  lan: { device: string }[];
  ipv6?: Ipv6Config;
}

/** Cross-checks: lanPrefix a /64 inside prefix; NPT's equal lengths; the LAN devices; a mode's own fields. */
export function ipv6Problems(cfg: Shape, ctx: RefineCtx): void {
  const mode = cfg.ipv6?.mode ?? 'npt';
  const lans = cfg.ipv6?.lan ?? [];
  for (const [i, l] of lans.entries()) {
    if (l.subnet !== undefined && mode !== 'prefixes')
      ctx.addIssue({
        code: 'custom',
        path: ['ipv6', 'lan', i, 'subnet'],
        input: l.subnet,
        message: 'subnet applies in ipv6.mode prefixes only',
      });
    if (!cfg.lan.some((x) => x.device === l.device))
      ctx.addIssue({
        code: 'custom',
        path: ['ipv6', 'lan', i, 'device'],
        input: l.device,
        message: `${l.device} is not a LAN device: list it in lan[] too`,
      });
  }
  let npt = false;
  for (const [i, w] of cfg.wans.entries()) {
    const v6 = w.ipv6;
    if (!v6) continue;
    const at = (field: string) => ['wans', i, 'ipv6', field];
    if (v6.gateway !== 'auto' && v6.address !== 'auto' && v6.gateway === v6.address.split('/')[0])
      ctx.addIssue({
        code: 'custom',
        path: at('gateway'),
        input: v6.gateway,
        message: "the gateway is the WAN's own address",
      });
    if (v6.nat66 && mode !== 'npt')
      ctx.addIssue({
        code: 'custom',
        path: at('nat66'),
        input: v6.nat66,
        message: 'nat66 applies in ipv6.mode npt only',
      });
    const lp = v6.lanPrefix && parsePrefix6(v6.lanPrefix);
    if (!lp) continue;
    if (lp.length !== 64)
      ctx.addIssue({
        code: 'custom',
        path: at('lanPrefix'),
        input: v6.lanPrefix,
        message: `expected a /64, not /${lp.length}`,
      });
    const pfx = v6.prefix !== 'auto' ? parsePrefix6(v6.prefix) : undefined;
    if (pfx && (lp.length < pfx.length || !inPrefix6(lp.address, pfx)))
      ctx.addIssue({
        code: 'custom',
        path: at('lanPrefix'),
        input: v6.lanPrefix,
        message: `${v6.lanPrefix} is not inside the delegated prefix ${v6.prefix}`,
      });
    if (mode === 'npt' && (v6.nat66 ?? 'npt') === 'npt') {
      npt = true;
      for (const [j, l] of lans.entries()) {
        const inside = parsePrefix6(l.prefix);
        if (inside && inside.length !== lp.length)
          ctx.addIssue({
            code: 'custom',
            path: ['ipv6', 'lan', j, 'prefix'],
            input: l.prefix,
            message: `NPT maps prefixes of equal length: ${l.prefix} is /${inside.length}, wans[${i}].ipv6.lanPrefix is /${lp.length}`,
          });
      }
    }
  }
  if (npt && lans.length > 1)
    ctx.addIssue({
      code: 'custom',
      path: ['ipv6', 'lan'],
      input: lans.length,
      message: "nat66 npt maps one inside prefix to each WAN's lanPrefix: list one LAN, or use nat66 masquerade",
    });
}
