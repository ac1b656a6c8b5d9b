// The checks of what `ipv6.mode: prefixes` advertises (the `ipv6.ra` schema is config/schema/ipv6-ra.ts).
import {
  network6,
  parsePrefix6,
  type ConfigContribution,
  type MwanConfig,
  type RefineCtx,
} from '../../core/plugin/api.ts';

export const PLUGIN_NAME = 'ra';

/** The LAN devices that get RAs: `ipv6.lan`'s, else every `lan[]` device. */
export function advertisedLans(config: MwanConfig): string[] {
  const listed = config.ipv6?.lan ?? [];
  return listed.length ? listed.map((l) => l.device) : config.lan.map((l) => l.device);
}

/**
 * In `prefixes` mode (the /64 and inside-the-delegated-prefix checks are config/schema/ipv6.ts's): no two WANs
 * advertise the same prefix, and the LAN is one link (a WAN's one /64 cannot be on two links).
 */
export function prefixesProblems(cfg: MwanConfig, ctx: RefineCtx): void {
  if (cfg.ipv6?.mode !== 'prefixes') return;
  const lans = advertisedLans(cfg);
  if (lans.length > 1)
    ctx.addIssue({
      code: 'custom',
      path: cfg.ipv6.lan.length ? ['ipv6', 'lan'] : ['lan'],
      input: lans,
      message:
        "prefixes mode advertises each WAN's one /64 (wans[].ipv6.lanPrefix) on one LAN link: list one device in ipv6.lan",
    });
  const seen = new Map<string, number>();
  cfg.wans.forEach((w, i) => {
    const parsed = w.ipv6?.lanPrefix ? parsePrefix6(w.ipv6.lanPrefix) : undefined;
    if (!parsed) return;
    const key = network6(parsed);
    if (seen.has(key))
      ctx.addIssue({
        code: 'custom',
        path: ['wans', i, 'ipv6', 'lanPrefix'],
        input: w.ipv6?.lanPrefix,
        message: `wans[${seen.get(key)}].ipv6.lanPrefix advertises it already; each WAN has its own prefix`,
      });
    seen.set(key, i);
  });
}

/** The ra plugin's part of the configuration: only its cross-checks (its fields are in the `ipv6` section). */
export const raConfiguration: ConfigContribution = { check: prefixesProblems };
