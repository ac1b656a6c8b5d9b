// The configuration schema (zod): every field, its default and its allowed values, plus cross-field checks.
import { z } from 'zod';
import { DEVICE_NAME, OBJECT_NAME, isContiguousMask, isIPv4, isIPv4Prefix } from './validators.ts';
import { healthProblems, healthSchema, resolveHealth } from './health.ts';
import { policyProblems, policySchema, portRange, ruleSchema } from './policies.ts';

const objectName = z.string().regex(OBJECT_NAME, 'expected a letter, then up to 23 letters, digits, "_" or "-"');
const deviceName = z.string().regex(DEVICE_NAME, 'expected an interface name: 1-15 characters, no "/", ":" or spaces');
const ipv4 = z.string().refine(isIPv4, 'expected a dotted IPv4 address such as 100.64.1.1');
const host = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/, 'expected an IPv4 address or a host name');

export const probeSchema = z.strictObject({
  method: z.enum(['icmp', 'tcp', 'http', 'https', 'dns', 'command']).default('icmp'),
  target: host,
  port: z.number().int().min(1).max(65535).optional(),
  path: z.string().optional(),
  expectStatus: z.number().int().min(100).max(599).optional(),
  query: z.string().optional(),
  command: z.array(z.string()).min(1).optional(),
}).superRefine((p, ctx) => {
  if (p.method === 'tcp' && p.port === undefined) ctx.addIssue({ code: 'custom', path: ['port'], input: p.port, message: 'a tcp probe needs a port' });
  if (p.method === 'command' && !p.command) ctx.addIssue({ code: 'custom', path: ['command'], input: p.command, message: 'a command probe needs command: [program, args...]' });
});

export const wanSchema = z.strictObject({
  name: objectName,
  device: deviceName,
  gateway: z.union([z.literal('auto'), ipv4]).default('auto'),
  weight: z.number().int().min(1).max(1000).default(1),
  tier: z.number().int().min(1).max(16).default(1),
  id: z.number().int().min(1).optional(),
  snat: z.enum(['masquerade', 'snat', 'none']).default('masquerade'),
  probes: z.array(probeSchema).default([]),
  health: healthSchema.optional(),
});

export const lanSchema = z.strictObject({
  device: deviceName,
  name: objectName.optional(),
});

export const kernelSchema = z.strictObject({
  nftTable: objectName.default('mwan'),
  markMask: z.number().int().refine(isContiguousMask, 'expected a non-zero mask whose bits are contiguous, such as 0xff00 (65280)').default(0xff00),
  tableBase: z.number().int().min(1).max(0x7fffff00).default(1000),
  rulePriorityBase: z.number().int().min(1).max(30000).default(1000),
  routeProtocol: z.number().int().min(5).max(255).default(249),
  /** NFQUEUE policies: queue numbers are base + a slot from the policy name (policies.<name>.nfqueue.queue overrides). */
  nfqueueBase: z.number().int().min(0).max(65535).default(2000),
  /** NFQUEUE policies: the packet-mark field their queue tags use; outside markMask and the done bit 0x80000000. */
  nfqueueTagMask: z.number().int().refine(isContiguousMask, 'expected a non-zero mask whose bits are contiguous, such as 0x7f000000').default(0x7f000000),
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
  port: z.union([portNumber, z.string().refine((p) => portRange(p) !== undefined, 'expected a port 1-65535 or an ordered range such as "8000-8010"')],
    { error: 'expected a port 1-65535 or an ordered range such as "8000-8010"' }),
  proto: z.enum(['tcp', 'udp', 'both']).default('tcp'),
  to: z.string().refine((t) => forwardTarget(t) !== undefined, 'expected a LAN host as an IPv4 address with an optional port, such as 10.0.0.5 or 10.0.0.5:8080'),
  wans: z.array(z.string()).min(1, 'list at least one WAN, or leave wans out for every WAN').optional(),
});

/** Forwarding-group members: LAN or WAN names, or ':lan' (every LAN) and ':isp' / ':wan' (every WAN). */
export const GROUP_ALIASES = [':lan', ':isp', ':wan'] as const;

export const firewallSchema = z.strictObject({
  enabled: z.boolean().optional(),
  ssh: z.union([
    z.literal(false),
    z.strictObject({
      port: portNumber.default(22),
      from: z.array(z.string().refine((n) => isIPv4(n) || isIPv4Prefix(n), 'expected an IPv4 address or prefix such as 192.0.2.0/24'))
        .min(1, 'list at least one network, or set ssh to false').default(['0.0.0.0/0']),
    }),
  ], { error: 'expected false (no SSH from the WANs) or { port, from }' }).default({ port: 22, from: ['0.0.0.0/0'] }),
  icmpRatePerSecond: z.number().int().min(0).max(100000).default(10),
  log: z.boolean().default(true),
  logRatePerMinute: z.number().int().min(1).max(100000).default(10),
  forwardingGroups: z.array(z.array(z.string()).min(1, 'a group lists at least one LAN, WAN, ":lan" or ":isp"')).optional(),
});

