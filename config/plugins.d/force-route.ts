// Example user plugin: send chosen destination networks through one WAN (Net-ISP-Balance's force_route), and log WAN changes.
// Drop a file like this into the plugins directory (`plugins.d` beside the config, owned by root, not group/other-writable).
// Options come from the config:  plugins: { force-route: { routes: [ { to: 192.0.2.0/24, wan: isp1 } ] } }
// Only types are imported (erased when loaded), so the file works from any directory.
import type { MwanPlugin } from 'mwan/plugin';

const PREFIX = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const isPrefix = (s: string) => {
  const m = PREFIX.exec(s);
  return Boolean(m) && m!.slice(1, 5).every((o) => Number(o) <= 255) && Number(m![5]) <= 32;
};

interface ForcedRoute {
  to: string;
  wan: string;
}

function readOptions(options: Record<string, unknown>, wans: string[]): ForcedRoute[] {
  const routes = options.routes ?? [];
  if (!Array.isArray(routes)) throw new Error('plugins.force-route.routes must be a list of { to, wan }');
  return routes.map((r: ForcedRoute, i) => {
    if (!isPrefix(String(r?.to)))
      throw new Error(
        `plugins.force-route.routes[${i}].to: got ${JSON.stringify(r?.to)}; expected a prefix such as 192.0.2.0/24`,
      );
    if (!wans.includes(r.wan))
      throw new Error(
        `plugins.force-route.routes[${i}].wan: got ${JSON.stringify(r.wan)}; expected one of ${wans.join(', ')}`,
      );
    return r;
  });
}

let forced: ForcedRoute[] = [];

const plugin: MwanPlugin = {
  name: 'force-route',
  dependencies: ['route-tables'],
  setup(ctx) {
    forced = readOptions(
      ctx.options,
      ctx.config.wans.map((w) => w.name),
    );
    ctx.bus.on('wan.offline', (e) => ctx.log.warn({ wan: e.wan, reason: e.reason }, 'WAN left service'), 'force-route');
    ctx.bus.on('wan.online', (e) => ctx.log.info({ wan: e.wan }, 'WAN back in service'), 'force-route');
  },
  contribute(d, world) {
    const [first, last] = world.layout.pluginPriorities;
    forced.forEach((r, i) => {
      const wan = world.wans.find((w) => w.name === r.wan)!;
      if (first + i > last) throw new Error(`too many forced routes (at most ${last - first + 1})`);
      d.rule({ priority: first + i, to: r.to, table: wan.table });
    });
  },
};

export default plugin;
