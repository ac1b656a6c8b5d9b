// The configuration schema (zod): every field, its default and its allowed values, plus cross-field checks.
import { z } from 'zod';
import { DEVICE_NAME, OBJECT_NAME, isContiguousMask, isIPv4 } from './validators.ts';
import { healthProblems, healthSchema, resolveHealth } from './health.ts';

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
});

export type MwanConfigInput = z.input<typeof configSchema>;
export type MwanConfig = z.output<typeof configSchema>;
export type WanConfig = z.output<typeof wanSchema>;
export type ProbeConfig = z.output<typeof probeSchema>;
