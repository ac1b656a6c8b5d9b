// Built-in plugin: moves flows off a dead WAN by deleting only that WAN's conntrack entries (and, optionally, back to a returning preferred WAN).
import { NO_OPTIONS, type MwanPlugin } from '../../core/plugin/api.ts';
import { settingsOf as settingsIn } from './sections.ts';

const plugin: MwanPlugin = {
  name: 'flow-mover',
  options: NO_OPTIONS,
  setup(ctx) {
    const settingsOf = (name: string) => settingsIn(ctx.config, name);
    /** WANs whose connections must go once the kernel no longer sends new connections to them. */
    const pending = new Map<string, string>();
    const offs = [
      ctx.bus.on(
        'wan.offline',
        (e) => {
          if (settingsOf(e.wan).flushConntrack) pending.set(e.wan, e.reason);
        },
        plugin.name,
      ),
      ctx.bus.on(
        'wan.online',
        (e) => {
          pending.delete(e.wan);
          const world = ctx.world();
          const back = world.wans.find((w) => w.name === e.wan);
          if (world.mode !== 'failover' || !back || !settingsOf(e.wan).moveBack) return;
          // The preferred WAN is back: flows of the WANs it replaces move to it (their entries are deleted).
          for (const w of world.wans)
            if (w.tier > back.tier && w.inService) pending.set(w.name, `${e.wan} (tier ${back.tier}) is back`);
        },
        plugin.name,
      ),
      // Delete only after a reconcile has taken the WAN out of the balance, so re-created entries land elsewhere.
      ctx.bus.on(
        'reconcile.done',
        async () => {
          const active = new Set(ctx.world().active.map((w) => w.name));
          for (const [wan, reason] of [...pending]) {
            if (active.has(wan)) continue;
            pending.delete(wan);
            const view = ctx.world().wans.find((w) => w.name === wan)!;
            const count = await ctx.system.deleteConnections(view.mark, ctx.world().layout.mask);
            ctx.log.info({ wan, count, reason }, `moved ${count} connections off ${wan}`);
          }
        },
        plugin.name,
      ),
    ];
    return () => {
      for (const off of offs) off();
    };
  },
};

export default plugin;
