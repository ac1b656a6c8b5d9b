// The checks of what `ipv6.mode: prefixes` advertises (the `ipv6.ra` schema is config/schema/ipv6-ra.ts).
import {
  advertisedLans,
  network6,
  nthSlash64,
  parsePrefix6,
  slash64Count,
  type ConfigContribution,
  type MwanConfig,
  type RefineCtx,
} from '../../plugin-api/index.ts';

export const PLUGIN_NAME = 'ra';

/** Several LANs: each listed in ipv6.lan, at most one without a subnet, no subnet twice. */
function severalLans(cfg: MwanConfig, ctx: RefineCtx): void {
  const lans = advertisedLans(cfg);
  if (lans.length < 2) return;
  if (!cfg.ipv6?.lan.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['lan'],
      input: lans.map((l) => l.device),
      message:
        "prefixes mode with several LANs: list each LAN in ipv6.lan with its subnet (the /64 number it gets in each WAN's delegated prefix)",
    });
    return;
  }
  const withoutSubnet = lans.map((l, j) => ({ l, j })).filter(({ l }) => l.subnet === undefined);
  for (const { l, j } of withoutSubnet.slice(1))
    ctx.addIssue({
      code: 'custom',
      path: ['ipv6', 'lan', j, 'subnet'],
      input: l.device,
      message: `ipv6.lan[${withoutSubnet[0].j}] already takes each WAN's lanPrefix: give ${l.device} its own subnet (the /64 number in each WAN's delegated prefix)`,
    });
  const seen = new Map<number, number>();
  lans.forEach((l, j) => {
    if (l.subnet === undefined) return;
    if (seen.has(l.subnet))
      ctx.addIssue({
        code: 'custom',
        path: ['ipv6', 'lan', j, 'subnet'],
        input: l.subnet,
        message: `ipv6.lan[${seen.get(l.subnet)}] has subnet ${l.subnet} already; each LAN has its own /64`,
      });
    else seen.set(l.subnet, j);
  });
}

/** A static delegated prefix must hold every LAN's subnet; a WAN's lanPrefix must not be another LAN's subnet. */
function subnetsFit(cfg: MwanConfig, ctx: RefineCtx): void {
  const lans = advertisedLans(cfg);
  cfg.wans.forEach((w, i) => {
    const v6 = w.ipv6;
    const delegated = v6 && v6.prefix !== 'auto' ? parsePrefix6(v6.prefix) : undefined;
    if (!v6 || !delegated) return;
    const count = slash64Count(delegated.length);
    lans.forEach((l, j) => {
      if (l.subnet === undefined || l.subnet < count) return;
      ctx.addIssue({
        code: 'custom',
        path: ['ipv6', 'lan', j, 'subnet'],
        input: l.subnet,
        message: `wans[${i}].ipv6.prefix ${v6.prefix} holds ${count} /64s (subnets 0..${count - 1}): subnet ${l.subnet} is outside it`,
      });
    });
    const own = v6.lanPrefix ? parsePrefix6(v6.lanPrefix) : undefined;
    if (!own) return;
    const lanPrefix = network6(own);
    const clash = lans.findIndex(
      (l) => l.subnet !== undefined && nthSlash64(network6(delegated), l.subnet) === lanPrefix,
    );
    if (clash >= 0 && lans.some((l) => l.subnet === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['wans', i, 'ipv6', 'lanPrefix'],
        input: v6.lanPrefix,
        message: `${lanPrefix} is ipv6.lan[${clash}]'s subnet ${lans[clash].subnet}: each LAN has its own /64`,
      });
  });
}

/**
 * In `prefixes` mode (the /64 and inside-the-delegated-prefix checks are config/schema/ipv6.ts's): several LANs each
 * get their own /64 of every WAN (ipv6.lan[].subnet), and no two WANs advertise the same prefix.
 */
export function prefixesProblems(cfg: MwanConfig, ctx: RefineCtx): void {
  if (cfg.ipv6?.mode !== 'prefixes') return;
  severalLans(cfg, ctx);
  subnetsFit(cfg, ctx);
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
