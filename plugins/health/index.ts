// Built-in plugin: health monitoring — probes every WAN through itself, decides online / degraded / offline, emits long-down.
import { NO_OPTIONS, type MwanPlugin, targetFamily } from '../../plugin-api/index.ts';
import { LongDownTimers } from './long-down.ts';
import { WanMonitor } from './monitor.ts';
import { refreshGatewaysOnLinkUp } from './neighbours.ts';
import { healthConfiguration, settingsOf as settingsIn } from './sections.ts';

const plugin: MwanPlugin = {
  name: 'health',
  options: NO_OPTIONS,
  events: ['wan.longdown', 'probe.result'],
  /** `health` and `wans[].health`: intervals, thresholds and the trigger, checked against each WAN's probes. */
  configuration: healthConfiguration,
  setup(ctx) {
    const settingsOf = (name: string) => settingsIn(ctx.config, name);
    // One monitor per WAN and family its probe targets have (a probe's family is its target's).
    const monitors = ctx.config.wans.flatMap((w) =>
      (['ipv4', 'ipv6'] as const)
        .filter((family) => w.probes.some((p) => targetFamily(p.target) === family))
        .map((family) => new WanMonitor(ctx, w, settingsOf(w.name), family)),
    );
    for (const m of monitors) m.start();
    const stopRefresh = refreshGatewaysOnLinkUp(ctx, 'health');
    const longDown = new LongDownTimers(ctx.bus, (wan) => settingsOf(wan).longDownSeconds, 'health');
    return () => {
      for (const m of monitors) m.stop();
      longDown.stop();
      stopRefresh();
    };
  },
};

export default plugin;
