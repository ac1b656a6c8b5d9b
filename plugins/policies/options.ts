// Policies and rules as users write them in the configuration (`policies`, `rules`, `defaultPolicy`): their schema, defaults and cross-checks (resolve.ts resolves them).
import { z } from 'zod';
import {
  DEVICE_NAME,
  LIMITS,
  OBJECT_NAME,
  atMost,
  isIPv4,
  isIPv4Prefix,
  isIPv6Address,
  prefixGroups6,
  portRange,
  type RefineCtx,
} from '../../plugin-api/index.ts';
import { ruleSet6 } from './names.ts';

/**
 * Bounds: a rule is one or two nft rules per protocol and WAN; a policy an nft chain (an NFQUEUE one also a queue
 * and a tag); a rule's match list an anonymous nft set.
 */
const MAX = { rules: 1024, policies: 128, ruleMatchItems: 256 } as const;

/** Strategies decided in the kernel. `nfqueue:<name>` names a strategy decided per connection in user space (core/system/nfqueue). */
export const STRATEGIES = [
  'weighted',
  'priority',
  'round-robin',
  'persistence',
  'overflow',
  'least-used',
  'lowest-latency',
  'least-connections',
  'fastest-response',
] as const;
export type StrategyName = (typeof STRATEGIES)[number];
/** A policy's strategy: one decided in the kernel, or an NFQUEUE strategy by its registered name. */
export type PolicyStrategy = StrategyName | `nfqueue:${string}`;
/** `nfqueue:<name>`, the name as an NFQUEUE strategy registry accepts it. */
export const NFQUEUE_STRATEGY = /^nfqueue:([a-z][a-z0-9-]{0,31})$/;
/** The registered name of an `nfqueue:<name>` strategy; undefined for a kernel strategy. */
export function nfqueueName(strategy: string): string | undefined {
  return NFQUEUE_STRATEGY.exec(strategy)?.[1];
}
/** The policy that always exists: from `mode` unless the configuration defines a policy of that name (see plugins/policies). */
export const IMPLICIT_DEFAULT = 'default';

const objectName = z.string().regex(OBJECT_NAME, 'expected a letter, then up to 23 letters, digits, "_" or "-"');
/** Why a rule's network is not an IPv6 address or prefix (a prefix without host bits), or undefined. */
function network6Problem(n: string): string | undefined {
  if (isIPv6Address(n)) return undefined;
  const p = prefixGroups6(n);
  return 'problem' in p ? p.problem : undefined;
}
const network = z.string().superRefine((n, ctx) => {
  if (isIPv4(n) || isIPv4Prefix(n)) return;
  const problem = n.includes(':')
    ? network6Problem(n)
    : 'expected an IPv4 or IPv6 address or prefix such as 192.0.2.0/24 or 2001:db8:1::/48';
  if (problem) ctx.addIssue({ code: 'custom', input: n, message: problem });
});
const portSpec = z
  .union([z.number(), z.string()])
  .refine((p) => portRange(p) !== undefined, 'expected a port 1-65535 or an ordered range such as "8000-8010"');
const ports = z
  .union([portSpec, z.array(portSpec).min(1).max(MAX.ruleMatchItems, atMost(MAX.ruleMatchItems, 'ports'))])
  .transform((p) => (Array.isArray(p) ? p : [p]).map(String));

export const memberSchema = z.strictObject({
  wan: z.string(),
  weight: z.number().int().min(1).max(1000).optional(),
  tier: z.number().int().min(1).max(16).optional(),
  capacityMbps: z.number().positive().max(1_000_000).optional(),
});

export const policySchema = z.strictObject({
  strategy: z
    .string()
    .refine(
      (s) => (STRATEGIES as readonly string[]).includes(s) || /^nfqueue:/.test(s),
      `expected one of ${STRATEGIES.join(', ')}, or nfqueue:<name>`,
    )
    .refine(
      (s) => !/^nfqueue:/.test(s) || NFQUEUE_STRATEGY.test(s),
      'expected nfqueue:<name>, the name a lower-case letter, then up to 31 lower-case letters, digits or "-"',
    ),
  /** Default: every WAN, with its own weight and tier. */
  members: z
    .array(memberSchema)
    .min(1, 'list at least one member, or leave members out for every WAN')
    .max(LIMITS.wans, atMost(LIMITS.wans, 'members'))
    .optional(),
  whenNone: z.enum(['unreachable', 'blackhole', 'main']).default('main'),
  persistence: z
    .strictObject({
      key: z.enum(['src', 'src-dst']).default('src'),
      timeoutSeconds: z.number().int().min(1).max(604800).default(600),
    })
    .optional(),
  overflow: z.strictObject({ thresholdPct: z.number().min(1).max(100).default(80) }).optional(),
  latency: z
    .strictObject({
      hysteresisMs: z.number().min(0).max(10000).default(10),
      hysteresisPct: z.number().min(0).max(100).default(20),
      holdSeconds: z.number().min(0).max(3600).default(3),
    })
    .optional(),
  fastest: z
    .strictObject({
      prefixLength: z.number().int().min(8).max(32).default(24),
      /** IPv6 destinations (ipv6.mode npt): /48, the longest prefix routed between networks, as /24 is IPv4's. */
      prefixLength6: z.number().int().min(16).max(128).default(48),
      timeoutSeconds: z.number().int().min(5).max(86400).default(300),
    })
    .optional(),
  /** `nfqueue:<name>` strategies only: a fixed queue number (default: kernel.nfqueueBase + a slot from the policy name) and the strategy's options. */
  nfqueue: z
    .strictObject({
      queue: z.number().int().min(0).max(65535).optional(),
      options: z.record(z.string(), z.unknown()).default({}),
    })
    .optional(),
  /** How often an adaptive strategy may rewrite the kernel's choice. */
  intervalMs: z.number().int().min(200).max(60000).default(1000),
});

