// The snat plugin's field of each WAN (`wans[].snat`): how LAN traffic leaving it is translated.
import { z } from 'zod';
import type { ConfigContribution } from '../../plugin-api/index.ts';

/** `masquerade` (default), `snat` to the WAN's current address (static addresses), or `none` (a routed public LAN). */
export const snatMode = z.enum(['masquerade', 'snat', 'none']).default('masquerade');

declare module '../../plugin-api/index.ts' {
  interface PluginWanFields {
    snat: z.output<typeof snatMode>;
  }
}

export const snatConfiguration: ConfigContribution = { wanFields: { snat: snatMode } };
