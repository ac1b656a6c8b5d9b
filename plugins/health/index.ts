// Built-in plugin: health monitoring — probes every WAN through itself, decides online / degraded / offline, emits long-down.
import { NO_OPTIONS, resolveHealth, type MwanPlugin } from '../../core/plugin/api.ts';
import { LongDownTimers } from './long-down.ts';
import { WanMonitor } from './monitor.ts';

const plugin: MwanPlugin = {
  name: 'health',
  options: NO_OPTIONS,
  setup(ctx) {
    const settingsOf = (name: string) =>
      resolveHealth(ctx.config.health, ctx.config.wans.find((w) => w.name === name)?.health);
    const monitors = ctx.config.wans
      .filter((w) => w.probes.length > 0)
      .map((w) => new WanMonitor(ctx, w, settingsOf(w.name)));
    for (const m of monitors) m.start();
    const longDown = new LongDownTimers(ctx.bus, (wan) => settingsOf(wan).longDownSeconds, 'health');
    return () => {
      for (const m of monitors) m.stop();
      longDown.stop();
    };
  },
};

export default plugin;
