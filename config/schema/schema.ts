// The configuration schema (zod): the core's fields (WANs, LANs, kernel numbers, …) with their defaults and cross-checks, joined with the sections plugins own.
import { z } from 'zod';
import { OBJECT_NAME, deviceNameProblem, isContiguousMask, isIPv4 } from './validators.ts';
import { parseAddressWithPrefix } from './addresses.ts';
import { probeTargetIPv6 } from './probe-target.ts';
import { LIMITS, atMost } from './limits.ts';
import { LOG_LEVELS } from '../../core/log.ts';
import { networkProblems, type RefineCtx } from './network-checks.ts';
import { ipv6Problems, ipv6SectionSchema, wanIpv6Schema } from './ipv6.ts';
import { isIPv6 } from 'node:net';

const objectName = z.string().regex(OBJECT_NAME, 'expected a letter, then up to 23 letters, digits, "_" or "-"');
const deviceName = z.string().superRefine((name, ctx) => {
  const problem = deviceNameProblem(name);
  if (problem) ctx.addIssue({ code: 'custom', input: name, message: problem });
});
/** An interface address with its prefix length (`ip addr` style); mwan never sets it, it only checks against it. */
const addressWithPrefix = z
  .string()
  .refine(
    (a) => parseAddressWithPrefix(a) !== undefined,
    'expected an address with its prefix length, such as 10.0.0.1/24',
  );
const ipv4 = z.string().superRefine((a, ctx) => {
  if (isIPv4(a)) return;
  const message = isIPv6(a)
    ? `${a} is an IPv6 address: this field takes an IPv4 one (IPv6 goes in the WAN's ipv6 fields)`
    : 'expected a dotted IPv4 address such as 100.64.1.1';
  ctx.addIssue({ code: 'custom', input: a, message });
});
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;
/** A probe target: an IPv4 address, a host name, or an IPv6 address (bare, `[addr]`, or `[addr]:port`). */
const probeTarget = z
  .string()
  .refine(
    (t) => HOST_NAME.test(t) || probeTargetIPv6(t) !== undefined,
    'expected an IPv4 address, a host name, or an IPv6 address (2001:db8::1, [2001:db8::1] or [2001:db8::1]:443)',
  );

export const probeSchema = z
  .strictObject({
    method: z.enum(['icmp', 'tcp', 'http', 'https', 'dns', 'command']).default('icmp'),
    target: probeTarget,
    port: z.number().int().min(1).max(65535).optional(),
    path: z.string().optional(),
    expectStatus: z.number().int().min(100).max(599).optional(),
    query: z.string().optional(),
    command: z
      .array(z.string())
      .min(1)
      .max(LIMITS.probeCommandArgs, atMost(LIMITS.probeCommandArgs, 'arguments'))
      .optional(),
  })
  .superRefine((p, ctx) => {
    const own = probeTargetIPv6(p.target)?.port;
    if (own !== undefined && p.port !== undefined && own !== p.port)
      ctx.addIssue({
        code: 'custom',
        path: ['port'],
        input: p.port,
        message: `is ${p.port} but the target ${p.target} says port ${own}`,
      });
    if (p.method === 'tcp' && p.port === undefined && own === undefined)
      ctx.addIssue({ code: 'custom', path: ['port'], input: p.port, message: 'a tcp probe needs a port' });
    if (p.method === 'command' && !p.command)
      ctx.addIssue({
        code: 'custom',
        path: ['command'],
        input: p.command,
        message: 'a command probe needs command: [program, args...]',
      });
  });

export const wanSchema = z.strictObject({
  name: objectName,
  device: deviceName,
  gateway: z.union([z.literal('auto'), ipv4]).default('auto'),
  /** The WAN's static address as the device has it (e.g. 100.64.1.2/30): the gateway must then lie in its network. */
  address: addressWithPrefix.optional(),
  weight: z.number().int().min(1).max(1000).default(1),
  tier: z.number().int().min(1).max(16).default(1),
  id: z.number().int().min(1).optional(),
  probes: z.array(probeSchema).max(LIMITS.probesPerWan, atMost(LIMITS.probesPerWan, 'probes per WAN')).default([]),
  /** The WAN's IPv6 side (issue 13); absent: the WAN carries no IPv6. */
  ipv6: wanIpv6Schema.optional(),
});

export const lanSchema = z.strictObject({
  device: deviceName,
  name: objectName.optional(),
  /** The router's addresses on this LAN as the device has them (e.g. 10.0.0.1/24): forward targets must lie in their networks. */
  addresses: z
    .array(addressWithPrefix)
    .min(1)
    .max(LIMITS.lanAddresses, atMost(LIMITS.lanAddresses, 'addresses per LAN'))
    .optional(),
});

export const kernelSchema = z.strictObject({
  nftTable: objectName.default('mwan'),
  markMask: z
    .number()
    .int()
    .refine(isContiguousMask, 'expected a non-zero mask whose bits are contiguous, such as 0xff00 (65280)')
    .default(0xff00),
  tableBase: z.number().int().min(1).max(0x7fffff00).default(1000),
  rulePriorityBase: z.number().int().min(1).max(30000).default(1000),
  /** Marks mwan's routes and rules; 0-4 are the kernel's own (unspec, redirect, kernel, boot, static). Names in rt_protos are refused at run time (core/system/kernel/route-protocols.ts). */
  routeProtocol: z
    .number()
    .int()
    .min(
      5,
      "0-4 are the kernel's own protocols (unspec, redirect, kernel, boot, static); choose 5-255, one no rt_protos file names (default 249)",
    )
    .max(255)
    .default(249),
  /** NFQUEUE policies: queue numbers are base + a slot from the policy name (policies.<name>.nfqueue.queue overrides). */
  nfqueueBase: z.number().int().min(0).max(65535).default(2000),
  /** NFQUEUE policies: the packet-mark field their queue tags use; outside markMask and the done bit 0x80000000. */
  nfqueueTagMask: z
    .number()
    .int()
    .refine(isContiguousMask, 'expected a non-zero mask whose bits are contiguous, such as 0x7f000000')
    .default(0x7f000000),
});

