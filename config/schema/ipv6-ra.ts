// `ipv6.ra`: who advertises the WANs' prefixes on the LAN in `ipv6.mode: prefixes`, and what the advertisements say.
import { z } from 'zod';
import { ipv6Problem, nonUnicast6 } from './addresses6.ts';

/** RFC 8106 allows any number of RDNSS addresses; radvd and most hosts use three. */
const MAX_RDNSS = 3;

export const raSchema = z
  .strictObject({
    /** radvd: mwan writes radvd.conf and supervises radvd; none: the host's own RA daemon advertises (no deprecation). */
    daemon: z.enum(['radvd', 'none']).default('radvd'),
    /** DNS servers advertised in RAs (RFC 8106 RDNSS). */
    rdnss: z
      .array(
        z.string().superRefine((a, ctx) => {
          const p = ipv6Problem(a) ?? (nonUnicast6(a) ? `${a} is ${nonUnicast6(a)}` : undefined);
          if (p) ctx.addIssue({ code: 'custom', input: a, message: p });
        }),
      )
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

/** What an absent `ipv6.ra` means. */
export const RA_DEFAULTS: RaConfig = raSchema.parse({});
