// The configuration schema (zod): every field, its default and its allowed values, plus cross-field checks.
import { z } from 'zod';
import { OBJECT_NAME, deviceNameProblem, isContiguousMask, isIPv4, isIPv4Prefix } from './validators.ts';
import { healthProblems, healthSchema, resolveHealth } from './health.ts';
import { policyProblems, policySchema, portRange, ruleSchema } from './policies.ts';
import { parseAddressWithPrefix } from './addresses.ts';
import { LIMITS, atMost } from './limits.ts';
import { networkProblems } from './network-checks.ts';

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
const ipv4 = z.string().refine(isIPv4, 'expected a dotted IPv4 address such as 100.64.1.1');
const host = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, 'expected an IPv4 address or a host name');

export const probeSchema = z
  .strictObject({
    method: z.enum(['icmp', 'tcp', 'http', 'https', 'dns', 'command']).default('icmp'),
    target: host,
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
    if (p.method === 'tcp' && p.port === undefined)
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
  snat: z.enum(['masquerade', 'snat', 'none']).default('masquerade'),
  probes: z.array(probeSchema).max(LIMITS.probesPerWan, atMost(LIMITS.probesPerWan, 'probes per WAN')).default([]),
  health: healthSchema.optional(),
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

export { portRange };

/** A forward's target "10.0.0.5" or "10.0.0.5:8080" as `{ address, port? }`; undefined when malformed. */
export function forwardTarget(to: string): { address: string; port?: number } | undefined {
  const [address, port, extra] = to.split(':');
  if (extra !== undefined || !isIPv4(address)) return undefined;
  if (port === undefined) return { address };
  const range = portRange(port);
  return range && range.from === range.to ? { address, port: range.from } : undefined;
}

const portNumber = z.number().int().min(1).max(65535);

export const forwardSchema = z.strictObject({
  name: objectName.optional(),
  port: z.union(
    [
      portNumber,
      z
        .string()
        .refine((p) => portRange(p) !== undefined, 'expected a port 1-65535 or an ordered range such as "8000-8010"'),
    ],
    { error: 'expected a port 1-65535 or an ordered range such as "8000-8010"' },
  ),
  proto: z.enum(['tcp', 'udp', 'both']).default('tcp'),
  to: z
    .string()
    .refine(
      (t) => forwardTarget(t) !== undefined,
      'expected a LAN host as an IPv4 address with an optional port, such as 10.0.0.5 or 10.0.0.5:8080',
    ),
  wans: z.array(z.string()).min(1, 'list at least one WAN, or leave wans out for every WAN').optional(),
  /** Forward to a host outside every LAN network (never to the router itself or a non-unicast address). */
  allowOutsideLan: z.boolean().optional(),
});

/** Forwarding-group members: LAN or WAN names, or ':lan' (every LAN) and ':isp' / ':wan' (every WAN). */
export const GROUP_ALIASES = [':lan', ':isp', ':wan'] as const;

export const firewallSchema = z.strictObject({
  enabled: z.boolean().optional(),
  ssh: z
    .union(
      [
        z.literal(false),
        z.strictObject({
          port: portNumber.default(22),
          from: z
            .array(
              z
                .string()
                .refine((n) => isIPv4(n) || isIPv4Prefix(n), 'expected an IPv4 address or prefix such as 192.0.2.0/24'),
            )
            .min(1, 'list at least one network, or set ssh to false')
            .max(LIMITS.firewallSources, atMost(LIMITS.firewallSources, 'networks'))
            .default(['0.0.0.0/0']),
        }),
      ],
      { error: 'expected false (no SSH from the WANs) or { port, from }' },
    )
    .default({ port: 22, from: ['0.0.0.0/0'] }),
  icmpRatePerSecond: z.number().int().min(0).max(100000).default(10),
  log: z.boolean().default(true),
  logRatePerMinute: z.number().int().min(1).max(100000).default(10),
  forwardingGroups: z
    .array(
      z
        .array(z.string())
        .min(1, 'a group lists at least one LAN, WAN, ":lan" or ":isp"')
        .max(LIMITS.groupMembers, atMost(LIMITS.groupMembers, 'members per group')),
    )
    .max(LIMITS.forwardingGroups, atMost(LIMITS.forwardingGroups, 'forwarding groups'))
    .optional(),
});

export const configSchema = z
  .strictObject({
    mode: z.enum(['balanced', 'failover']).default('balanced'),
    wans: z.array(wanSchema).min(1, 'at least one WAN').max(LIMITS.wans, atMost(LIMITS.wans, 'WANs')),
    lan: z.array(lanSchema).max(LIMITS.lans, atMost(LIMITS.lans, 'LANs')).default([]),
    kernel: kernelSchema.default(kernelSchema.parse({})),
    control: z
      .strictObject({ socket: z.string().startsWith('/', 'expected an absolute path').default('/run/mwan/mwan.sock') })
      .default({ socket: '/run/mwan/mwan.sock' }),
    stateDir: z.string().startsWith('/', 'expected an absolute path').default('/run/mwan'),
    pluginsDir: z.string().optional(),
    health: healthSchema.default({}),
    plugins: z
      .record(
        z.string(),
        z.union([z.literal(false), z.record(z.string(), z.unknown())], {
          error: 'expected false (to disable the plugin) or an object of its options',
        }),
      )
      .default({}),
    log: z
      .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .default({ level: 'info' }),
    forwards: z.array(forwardSchema).max(LIMITS.forwards, atMost(LIMITS.forwards, 'forwards')).default([]),
    firewall: firewallSchema.default(firewallSchema.parse({})),
    policies: z
      .record(z.string(), policySchema)
      .refine((p) => Object.keys(p).length <= LIMITS.policies, atMost(LIMITS.policies, 'policies'))
      .default({}),
    rules: z.array(ruleSchema).max(LIMITS.rules, atMost(LIMITS.rules, 'rules')).default([]),
    defaultPolicy: z.string().optional(),
  })
  .superRefine((cfg, ctx) => {
    const seen = (key: 'name', path: string) => {
      const first = new Map<string, number>();
      cfg.wans.forEach((w, i) => {
        const v = w[key];
        if (first.has(v))
          ctx.addIssue({
            code: 'custom',
            path: ['wans', i, key],
            input: v,
            message: `duplicate ${path}: also used by wans[${first.get(v)}]`,
          });
        else first.set(v, i);
      });
    };
    seen('name', 'WAN name');
    const ids = new Map<number, number>();
    cfg.wans.forEach((w, i) => {
      if (w.id === undefined) return;
      if (ids.has(w.id))
        ctx.addIssue({
          code: 'custom',
          path: ['wans', i, 'id'],
          input: w.id,
          message: `duplicate id: also used by wans[${ids.get(w.id)}]`,
        });
      ids.set(w.id, i);
    });
    cfg.wans.forEach((w, i) => {
      for (const [field, message] of healthProblems(resolveHealth(cfg.health, w.health), w.probes.length)) {
        const own = w.health && field in w.health;
        ctx.addIssue({
          code: 'custom',
          path: own ? ['wans', i, 'health', field] : ['health', field],
          message: own ? message : `${message} (for wans[${i}])`,
        });
      }
    });
    networkProblems(cfg, ctx);
    inboundProblems(cfg, ctx);
    policyProblems(cfg, ctx);
  })
  .transform((cfg) => ({ ...cfg, firewall: { ...cfg.firewall, enabled: cfg.firewall.enabled ?? cfg.lan.length > 0 } }));

type RefineCtx = {
  addIssue(issue: { code: 'custom'; path: (string | number)[]; input?: unknown; message: string }): void;
};

/** Cross-checks for forwards and the firewall: WAN and LAN names exist, no two forwards claim a port on one WAN. */
function inboundProblems(
  cfg: {
    wans: { name: string }[];
    lan: { device: string; name?: string }[];
    forwards: z.output<typeof forwardSchema>[];
    firewall: z.output<typeof firewallSchema>;
  },
  ctx: RefineCtx,
): void {
  const wanNames = cfg.wans.map((w) => w.name);
  const claimed: { wan: string; proto: 'tcp' | 'udp'; from: number; to: number; index: number }[] = [];
  cfg.forwards.forEach((f, i) => {
    if (f.wans !== undefined && !Array.isArray(f.wans)) return;
    f.wans?.forEach((name, j) => {
      if (!wanNames.includes(name))
        ctx.addIssue({
          code: 'custom',
          path: ['forwards', i, 'wans', j],
          input: name,
          message: `no WAN is named so; WANs: ${wanNames.join(', ')}`,
        });
    });
    const range = portRange(f.port);
    const target = typeof f.to === 'string' ? forwardTarget(f.to) : undefined;
    if (!range || !target) return;
    if (range.from !== range.to && target.port !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['forwards', i, 'to'],
        input: f.to,
        message: 'a port range keeps its ports: give the host without a port',
      });
    }
    const protos: ('tcp' | 'udp')[] = f.proto === 'both' ? ['tcp', 'udp'] : [f.proto];
    for (const wan of f.wans ?? wanNames) {
      for (const proto of protos) {
        const clash = claimed.find(
          (c) => c.wan === wan && c.proto === proto && c.from <= range.to && range.from <= c.to && c.index !== i,
        );
        if (clash) {
          ctx.addIssue({
            code: 'custom',
            path: ['forwards', i, 'port'],
            input: f.port,
            message: `${proto} port overlaps forwards[${clash.index}] on WAN ${wan}`,
          });
          return;
        }
        claimed.push({ wan, proto, ...range, index: i });
      }
    }
  });
  const members = new Set([...GROUP_ALIASES, ...wanNames, ...cfg.lan.map((l) => l.name ?? l.device)]);
  cfg.firewall?.forwardingGroups?.forEach((group, i) =>
    group.forEach?.((m, j) => {
      if (!members.has(m))
        ctx.addIssue({
          code: 'custom',
          path: ['firewall', 'forwardingGroups', i, j],
          input: m,
          message: 'expected a LAN name (lan[].name, else its device), a WAN name, ":lan" or ":isp"',
        });
    }),
  );
}

export type MwanConfigInput = z.input<typeof configSchema>;
export type MwanConfig = z.output<typeof configSchema>;
export type WanConfig = z.output<typeof wanSchema>;
export type ProbeConfig = z.output<typeof probeSchema>;
export type ForwardConfig = z.output<typeof forwardSchema>;
export type FirewallConfig = MwanConfig['firewall'];
