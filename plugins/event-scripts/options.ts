// The event-scripts options (zod): the scripts directory, the time limit per run, and the queue bound per script.
import path from 'node:path';
import { z } from 'zod';
import { invalidOptions } from '../../plugin-api/index.ts';

export const PLUGIN_NAME = 'event-scripts';
export const DEFAULT_DIR = '/etc/mwan/events.d';

export const eventScriptsOptionsSchema = z.strictObject({
  /** false keeps the plugin loaded but inert. */
  enabled: z.boolean().default(true),
  /** Absolute, or relative to the daemon's working directory. A missing directory means no scripts. */
  dir: z.string().min(1, 'expected a directory path').default(DEFAULT_DIR),
  /** Each run is killed (SIGTERM, then SIGKILL 1 s later) when it takes longer. */
  timeoutMs: z.number().int().min(100).max(600_000).default(10_000),
  /** Runs of one script waiting behind a running one; beyond this the oldest waiting run is dropped. */
  maxQueued: z.number().int().min(1).max(1000).default(20),
});

export type EventScriptsOptions = z.output<typeof eventScriptsOptionsSchema>;

/** Validates `plugins.event-scripts`; errors name each field as `plugins.event-scripts.<field>`. */
export function parseEventScriptsOptions(options: unknown): EventScriptsOptions {
  const result = eventScriptsOptionsSchema.safeParse(options ?? {}, { reportInput: true });
  if (!result.success) throw invalidOptions(PLUGIN_NAME, result.error.issues);
  return { ...result.data, dir: path.resolve(result.data.dir) };
}
