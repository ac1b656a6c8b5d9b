// Built-in plugin: the daemon side of policies — measures and rewrites the adaptive strategies' weights, and learns fastest-response choices. (The marker renders them.)
import type { MwanPlugin } from '../../core/plugin/types.ts';
import { startAdaptive } from './adaptive.ts';
import { startFastest } from './fastest-runner.ts';

const plugin: MwanPlugin = {
  name: 'policies',
  setup(ctx) {
    const stops = [startAdaptive(ctx), startFastest(ctx)];
    return () => stops.forEach((stop) => stop());
  },
};

export default plugin;