export const ruleSchema = z.strictObject({
  name: objectName.optional(),
  src: z.array(network).min(1).max(MAX.ruleMatchItems, atMost(MAX.ruleMatchItems, 'networks')).optional(),
  dst: z.array(network).min(1).max(MAX.ruleMatchItems, atMost(MAX.ruleMatchItems, 'networks')).optional(),
  proto: z.enum(['tcp', 'udp', 'icmp']).optional(),
  dport: ports.optional(),
  sport: ports.optional(),
  iif: z.string().regex(DEVICE_NAME, 'expected an interface name').optional(),
  /** An nft set of destination addresses that other tools fill (created empty in mwan's table, kept across applies). */
  set: objectName.optional(),
  policy: z.string().optional(),
  enforce: z.string().optional(),
  sticky: z.strictObject({ timeoutSeconds: z.number().int().min(1).max(604800).default(600) }).optional(),
});

/** The top-level sections this plugin owns. */
export const policySections = {
  policies: z
    .record(z.string(), policySchema)
    .refine((p) => Object.keys(p).length <= MAX.policies, atMost(MAX.policies, 'policies'))
    .default({}),
  rules: z.array(ruleSchema).max(MAX.rules, atMost(MAX.rules, 'rules')).default([]),
  defaultPolicy: z.string().optional(),
};

declare module '../../plugin-api/index.ts' {
  interface PluginSections {
    policies: Record<string, PolicyConfig>;
    rules: RuleConfig[];
    /** The policy the default rule uses (default: `default`). */
    defaultPolicy?: string;
  }
}

export type MemberConfig = z.output<typeof memberSchema>;
export type PolicyConfig = z.output<typeof policySchema>;
export type RuleConfig = z.output<typeof ruleSchema>;

interface WanLike {
  name: string;
  probes: unknown[];
}
interface Shape {
  wans: WanLike[];
  policies: Record<string, PolicyConfig>;
  rules: RuleConfig[];
  defaultPolicy?: string;
}

/** Names mwan uses for its own nft sets: a rule's `set` may not take them. */
const RESERVED_SET = /^(local_nets|persist6?_|sticky6?_|fastest6?_)/;

