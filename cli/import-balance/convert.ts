// Converts Net-ISP-Balance's services and settings into mwan's YAML, with a `# not carried over:` comment for each thing it cannot carry.
import { MwanError } from '../../core/errors.ts';
import { OBJECT_NAME, deviceNameProblem, isIPv4 } from '../../config/schema/validators.ts';
import type { BalanceFiles, ServiceRow, Setting } from './parse-balance.ts';

/** A YAML scalar: plain when that is unambiguous, else a JSON (double-quoted) string. */
const scalar = (s: string) =>
  /^[A-Za-z0-9_./@-]+$/.test(s) && !/^(true|false|null|yes|no|on|off|~)$/i.test(s) && !/^[0-9.]+$/.test(s)
    ? s
    : JSON.stringify(s);

interface Wan {
  name: string;
  device: string;
  weight: number;
  gateway: string;
  probe: string;
  probeNote?: string;
  tier?: number;
}

/** Settings of foolsm (Net-ISP-Balance's link monitor) that map onto mwan's health settings one to one. */
const HEALTH_SETTINGS: Record<string, { field: string; min: number; max: number; note: string }> = {
  interval_ms: { field: 'intervalMs', min: 20, max: 60000, note: 'a probe round every this many ms' },
  max_successive_pkts_lost: { field: 'downAfter', min: 1, max: 1000, note: 'failed rounds in a row take the WAN out' },
  min_successive_pkts_rcvd: { field: 'upAfter', min: 1, max: 1000, note: 'good rounds in a row bring it back' },
  max_packet_loss: {
    field: 'lossHighPct',
    min: 0,
    max: 100,
    note: 'acts only with health.trigger loss or loss-or-latency',
  },
  min_packet_loss: {
    field: 'lossLowPct',
    min: 0,
    max: 100,
    note: 'acts only with health.trigger loss or loss-or-latency',
  },
  long_down_time: { field: 'longDownSeconds', min: 0, max: 1e9, note: 'emits wan.longdown (mail, event-scripts)' },
};

/** The YAML for `files` (read from `sources`); throws MWAN_CONFIG_INVALID when no ISP service can be carried over. */
export function convertBalance(files: BalanceFiles, sources: string[]): string {
  const lost: string[] = [];
  const notCarried = (what: string, where: string, why: string) =>
    lost.push(`# not carried over: ${what} (${where}): ${why}`);
  const wans: Wan[] = [];
  const lans: { name: string; device: string }[] = [];
  const names = new Map<string, string>(); // Net-ISP-Balance service name → mwan name, for forwarding groups

  for (const row of files.services) {
    const problem = rowProblem(row);
    if (problem) {
      notCarried(`service ${row.service} ${row.device} ${row.role}`.trim(), row.where, problem);
      continue;
    }
    if (row.role === 'lan') {
      lans.push({ name: row.service, device: row.device });
      names.set(row.service, row.service);
      continue;
    }
    const weight = row.weight === undefined ? 1 : Number(row.weight);
    let w = Math.round(weight);
    if (!(Number.isFinite(weight) && weight > 0)) {
      notCarried(`weight ${row.weight} of ${row.service}`, row.where, 'not a positive number; weight 1');
      w = 1;
    } else if (w !== weight || w < 1 || w > 1000) {
      w = Math.min(1000, Math.max(1, w));
      notCarried(
        `weight ${row.weight} of ${row.service}`,
        row.where,
        `mwan weights are whole numbers 1-1000; rounded to ${w}`,
      );
    }
    let gateway = 'auto';
    if (row.gateway !== undefined && row.gateway !== 'default') {
      if (isIPv4(row.gateway)) gateway = row.gateway;
      else
        notCarried(
          `gateway ${row.gateway} of ${row.service}`,
          row.where,
          'not an IPv4 address; gateway auto (discovered from the default route)',
        );
    }
    let probe = 'gateway';
    let probeNote: string | undefined;
    if (row.ping !== undefined && isIPv4(row.ping)) probe = row.ping;
    else {
      const what =
        row.ping === undefined ? 'no ping-ip (Net-ISP-Balance then pinged www.google.ca)' : `ping-ip ${row.ping}`;
      notCarried(
        `${what} of ${row.service}`,
        row.where,
        "icmp probes need an IPv4 address; probing the WAN's gateway instead: add an address beyond your ISP",
      );
      probeNote = 'no usable ping-ip: see "not carried over" below';
    }
    wans.push({ name: row.service, device: row.device, weight: w, gateway, probe, probeNote });
    names.set(row.service, row.service);
  }
  if (!wans.length) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `no isp service to carry over in ${sources.join(', ')}: expected table rows such as "DSL ppp0 isp 192.0.2.10 1 default"`,
    );
  }

  const out: string[] = [
    `# mwan configuration converted by \`mwanctl import-balance\` from ${sources.join(' and ')}.`,
    '# yaml-language-server: $schema=/usr/share/doc/mwan/examples/mwan.schema.json',
    '# Review it (mwanctl check --config FILE; mwanctl plan --config FILE) before `mwanctl apply`.',
  ];
  let mode = 'balanced';
  const health: string[] = [];
  const groups: string[][] = [];
  let mail: string | undefined;
  for (const s of files.settings) {
    const known = settingLine(s, { names, lanNames: lans.map((l) => l.name), notCarried });
    if (known.mode) mode = known.mode;
    if (known.health) health.push(known.health);
    if (known.group) groups.push(known.group);
    if (known.mail) mail = known.mail;
  }
  if (mode === 'failover') {
    // Net-ISP-Balance's failover uses the highest weight alone; mwan's failover order is the tier (1 first).
    const weights = [...new Set(wans.map((w) => w.weight))].sort((a, b) => b - a);
    for (const w of wans) {
      w.tier = weights.indexOf(w.weight) + 1;
      w.weight = 1;
    }
  }
  out.push(`mode: ${mode}`, 'wans:');
  for (const w of wans) {
    out.push(`  - name: ${scalar(w.name)}`, `    device: ${scalar(w.device)}`, `    gateway: ${w.gateway}`);
    if (w.tier !== undefined)
      out.push(`    tier: ${w.tier}${w.tier === 1 ? '            # failover: the highest weight first' : ''}`);
    else out.push(`    weight: ${w.weight}`);
    out.push('    probes:', `      - target: ${w.probe}${w.probeNote ? `  # ${w.probeNote}` : ''}`);
  }
  if (lans.length) {
    out.push('lan:');
    for (const l of lans) out.push(`  - device: ${scalar(l.device)}`, `    name: ${scalar(l.name)}`);
  }
  if (health.length) out.push('health:', ...health);
  if (groups.length) {
    out.push('firewall:', '  forwardingGroups:');
    for (const g of groups) out.push(`    - [${g.map((m) => JSON.stringify(m)).join(', ')}]`);
  }
  if (mail)
    out.push(
      'plugins:',
      '  mail:                   # warn_email: mail on every WAN state change, through the local sendmail',
      `    to: ${JSON.stringify(mail)}`,
      '    transport: { sendmail: true }',
    );
  if (lost.length) out.push('', ...lost);
  return `${out.join('\n')}\n`;
}

