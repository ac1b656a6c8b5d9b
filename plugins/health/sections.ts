// The health settings' place in the configuration: the top-level `health`, each WAN's `health` overriding it, and their check against the WAN's probes.
import type { ConfigContribution, MwanConfig, RefineCtx } from '../../plugin-api/index.ts';
import { healthProblems, healthSchema, resolveHealth, type HealthSettings } from './options.ts';

declare module '../../plugin-api/index.ts' {
  interface PluginSections {
    health: Partial<HealthSettings>;
  }
  interface PluginWanFields {
    health?: Partial<HealthSettings>;
  }
}

/** A resolved set of settings that does not hold together is reported at the field that set it (a WAN's, else the global one). */
function settingsProblems(cfg: MwanConfig, ctx: RefineCtx): void {
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
}

/** The health plugin's part of the configuration (the flow-mover beside it reads flushConntrack and moveBack too). */
export const healthConfiguration: ConfigContribution = {
  sections: { health: healthSchema.default({}) },
  wanFields: { health: healthSchema.optional() },
  check: settingsProblems,
};

/** The settings of WAN `name`: the defaults, then the global `health`, then the WAN's own. */
export function settingsOf(config: MwanConfig, name: string): HealthSettings {
  return resolveHealth(config.health, config.wans.find((w) => w.name === name)?.health);
}