/** Cross-checks: members and enforced WANs exist, strategies have what they need, rules name a policy or a WAN. */
export function policyProblems(cfg: Shape, ctx: RefineCtx): void {
  const wanNames = cfg.wans.map((w) => w.name);
  const policyNames = [...new Set([IMPLICIT_DEFAULT, ...Object.keys(cfg.policies)])];
  for (const [name, p] of Object.entries(cfg.policies)) {
    const at = (...path: (string | number)[]) => ['policies', name, ...path];
    if (!OBJECT_NAME.test(name))
      ctx.addIssue({
        code: 'custom',
        path: at(),
        input: name,
        message: 'a policy name is a letter, then up to 23 letters, digits, "_" or "-"',
      });
    const seen = new Set<string>();
    p.members?.forEach((m, i) => {
      if (!wanNames.includes(m.wan))
        ctx.addIssue({
          code: 'custom',
          path: at('members', i, 'wan'),
          input: m.wan,
          message: `no WAN is named so; WANs: ${wanNames.join(', ')}`,
        });
      else if (seen.has(m.wan))
        ctx.addIssue({
          code: 'custom',
          path: at('members', i, 'wan'),
          input: m.wan,
          message: 'this WAN is already a member',
        });
      seen.add(m.wan);
    });
    const members = p.members ?? wanNames.map((wan) => ({ wan }) as MemberConfig);
    if (p.strategy === 'overflow' || p.strategy === 'least-used') {
      members.forEach((m, i) => {
        if (m.capacityMbps === undefined)
          ctx.addIssue({
            code: 'custom',
            path: p.members ? at('members', i, 'capacityMbps') : at('members'),
            input: m.capacityMbps,
            message: `strategy ${p.strategy} needs capacityMbps for every member (${m.wan})`,
          });
      });
    }
    if (p.strategy === 'lowest-latency') {
      members.forEach((m, i) => {
        const wan = cfg.wans.find((w) => w.name === m.wan);
        if (wan && wan.probes.length === 0)
          ctx.addIssue({
            code: 'custom',
            path: p.members ? at('members', i, 'wan') : at('members'),
            input: m.wan,
            message: `strategy lowest-latency needs health probes on WAN ${m.wan} (wans[].probes)`,
          });
      });
    }
    const own: [keyof PolicyConfig, StrategyName][] = [
      ['persistence', 'persistence'],
      ['overflow', 'overflow'],
      ['latency', 'lowest-latency'],
      ['fastest', 'fastest-response'],
    ];
    for (const [key, strategy] of own) {
      if (p[key] !== undefined && p.strategy !== strategy)
        ctx.addIssue({ code: 'custom', path: at(key), input: p[key], message: `only for strategy ${strategy}` });
    }
    if (p.nfqueue !== undefined && !/^nfqueue:/.test(p.strategy))
      ctx.addIssue({
        code: 'custom',
        path: at('nfqueue'),
        input: p.nfqueue,
        message: 'only for nfqueue:<name> strategies',
      });
  }
  if (cfg.defaultPolicy !== undefined && !policyNames.includes(cfg.defaultPolicy)) {
    ctx.addIssue({
      code: 'custom',
      path: ['defaultPolicy'],
      input: cfg.defaultPolicy,
      message: `no policy is named so; policies: ${policyNames.join(', ')}`,
    });
  }
  const ruleNames = new Set<string>();
  const setNames = [...new Set(cfg.rules.flatMap((r) => (r.set === undefined ? [] : [r.set])))];
  cfg.rules.forEach((r, i) => {
    const at = (...path: (string | number)[]) => ['rules', i, ...path];
    if ((r.policy === undefined) === (r.enforce === undefined))
      ctx.addIssue({
        code: 'custom',
        path: at(),
        input: { policy: r.policy, enforce: r.enforce },
        message: 'a rule needs exactly one of policy (a policy name) or enforce (a WAN name)',
      });
    if (r.policy !== undefined && !policyNames.includes(r.policy))
      ctx.addIssue({
        code: 'custom',
        path: at('policy'),
        input: r.policy,
        message: `no policy is named so; policies: ${policyNames.join(', ')}`,
      });
    if (r.enforce !== undefined && !wanNames.includes(r.enforce))
      ctx.addIssue({
        code: 'custom',
        path: at('enforce'),
        input: r.enforce,
        message: `no WAN is named so; WANs: ${wanNames.join(', ')}`,
      });
    if (r.enforce !== undefined && r.sticky)
      ctx.addIssue({
        code: 'custom',
        path: at('sticky'),
        input: r.sticky,
        message: 'an enforced rule always uses its WAN: sticky has no meaning there',
      });
    if (r.sticky && r.policy !== undefined && /^nfqueue:/.test(cfg.policies[r.policy]?.strategy ?? '')) {
      ctx.addIssue({
        code: 'custom',
        path: at('sticky'),
        input: r.sticky,
        message: `policy ${r.policy} decides in user space (NFQUEUE) after the kernel: sticky would remember the kernel's choice, not the decision; leave sticky out`,
      });
    }
    const v6 = (nets?: string[]) => nets?.filter((n) => n.includes(':')).length ?? 0;
    const only = (nets?: string[]) =>
      !nets ? 'any' : v6(nets) === nets.length ? 'ipv6' : v6(nets) === 0 ? 'ipv4' : 'both';
    const [src, dst] = [only(r.src), only(r.dst)];
    if ((src === 'ipv4' && dst === 'ipv6') || (src === 'ipv6' && dst === 'ipv4'))
      ctx.addIssue({
        code: 'custom',
        path: at('dst'),
        input: r.dst,
        message: `src lists only ${src === 'ipv4' ? 'IPv4' : 'IPv6'} networks and dst only ${dst === 'ipv4' ? 'IPv4' : 'IPv6'} ones: the rule would match nothing`,
      });
    if ((r.dport || r.sport) && r.proto === 'icmp')
      ctx.addIssue({
        code: 'custom',
        path: at(r.dport ? 'dport' : 'sport'),
        input: r.dport ?? r.sport,
        message: 'ports need proto tcp or udp (or no proto: both)',
      });
    if (r.set !== undefined && RESERVED_SET.test(r.set))
      ctx.addIssue({
        code: 'custom',
        path: at('set'),
        input: r.set,
        message: "this name is reserved for mwan's own sets",
      });
    const twinOf = setNames.find((n) => ruleSet6(n) === r.set);
    if (r.set !== undefined && twinOf !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: at('set'),
        input: r.set,
        message: `${r.set} is the IPv6 twin of set ${twinOf} (another rule's): choose another name`,
      });
    if (r.name !== undefined) {
      if (ruleNames.has(r.name))
        ctx.addIssue({ code: 'custom', path: at('name'), input: r.name, message: 'another rule has this name' });
      ruleNames.add(r.name);
    }
  });
}

/** The policy the default rule uses. */
export function defaultPolicyName(cfg: { defaultPolicy?: string }): string {
  return cfg.defaultPolicy ?? IMPLICIT_DEFAULT;
}