function rowProblem(row: ServiceRow): string | undefined {
  if (row.role !== 'isp' && row.role !== 'lan') return `role ${JSON.stringify(row.role)} is neither isp nor lan`;
  if (!OBJECT_NAME.test(row.service))
    return 'the service name is not a valid mwan name (a letter, then up to 23 letters, digits, "_" or "-")';
  const problem = deviceNameProblem(row.device);
  return problem ? `device: ${problem}` : undefined;
}

interface SettingContext {
  names: Map<string, string>;
  lanNames: string[];
  notCarried(what: string, where: string, why: string): void;
}

/** What one key=value line becomes (nothing, after a not-carried-over comment, when it cannot be carried). */
function settingLine(
  s: Setting,
  ctx: SettingContext,
): { mode?: string; health?: string; group?: string[]; mail?: string } {
  const what = `${s.key}=${s.value}`;
  if (s.key === 'mode') {
    if (s.value === 'balanced' || s.value === 'failover') return { mode: s.value };
    ctx.notCarried(what, s.where, 'expected balanced or failover; mode balanced');
    return {};
  }
  const health = HEALTH_SETTINGS[s.key];
  if (health) {
    const n = Number(s.value);
    if (
      !(
        s.value !== '' &&
        Number.isFinite(n) &&
        n >= health.min &&
        n <= health.max &&
        (health.max === 100 || Number.isInteger(n))
      )
    ) {
      ctx.notCarried(what, s.where, `expected a number ${health.min}-${health.max} for health.${health.field}`);
      return {};
    }
    return { health: `${`  ${health.field}: ${n}`.padEnd(26)}# ${s.key}: ${health.note}` };
  }
  if (s.key === 'forwarding_group') {
    const members = s.value.split(/\s+/).filter(Boolean);
    const unknown = members.filter((m) => m !== ':lan' && m !== ':isp' && !ctx.names.has(m));
    if (!members.length || unknown.length) {
      ctx.notCarried(
        what,
        s.where,
        unknown.length ? `no carried-over service is named ${unknown.join(', ')}` : 'an empty group',
      );
      return {};
    }
    return { group: members };
  }
  if (s.key === 'warn_email') {
    if (/^[^\s<>@]+@[^\s<>@]+$/.test(s.value)) return { mail: s.value };
    ctx.notCarried(what, s.where, 'not a mail address');
    return {};
  }
  ctx.notCarried(what, s.where, 'mwan has no such setting');
  return {};
}