export const configSchema = z.strictObject({
  mode: z.enum(['balanced', 'failover']).default('balanced'),
  wans: z.array(wanSchema).min(1, 'at least one WAN'),
  lan: z.array(lanSchema).default([]),
  kernel: kernelSchema.default(kernelSchema.parse({})),
  control: z.strictObject({ socket: z.string().startsWith('/', 'expected an absolute path').default('/run/mwan/mwan.sock') })
    .default({ socket: '/run/mwan/mwan.sock' }),
  stateDir: z.string().startsWith('/', 'expected an absolute path').default('/run/mwan'),
  pluginsDir: z.string().optional(),
  health: healthSchema.default({}),
  plugins: z.record(z.string(), z.union([z.literal(false), z.record(z.string(), z.unknown())], { error: 'expected false (to disable the plugin) or an object of its options' })).default({}),
  log: z.strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
    .default({ level: 'info' }),
  forwards: z.array(forwardSchema).default([]),
  firewall: firewallSchema.default(firewallSchema.parse({})),
  policies: z.record(z.string(), policySchema).default({}),
  rules: z.array(ruleSchema).default([]),
  defaultPolicy: z.string().optional(),
}).superRefine((cfg, ctx) => {
  const seen = (key: 'name' | 'device', path: string) => {
    const first = new Map<string, number>();
    cfg.wans.forEach((w, i) => {
      const v = w[key];
      if (first.has(v)) ctx.addIssue({ code: 'custom', path: ['wans', i, key], input: v, message: `duplicate ${path}: also used by wans[${first.get(v)}]` });
      else first.set(v, i);
    });
  };
  seen('name', 'WAN name');
  seen('device', 'WAN device');
  const ids = new Map<number, number>();
  cfg.wans.forEach((w, i) => {
    if (w.id === undefined) return;
    if (ids.has(w.id)) ctx.addIssue({ code: 'custom', path: ['wans', i, 'id'], input: w.id, message: `duplicate id: also used by wans[${ids.get(w.id)}]` });
    ids.set(w.id, i);
  });
  cfg.wans.forEach((w, i) => {
    for (const [field, message] of healthProblems(resolveHealth(cfg.health, w.health), w.probes.length)) {
      const own = w.health && field in w.health;
      ctx.addIssue({ code: 'custom', path: own ? ['wans', i, 'health', field] : ['health', field], message: own ? message : `${message} (for wans[${i}])` });
    }
  });
  const wanDevices = new Set(cfg.wans.map((w) => w.device));
  cfg.lan.forEach((l, i) => {
    if (wanDevices.has(l.device)) ctx.addIssue({ code: 'custom', path: ['lan', i, 'device'], input: l.device, message: 'this device is also a WAN device' });
  });
  inboundProblems(cfg, ctx);
  policyProblems(cfg, ctx);
}).transform((cfg) => ({ ...cfg, firewall: { ...cfg.firewall, enabled: cfg.firewall.enabled ?? cfg.lan.length > 0 } }));

type RefineCtx = { addIssue(issue: { code: 'custom'; path: (string | number)[]; input?: unknown; message: string }): void };

/** Cross-checks for forwards and the firewall: WAN and LAN names exist, no two forwards claim a port on one WAN. */
function inboundProblems(cfg: { wans: { name: string }[]; lan: { device: string; name?: string }[]; forwards: z.output<typeof forwardSchema>[]; firewall: z.output<typeof firewallSchema> }, ctx: RefineCtx): void {
  const wanNames = cfg.wans.map((w) => w.name);
  const claimed: { wan: string; proto: 'tcp' | 'udp'; from: number; to: number; index: number }[] = [];
  cfg.forwards.forEach((f, i) => {
    if (f.wans !== undefined && !Array.isArray(f.wans)) return;
    f.wans?.forEach((name, j) => {
      if (!wanNames.includes(name)) ctx.addIssue({ code: 'custom', path: ['forwards', i, 'wans', j], input: name, message: `no WAN is named so; WANs: ${wanNames.join(', ')}` });
    });
    const range = portRange(f.port);
    const target = typeof f.to === 'string' ? forwardTarget(f.to) : undefined;
    if (!range || !target) return;
    if (range.from !== range.to && target.port !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['forwards', i, 'to'], input: f.to, message: 'a port range keeps its ports: give the host without a port' });
    }
    const protos: ('tcp' | 'udp')[] = f.proto === 'both' ? ['tcp', 'udp'] : [f.proto];
    for (const wan of f.wans ?? wanNames) {
      for (const proto of protos) {
        const clash = claimed.find((c) => c.wan === wan && c.proto === proto && c.from <= range.to && range.from <= c.to && c.index !== i);
        if (clash) {
          ctx.addIssue({ code: 'custom', path: ['forwards', i, 'port'], input: f.port, message: `${proto} port overlaps forwards[${clash.index}] on WAN ${wan}` });
          return;
        }
        claimed.push({ wan, proto, ...range, index: i });
      }
    }
  });
  const members = new Set([...GROUP_ALIASES, ...wanNames, ...cfg.lan.map((l) => l.name ?? l.device)]);
  cfg.firewall?.forwardingGroups?.forEach((group, i) => group.forEach?.((m, j) => {
    if (!members.has(m)) ctx.addIssue({ code: 'custom', path: ['firewall', 'forwardingGroups', i, j], input: m, message: 'expected a LAN name (lan[].name, else its device), a WAN name, ":lan" or ":isp"' });
  }));
}

export type MwanConfigInput = z.input<typeof configSchema>;
export type MwanConfig = z.output<typeof configSchema>;
export type WanConfig = z.output<typeof wanSchema>;
export type ProbeConfig = z.output<typeof probeSchema>;
export type ForwardConfig = z.output<typeof forwardSchema>;
export type FirewallConfig = MwanConfig['firewall'];
