// The ha section's IPv6 fields (issue 16 + 13): a virtual link-local gateway per LAN, a virtual address per WAN, and their checks.
import { z } from 'zod';
import { inPrefix6, isIPv4, isLinkLocal6, parsePrefix6, type MwanConfig } from '../../plugin-api/index.ts';

/** Why `a` cannot be a unicast IPv6 host address, naming a family mix-up; undefined when it can. */
function address6Problem(a: string): string | undefined {
  if (isIPv4(a)) return `${a} is an IPv4 address: this field takes an IPv6 one (IPv4 goes in ha.lan / ha.wans)`;
  if (a.includes('/') || !parsePrefix6(`${a}/128`)) return 'expected an IPv6 address without a prefix, e.g. fe80::1';
  const canon = parsePrefix6(`${a}/128`)!.address;
  if (canon === '::' || canon === '::1' || canon.startsWith('ff')) return `${a} is not a unicast address`;
  return undefined;
}

const ipv6Address = (extra: (canonical: string) => string | undefined) =>
  z.string().superRefine((a, ctx) => {
    const problem = address6Problem(a) ?? extra(parsePrefix6(`${a}/128`)!.address);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** LAN device → the virtual link-local address LAN hosts use as their IPv6 default router (e.g. fe80::1). */
export const lan6Schema = z.record(
  z.string(),
  ipv6Address((a) =>
    isLinkLocal6(a)
      ? undefined
      : `${a} is not link-local: the LAN's IPv6 gateway is a link-local address (fe80::/10), e.g. fe80::1`,
  ),
);

/** WAN name → the virtual IPv6 address on the WAN's shared subnet (the ISP routes the LAN's prefix to it). */
export const wans6Schema = z.record(
  z.string(),
  ipv6Address((a) =>
    isLinkLocal6(a) ? `${a} is link-local: a WAN's virtual IPv6 address is a global one on its subnet` : undefined,
  ),
);

export interface Ha6 {
  lan6?: Record<string, string>;
  wans6?: Record<string, string>;
}

type Issue = (path: (string | number)[], message: string) => void;

/** Cross-checks of the IPv6 fields against the lan, wans and ipv6 sections. */
export function ha6Problems(cfg: MwanConfig, ha: Ha6, issue: Issue): void {
  const lanDevices = cfg.lan.map((l) => l.device);
  for (const dev of Object.keys(ha.lan6 ?? {}))
    if (!lanDevices.includes(dev))
      issue(['lan6', dev], `no lan[] device is named so; lan devices: ${lanDevices.join(', ') || '(none)'}`);
  for (const l of cfg.ipv6?.lan ?? [])
    if (!ha.lan6?.[l.device])
      issue(
        ['lan6'],
        `LAN ${l.device} has IPv6 (ipv6.lan) but no virtual link-local address: its hosts need one gateway`,
      );
  const first = lanDevices[0];
  if (first && Object.keys(ha.wans6 ?? {}).length > 0 && !ha.lan6?.[first])
    issue(
      ['lan6'],
      `the IPv6 VRRP instance runs on ${first} and its first address must be link-local: give ${first} one (e.g. fe80::1)`,
    );
  for (const [name, vip] of Object.entries(ha.wans6 ?? {})) {
    const wan = cfg.wans.find((w) => w.name === name);
    if (!wan) {
      issue(['wans6', name], `no WAN is named so; WANs: ${cfg.wans.map((w) => w.name).join(', ')}`);
      continue;
    }
    const own = wan.ipv6?.address && wan.ipv6.address !== 'auto' ? parsePrefix6(wan.ipv6.address) : undefined;
    if (own && parsePrefix6(`${vip}/128`) && !inPrefix6(vip, own))
      issue(['wans6', name], `${vip} is outside ${name}'s IPv6 subnet (wans[].ipv6.address ${wan.ipv6!.address})`);
  }
  if (cfg.ipv6?.mode === 'npt')
    for (const w of cfg.wans)
      if (w.ipv6?.nat66 === 'masquerade' && !ha.wans6?.[w.name])
        issue(
          ['wans6'],
          `WAN ${w.name} masquerades IPv6 (nat66: masquerade) but has no virtual IPv6 address: after a takeover its flows would leave from the other router's own address`,
        );
  const seen = new Set<string>();
  for (const v of [...Object.values(ha.lan6 ?? {}), ...Object.values(ha.wans6 ?? {})]) {
    const key = parsePrefix6(`${v}/128`)?.address ?? v;
    if (seen.has(key)) issue([], `virtual address ${v} is used twice`);
    seen.add(key);
  }
}
