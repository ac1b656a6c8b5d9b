// Built-in plugin: moves flows off a dead WAN by deleting only that WAN's conntrack entries of the family that left service (and, optionally, back to a returning preferred WAN).
import {
  type AddressFamily,
  NO_OPTIONS,
  type MwanPlugin,
  type WanView,
  type WorldView,
  inServiceFor,
} from '../../plugin-api/index.ts';
import { settingsOf as settingsIn } from './sections.ts';

/** The WANs the kernel gives new connections of `family` now: IPv4's `active`; IPv6's by the same rule on IPv6 service. */
function activeFor(world: WorldView, family: AddressFamily): WanView[] {
  if (family === 'ipv4') return world.active;
  const live = world.wans.filter((w) => inServiceFor(w, 'ipv6'));
  if (world.mode === 'balanced' || live.length === 0) return live;
  const best = Math.min(...live.map((w) => w.tier));
  return live.filter((w) => w.tier === best);
}

const plugin: MwanPlugin = {
  name: 'flow-mover',
  options: NO_OPTIONS,
  setup(ctx) {
    const settingsOf = (name: string) => settingsIn(ctx.config, name);
    /** Per `wan/family`: entries that must go once the kernel no longer sends new connections of that family there. */
    const pending = new Map<string, { wan: string; family: AddressFamily; reason: string }>();
    const put = (wan: string, family: AddressFamily, reason: string) =>
      pending.set(`${wan}/${family}`, { wan, family, reason });
    const offs = [
      ctx.bus.on(
        'wan.offline',
        (e) => {
          // An HA backup's single-address uplink: the flows belong to the new master (conntrackd syncs them), keep them.
          const held = ctx.world().wans.find((w) => w.name === e.wan)?.state === 'held-by-peer';
          if (settingsOf(e.wan).flushConntrack && !held) put(e.wan, e.family ?? 'ipv4', e.reason);
        },
        plugin.name,
      ),
      ctx.bus.on(
        'wan.online',
        (e) => {
          const family = e.family ?? 'ipv4';
          pending.delete(`${e.wan}/${family}`);
          const world = ctx.world();
          const back = world.wans.find((w) => w.name === e.wan);
          if (world.mode !== 'failover' || !back || !settingsOf(e.wan).moveBack) return;
          // The preferred WAN is back: flows of the WANs it replaces move to it (their entries are deleted).
          for (const w of world.wans)
            if (w.tier > back.tier && inServiceFor(w, family))
              put(w.name, family, `${e.wan} (tier ${back.tier}) is back`);
        },
        plugin.name,
      ),
      // Delete only after a reconcile has taken the WAN out of the balance, so re-created entries land elsewhere.
      ctx.bus.on(
        'reconcile.done',
        async () => {
          for (const [key, { wan, family, reason }] of [...pending]) {
            if (activeFor(ctx.world(), family).some((w) => w.name === wan)) continue;
            pending.delete(key);
            const view = ctx.world().wans.find((w) => w.name === wan)!;
            const count = await ctx.system.deleteConnections(view.mark, ctx.world().layout.mask, family);
            ctx.log.info({ wan, family, count, reason }, `moved ${count} ${family} connections off ${wan}`);
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