/** The fields every configuration has, whatever the plugins (`wanFields` adds to each WAN's). */
const coreShapeWith = <W extends z.ZodRawShape>(wanFields: W) => ({
  mode: z.enum(['balanced', 'failover']).default('balanced'),
  wans: z.array(wanSchema.extend(wanFields)).min(1, 'at least one WAN').max(LIMITS.wans, atMost(LIMITS.wans, 'WANs')),
  lan: z.array(lanSchema).max(LIMITS.lans, atMost(LIMITS.lans, 'LANs')).default([]),
  kernel: kernelSchema.default(kernelSchema.parse({})),
  control: z
    .strictObject({ socket: z.string().startsWith('/', 'expected an absolute path').default('/run/mwan/mwan.sock') })
    .default({ socket: '/run/mwan/mwan.sock' }),
  stateDir: z.string().startsWith('/', 'expected an absolute path').default('/run/mwan'),
  pluginsDir: z.string().optional(),
  plugins: z
    .record(
      z.string(),
      z.union([z.literal(false), z.record(z.string(), z.unknown())], {
        error: 'expected false (to disable the plugin) or an object of its options',
      }),
    )
    .default({}),
  log: z.strictObject({ level: z.enum(LOG_LEVELS).default('info') }).default({ level: 'info' }),
  /** IPv6 for the LANs (issue 13); absent: mwan leaves LAN IPv6 alone. */
  ipv6: ipv6SectionSchema.optional(),
});
const coreShape = coreShapeWith({});

/** Cross-checks of the core's fields: WAN names and ids unique, devices and addresses. */
function coreProblems(cfg: CoreConfig, ctx: RefineCtx): void {
  for (const [key, what] of [
    ['name', 'WAN name'],
    ['id', 'id'],
  ] as const) {
    const first = new Map<unknown, number>();
    cfg.wans.forEach((w, i) => {
      const v = w[key];
      if (v === undefined) return;
      if (first.has(v))
        ctx.addIssue({
          code: 'custom',
          path: ['wans', i, key],
          input: v,
          message: `duplicate ${what}: also used by wans[${first.get(v)}]`,
        });
      else first.set(v, i);
    });
  }
  networkProblems(cfg, ctx);
  ipv6Problems(cfg, ctx);
}

/**
 * Top-level sections plugins add, by key: each plugin's options.ts declares its own by augmenting this interface
 * (`declare module '…/plugin-api/index.ts' { interface PluginSections { forwards: ForwardConfig[] } }`).
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the plugins' declaration merging
export interface PluginSections {}
/** Fields plugins add to each `wans[]` entry (the health plugin: `health`), declared like PluginSections. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the plugins' declaration merging
export interface PluginWanFields {}

/** What a plugin adds to the configuration's schema (see MwanPlugin.configuration). */
export interface SchemaContribution {
  /** Top-level sections by key, each a zod schema (its default fills an absent section). */
  sections?: Record<string, z.ZodType>;
  /** Fields added to every `wans[]` entry, by key. */
  wanFields?: Record<string, z.ZodType>;
  /** Cross-checks of the whole parsed configuration (a section against the rest); each issue's path starts at the top. */
  check?(config: MwanConfig, ctx: RefineCtx): void;
  /** Defaults that depend on the rest of the configuration: the sections it returns replace the parsed ones. */
  resolve?(config: MwanConfig): Partial<PluginSections>;
}

/**
 * The configuration's schema with the sections of `parts` (the plugins that own them): an unknown top-level field is
 * refused, naming it; every check runs on one parse, so all problems are reported together.
 */
export function configSchemaWith(parts: readonly SchemaContribution[] = []) {
  const sections: Record<string, z.ZodType> = {};
  const wanFields: Record<string, z.ZodType> = {};
  for (const part of parts) {
    Object.assign(sections, part.sections);
    Object.assign(wanFields, part.wanFields);
  }
  return z
    .strictObject({ ...coreShapeWith(wanFields as Record<never, z.ZodType>), ...sections })
    .superRefine((cfg, ctx) => {
      coreProblems(cfg, ctx);
      for (const part of parts) part.check?.(cfg as MwanConfig, ctx);
    })
    .transform((cfg) => {
      let out = cfg as MwanConfig;
      for (const part of parts) if (part.resolve) out = { ...out, ...part.resolve(out) };
      return out;
    });
}

/** The core's fields alone (plugins' sections are refused as unknown); the CLI's configSchema adds the built-ins'. */
export const coreConfigSchema = configSchemaWith();

type CoreConfig = z.output<z.ZodObject<typeof coreShape>>;
export type MwanConfig = Omit<CoreConfig, 'wans'> & { wans: WanConfig[] } & PluginSections;
export type WanConfig = z.output<typeof wanSchema> & PluginWanFields;
export type ProbeConfig = z.output<typeof probeSchema>;
