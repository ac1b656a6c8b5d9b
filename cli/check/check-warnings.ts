// What `mwanctl check` warns about (devices missing here, WANs without probes, host-name probe targets, HTTPS probes with too short a timeout) and refuses (ICMP host names).
import net from 'node:net';
import type { MwanConfig } from '../../config/schema/schema.ts';
import { GATEWAY_TARGET } from '../../plugins/health/monitor.ts';
import { settingsOf } from '../../plugins/health/sections.ts';

/**
 * An HTTPS probe needs three to four round trips within its timeout (TCP, the TLS handshake, the request) plus the
 * handshake's own CPU time: below four round trips of 100 ms, a target that is not close answers too late and its
 * WAN is judged down although it works.
 */
export const HTTPS_MIN_TIMEOUT_MS = 400;

/** Where a WAN's probe timeout is set: its own health section, the global one, or the default. */
function timeoutField(config: MwanConfig, i: number): string {
  if (config.wans[i].health?.timeoutMs !== undefined) return `wans[${i}].health.timeoutMs`;
  return config.health?.timeoutMs !== undefined ? 'health.timeoutMs' : 'the default timeoutMs';
}

export interface CheckFindings {
  /** One line each, naming the field: printed on stderr, exit status unchanged. */
  warnings: string[];
  /** One line each, naming the field: the configuration cannot work as written (exit status 2). */
  errors: string[];
}

/**
 * The findings for `config` on a machine whose links are `links` (undefined: the links could not be read, so devices
 * are not checked). Pure: the caller reads the links.
 */
export function checkFindings(config: MwanConfig, links: readonly string[] | undefined): CheckFindings {
  const warnings: string[] = [];
  const errors: string[] = [];
  const present = links ? new Set(links) : undefined;
  config.wans.forEach((w, i) => {
    if (present && !present.has(w.device))
      warnings.push(`wans[${i}].device: ${w.device} does not exist on this machine (WAN ${w.name})`);
    if (!w.probes.length) {
      warnings.push(
        `wans[${i}].probes: WAN ${w.name} has no probes: only the link and its gateway decide whether it is up ` +
          '(add e.g. { target: gateway } or an address beyond the ISP)',
      );
    }
    const { timeoutMs } = settingsOf(config, w.name);
    w.probes.forEach((p, j) => {
      if (p.method === 'https' && timeoutMs < HTTPS_MIN_TIMEOUT_MS)
        warnings.push(
          `wans[${i}].probes[${j}].method: an https probe needs 3–4 round trips (TCP, TLS, the request) within ` +
            `${timeoutMs} ms (${timeoutField(config, i)}): only targets less than about ${Math.floor(timeoutMs / 4)} ms ` +
            `away answer in time, farther ones make WAN ${w.name} look down; set wans[${i}].health.timeoutMs to ` +
            `${HTTPS_MIN_TIMEOUT_MS} or more, or probe by icmp or tcp`,
        );
      if (p.method === 'command' || p.target === GATEWAY_TARGET || net.isIPv4(p.target)) return;
      const field = `wans[${i}].probes[${j}].target`;
      if (p.method === 'icmp') {
        errors.push(
          `${field}: ${JSON.stringify(p.target)} is a host name; icmp probes need an IPv4 address such as 192.0.2.1 ` +
            '(look it up once, e.g. `getent ahostsv4 NAME`) or `gateway`',
        );
      } else {
        warnings.push(
          `${field}: ${JSON.stringify(p.target)} is a host name: the system resolver looks it up at every probe, ` +
            'through whichever WAN carries DNS, so an outage of DNS reads as an outage of this WAN; prefer an IPv4 address',
        );
      }
    });
  });
  config.lan.forEach((l, i) => {
    if (present && !present.has(l.device))
      warnings.push(`lan[${i}].device: ${l.device} does not exist on this machine`);
  });
  return { warnings, errors };
}
