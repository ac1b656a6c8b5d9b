// The upnp options (zod): on/off, the LAN it serves, the WANs it may use, how miniupnpd learns the public address, limits.
import { z } from 'zod';
import { invalidOptions, isIPv4, type MwanConfig } from '../../plugin-api/index.ts';
import { isReservedIPv4 } from './reserved.ts';

export const PLUGIN_NAME = 'upnp';

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*$/;

export const upnpOptionsSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** The LAN device miniupnpd listens on (SSDP, HTTP, NAT-PMP); the first `lan[]` device by default. */
  lanDevice: z.string().optional(),
  /** The WANs the instance may serve and on which every mapping is forwarded; all WANs by default. */
  wans: z.array(z.string()).min(1, 'expected at least one WAN name').optional(),
  /** A STUN server miniupnpd asks for the public address (an address makes mwan send the query out of the served WAN). */
  stun: z
    .strictObject({
      host: z.string().refine((h) => isIPv4(h) || HOST_NAME.test(h), 'expected an IPv4 address or a host name'),
      port: z.number().int().min(1).max(65535).default(3478),
    })
    .optional(),
  /** Static public address per WAN name (miniupnpd's ext_ip), for WANs behind a 1:1 NAT; takes precedence over STUN. */
  externalAddresses: z
    .record(
      z.string(),
      z
        .string()
        .refine(isIPv4, 'expected an IPv4 address')
        .refine(
          (a) => !isIPv4(a) || !isReservedIPv4(a),
          'miniupnpd refuses private and reserved addresses as its external address; use stun instead',
        ),
    )
    .default({}),
  natPmp: z.boolean().default(true),
  /** Clients may map ports only to their own address. */
  secureMode: z.boolean().default(true),
  /** Lowest external and internal port a client may map. */
  minPort: z.number().int().min(1).max(65535).default(1024),
  /** Most mappings mwan forwards for one LAN host (internal address); the newest above it are refused. */
  maxPerClient: z.number().int().min(1).max(4096).default(32),
  /** Most mappings mwan forwards in all; the newest above it are refused. */
  maxMappings: z.number().int().min(1).max(4096).default(256),
  /** miniupnpd's HTTP port (descriptions and SOAP); fixed so clients keep their control URL across restarts. 0: any. */
  httpPort: z.number().int().min(0).max(65535).default(5000),
  binary: z
    .string()
    .regex(/^\/[^\s]*$/, 'expected an absolute path without spaces')
    .default('/usr/sbin/miniupnpd'),
});

export type UpnpOptions = Omit<z.output<typeof upnpOptionsSchema>, 'lanDevice' | 'wans'> & {
  lanDevice: string;
  wans: string[];
};

type Issue = { path: (string | number)[]; input?: unknown; message: string };

/** Cross-checks against the configuration: the LAN device and WAN names exist; the per-client bound fits the total. */
function crossProblems(o: z.output<typeof upnpOptionsSchema>, config: MwanConfig): Issue[] {
  const wanNames = config.wans.map((w) => w.name);
  const lanDevices = config.lan.map((l) => l.device);
  const issues: Issue[] = [];
  if (o.lanDevice !== undefined && !lanDevices.includes(o.lanDevice)) {
    issues.push({
      path: ['lanDevice'],
      input: o.lanDevice,
      message: `expected one of the lan[] devices: ${lanDevices.join(', ') || '(none configured)'}`,
    });
  }
  if (o.enabled && lanDevices.length === 0)
    issues.push({ path: ['enabled'], input: true, message: 'UPnP serves a LAN: configure lan[] first' });
  if (o.maxPerClient > o.maxMappings)
    issues.push({
      path: ['maxPerClient'],
      input: o.maxPerClient,
      message: `must not exceed maxMappings (${o.maxMappings})`,
    });
  const seen = new Set<string>();
  o.wans?.forEach((name, i) => {
    if (!wanNames.includes(name))
      issues.push({ path: ['wans', i], input: name, message: `no WAN is named so; WANs: ${wanNames.join(', ')}` });
    else if (seen.has(name)) issues.push({ path: ['wans', i], input: name, message: 'listed twice' });
    seen.add(name);
  });
  for (const name of Object.keys(o.externalAddresses)) {
    if (!wanNames.includes(name))
      issues.push({
        path: ['externalAddresses', name],
        input: name,
        message: `no WAN is named so; WANs: ${wanNames.join(', ')}`,
      });
  }
  return issues;
}

/** Validates `plugins.upnp`; errors name each field as `plugins.upnp.<field>`. */
export function parseUpnpOptions(options: unknown, config: MwanConfig): UpnpOptions {
  const parsed = upnpOptionsSchema.safeParse(options ?? {}, { reportInput: true });
  const issues: Issue[] = parsed.success
    ? crossProblems(parsed.data, config)
    : parsed.error.issues.map((i) => ({ ...i, path: i.path as (string | number)[] }));
  if (issues.length || !parsed.success) throw invalidOptions(PLUGIN_NAME, issues);
  const o = parsed.data;
  return {
    ...o,
    lanDevice: o.lanDevice ?? config.lan[0]?.device ?? '',
    wans: o.wans ?? config.wans.map((w) => w.name),
  };
}
