// The observe plugin's configuration (`observe`): where the metrics and status page server listens, and its token.
import { z } from 'zod';
import { isIPv4, type ConfigContribution, type MwanConfig, type RefineCtx } from '../../plugin-api/index.ts';

/** A port in the registered range that no well-known software uses (not in IANA's list nor Prometheus' exporter list). */
export const DEFAULT_PORT = 9847;
export const DEFAULT_LISTEN = `127.0.0.1:${DEFAULT_PORT}`;

/** `host:port` with an IPv4 address, or `[v6]:port`. */
export function parseListen(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  if (m[2] !== undefined && !isIPv4(host)) return null;
  if (m[1] !== undefined && !/^[0-9a-fA-F:]+$/.test(host)) return null;
  return { host, port };
}

/** Loopback addresses (127.0.0.0/8, ::1): the only ones served without a token. */
export const isLoopback = (host: string): boolean => /^127\./.test(host) || host === '::1';

export const observeSchema = z.strictObject({
  /** `host:port` of the metrics and status page server; false turns it off. */
  listen: z
    .union([
      z.literal(false),
      z
        .string()
        .refine(
          (s) => parseListen(s) !== null,
          'expected "address:port" such as "127.0.0.1:9847" or "[::1]:9847", or false',
        ),
    ])
    .default(DEFAULT_LISTEN),
  /** A secret clients send (`Authorization: Bearer <token>` or `?token=`); required off loopback. */
  token: z.string().min(16, 'expected at least 16 characters (a random secret)').max(256).optional(),
});

export type ObserveConfig = z.output<typeof observeSchema>;

declare module '../../plugin-api/index.ts' {
  interface PluginSections {
    observe: ObserveConfig;
  }
}

/** Serving on an address other than loopback needs a token. */
function tokenProblems(cfg: MwanConfig, ctx: RefineCtx): void {
  const o = cfg.observe;
  if (!o || o.listen === false || o.token) return;
  const where = parseListen(o.listen);
  if (where && !isLoopback(where.host))
    ctx.addIssue({
      code: 'custom',
      path: ['observe', 'token'],
      input: undefined,
      message: `required when observe.listen is not a loopback address (got ${o.listen}): the status page and metrics would be open to the network`,
    });
}

export const observeConfiguration: ConfigContribution = {
  sections: { observe: observeSchema.default({ listen: DEFAULT_LISTEN }) },
  check: tokenProblems,
};
