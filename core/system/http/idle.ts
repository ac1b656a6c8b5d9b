// The HTTP facility of dry runs and one-shot commands: nothing listens (the daemon's servers are its own); assets are read as in the daemon.
import { systemHttp } from './real.ts';
import type { HttpService } from './types.ts';

export const idleHttp: HttpService = {
  listen: async ({ host, port }) => ({ host, port, close: async () => undefined }),
  packageAsset: (relative) => systemHttp.packageAsset(relative),
};
