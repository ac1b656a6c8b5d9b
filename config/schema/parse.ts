// Parses a configuration already read (core/system/config-file.ts reads it): the schema with the plugins' sections, then its layout.
import path from 'node:path';
import { MwanError } from '../../core/errors.ts';
import { computeLayout, type Layout } from './identifiers.ts';
import { formatIssues } from './issues.ts';
import { configSchemaWith, type MwanConfig, type SchemaContribution } from './schema.ts';

export interface LoadedConfig {
  config: MwanConfig;
  layout: Layout;
  source: string;
  dir: string;
}

/** What a plugin adds to the configuration (MwanPlugin.configuration): its sections and checks, its part of the layout. */
export interface ConfigContribution extends SchemaContribution {
  /**
   * Adds to the layout computed from the parsed configuration (the policies plugin: NFQUEUE tags and queues); may
   * throw an MWAN_CONFIG_INVALID naming the field at fault.
   */
  layout?(config: MwanConfig, layout: Layout): Partial<Layout>;
}

/**
 * Validates a plain object (already read from a file or built in code) against the core's fields and the sections of
 * `plugins` (the CLI passes the built-in plugins: cli/config.ts).
 */
export function parseConfig(
  data: unknown,
  source = '(inline)',
  plugins: readonly { configuration?: ConfigContribution }[] = [],
): LoadedConfig {
  const parts = plugins.flatMap((p) => (p.configuration ? [p.configuration] : []));
  const result = configSchemaWith(parts).safeParse(data, { reportInput: true });
  if (!result.success) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `invalid configuration in ${source}:\n${formatIssues(result.error.issues)}`,
    );
  }
  const dir = source.startsWith('(') ? process.cwd() : path.dirname(source);
  let layout = computeLayout(result.data) as Layout; // each part of PluginLayout is added by the plugin that declares it
  for (const part of parts) if (part.layout) layout = { ...layout, ...part.layout(result.data, layout) };
  return { config: result.data, layout, source, dir };
}
