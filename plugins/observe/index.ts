// The observe plugin: Prometheus metrics (/metrics), the live status page (/) and its event stream (/events) on one small read-only server.
import { NO_OPTIONS, definePlugin } from '../../plugin-api/index.ts';
import { observeConfiguration } from './options.ts';
import { startObserve } from './service.ts';

export default definePlugin({
  name: 'observe',
  // Its settings are the top-level `observe` section; `plugins.observe` takes nothing.
  options: NO_OPTIONS,
  configuration: observeConfiguration,
  async setup(ctx) {
    if (ctx.config.observe.listen === false) {
      ctx.log.debug('observe: off (observe.listen is false)');
      return;
    }
    const runtime = await startObserve(ctx);
    return () => runtime.stop();
  },
});
