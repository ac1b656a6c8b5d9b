// `ipv6.ra` as users write it (a part of the `ipv6` section, not plugin options), and the checks of what `ipv6.mode: prefixes` advertises.
import { z } from 'zod';
import { isIPv6Address, networkOf, parsePrefix6, type MwanConfig, type RefineCtx } from '../../core/plugin/api.ts';

export const PLUGIN_NAME = 'ra';

/** RFC 8106 allows any number of RDNSS addresses; radvd and most hosts use three. */
const MAX_RDNSS = 3;

export const raSchema = z
  .strictObject({
    /** radvd: mwan writes radvd.conf and supervises radvd; none: the host's own RA daemon advertises (no deprecation). */
    daemon: z.enum(['radvd', 'none']).default('radvd'),
    /** DNS servers advertised in RAs (RFC 8106 RDNSS). */
    rdnss: z
      .array(z.string().refine(isIPv6Address, 'expected an IPv6 address such as fd00:77::1'))
      .max(MAX_RDNSS, `at most ${MAX_RDNSS} addresses`)
      .default([]),
    /** Longest time between unsolicited RAs (radvd's MaxRtrAdvInterval); the router lifetime is three times it. */
    maxIntervalSeconds: z.number().int().min(4).max(1800).default(30),
    /** Valid lifetime of each prefix (an address stays usable this long after the last RA). */
    validLifetimeSeconds: z.number().int().min(7200).max(4294967295).default(86400),
    /** Preferred lifetime of an in-service WAN's prefix (out of service: 0, deprecated). */
    preferredLifetimeSeconds: z.number().int().min(60).max(4294967295).default(14400),
    /** The radvd program. */
    binary: z
      .string()
      .regex(/^\/[^\s]*$/, 'expected an absolute path without spaces')
      .default('/usr/sbin/radvd'),
  })
  .refine((r) => r.preferredLifetimeSeconds <= r.validLifetimeSeconds, {
    path: ['preferredLifetimeSeconds'],
    message: 'must not exceed validLifetimeSeconds',
  });

export type RaConfig = z.output<typeof raSchema>;

export const RA_DEFAULTS: RaConfig = raSchema.parse({});

/** The parts of the `ipv6` section and of `wans[].ipv6` this plugin reads. */
export interface Ipv6Section {
  mode: 'npt' | 'prefixes';
  lan: { device: string }[];
  ra?: RaConfig;
}

export function ipv6Section(config: MwanConfig): Ipv6Section | undefined {
  return (config as { ipv6?: Ipv6Section }).ipv6;
}

const wanIpv6 = (w: unknown): { lanPrefix?: string; prefix?: string } | undefined =>
  (w as { ipv6?: { lanPrefix?: string; prefix?: string } }).ipv6;

/**
 * In `prefixes` mode: each WAN's `lanPrefix` is a /64 network (SLAAC needs /64), no two WANs advertise the same one,
 * and the LAN is one link (a WAN's one /64 cannot be on two links).
 */
export function prefixesProblems(cfg: MwanConfig, ctx: RefineCtx): void {
  const v6 = ipv6Section(cfg);
  if (v6?.mode !== 'prefixes') return;
  if (Array.isArray(v6.lan) && v6.lan.length > 1)
    ctx.addIssue({
      code: 'custom',
      path: ['ipv6', 'lan'],
      input: v6.lan.map((l) => l.device),
      message: "prefixes mode advertises each WAN's one /64 (wans[].ipv6.lanPrefix) on one LAN: list one LAN device",
    });
  const seen = new Map<string, number>();
  cfg.wans.forEach((w, i) => {
    const lanPrefix = wanIpv6(w)?.lanPrefix;
    if (lanPrefix === undefined || lanPrefix === 'auto') return;
    const path = ['wans', i, 'ipv6', 'lanPrefix'];
    const parsed = parsePrefix6(lanPrefix);
    if ('problem' in parsed || parsed.length !== 64) {
      const problem =
        'problem' in parsed
          ? parsed.problem
          : `expected a /64 (hosts form SLAAC addresses only in a /64), got /${parsed.length}`;
      ctx.addIssue({ code: 'custom', path, input: lanPrefix, message: problem });
    } else {
      const key = networkOf(parsed.groups, parsed.length);
      if (seen.has(key))
        ctx.addIssue({
          code: 'custom',
          path,
          input: lanPrefix,
          message: `wans[${seen.get(key)}].ipv6.lanPrefix advertises it already; each WAN has its own prefix`,
        });
      seen.set(key, i);
    }
  });
}
