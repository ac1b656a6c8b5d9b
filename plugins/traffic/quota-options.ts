// A WAN's data quota in the configuration (`wans[].quota`): size with units, period and reset day, warning thresholds, the action at 100 %.
import { z } from 'zod';
import type { ConfigContribution, MwanConfig, RefineCtx } from '../../plugin-api/index.ts';
import { parseSize, SIZE_HINT } from './units.ts';

export const quotaSchema = z.strictObject({
  /** Both directions together (received + sent), as the kernel counts them on the WAN's device. */
  bytes: z.union([z.string(), z.number()]).transform((v, ctx) => {
    const n = parseSize(v);
    if (n === null) {
      ctx.addIssue({ code: 'custom', message: SIZE_HINT });
      return z.NEVER;
    }
    return n;
  }),
  period: z.enum(['monthly', 'weekly', 'daily']).default('monthly'),
  /** monthly: the day of the month (1-31; past a short month's end, its last day); weekly: 1 = Monday … 7 = Sunday. */
  resetDay: z.number().int().min(1).max(31).default(1),
  /** Percentages (1-99) at which a warning goes out once per period. */
  warnAt: z.array(z.number().int().min(1).max(99)).max(10).default([80, 95]),
  /** At 100 %: `standby` (used only while no other WAN is in service) or `offline` (out of service). */
  action: z.enum(['standby', 'offline']).default('standby'),
});

export type QuotaConfig = z.output<typeof quotaSchema>;

declare module '../../plugin-api/index.ts' {
  interface PluginWanFields {
    quota?: QuotaConfig;
  }
}

function quotaProblems(cfg: MwanConfig, ctx: RefineCtx): void {
  cfg.wans.forEach((w, i) => {
    const q = w.quota;
    if (q && q.period === 'weekly' && q.resetDay > 7)
      ctx.addIssue({
        code: 'custom',
        path: ['wans', i, 'quota', 'resetDay'],
        message: 'a weekly quota resets on a day of the week: 1 (Monday) to 7 (Sunday)',
      });
  });
}

export const quotaConfiguration: ConfigContribution = {
  wanFields: { quota: quotaSchema.optional() },
  check: quotaProblems,
};
