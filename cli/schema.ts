// `mwanctl schema`: the configuration's JSON Schema, generated from the zod schema (shipped as config/mwan.schema.json).
import { z } from 'zod';
import { configSchema } from './config.ts';

/** Where the shipped copy lives in a checkout and in the package; editors find it through `# yaml-language-server: $schema=`. */
export const SCHEMA_FILE = 'config/mwan.schema.json';

/**
 * The JSON Schema (draft 2020-12) of what a configuration file may contain: the input side (defaults make fields
 * optional). Cross-field checks (duplicate names, gateways in their networks, …) are not expressible there: `mwanctl
 * check` does them.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $schema: schema.$schema,
    title: 'mwan configuration',
    description: 'The configuration of mwan (multi-WAN load balancing for Linux routers); see mwan.yaml(5).',
    ...schema,
  };
}

/** The text `mwanctl schema` prints and config/mwan.schema.json holds. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
