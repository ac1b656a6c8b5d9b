// Plugin options: every `plugins.<name>` key names a registered plugin, and each enabled plugin's options parse.
import type { z } from 'zod';
import { closest, formatIssues } from '../../config/schema/issues.ts';
import type { MwanConfig } from '../../config/schema/schema.ts';
import { MwanError, describeError } from '../errors.ts';
import type { MwanPlugin, PluginOptions } from './types.ts';

/** One problem inside a plugin's options; `path` is relative to `plugins.<name>`. */
export interface OptionIssue {
  path: (string | number)[];
  message: string;
  input?: unknown;
}

/** What a plugin's `options.parse` may throw to name the fields at fault (zod errors have the same shape). */
export class PluginOptionsError extends Error {
  constructor(readonly issues: OptionIssue[]) {
    super(issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; '));
    this.name = 'PluginOptionsError';
  }
}

/**
 * The error an options parser throws for zod issues (or hand-made ones): one line per issue, each field named
 * `plugins.<plugin>.<prefix>.<path>`, e.g. `plugins.mail.transport.port: got "smtp"; expected number`.
 */
export function invalidOptions(
  plugin: string,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  prefix: PropertyKey[] = [],
): MwanError {
  const named = issues.map((i) => ({ code: 'custom', ...i, path: ['plugins', plugin, ...prefix, ...i.path] }));
  return new MwanError(
    'MWAN_CONFIG_INVALID',
    `invalid options of plugin '${plugin}':\n${formatIssues(named as z.core.$ZodIssue[])}`,
  );
}

/** A spec for plugins that take no options: any key is an error. */
export const NO_OPTIONS: PluginOptions<Record<string, never>> = {
  parse(raw) {
    const keys = Object.keys(raw);
    if (keys.length)
      throw new PluginOptionsError(
        keys.map((k) => ({ path: [k], input: raw[k], message: 'this plugin takes no options' })),
      );
    return {};
  },
};

/** Whether `e` names its fields as `{ path, message }` issues (a zod error, a PluginOptionsError). */
function hasIssues(e: unknown): e is { issues: OptionIssue[] } {
  const issues: unknown = typeof e === 'object' ? (e as { issues?: unknown } | null)?.issues : undefined;
  return Array.isArray(issues) && issues.every((i) => Array.isArray(i?.path) && typeof i?.message === 'string');
}

/** The lines naming each field at fault, whatever the plugin's parser threw. */
function problemLines(name: string, error: unknown): string[] {
  if (error instanceof MwanError && error.code === 'MWAN_CONFIG_INVALID') {
    const lines = error.message.split('\n');
    return lines[0].startsWith('invalid options of plugin') && lines.length > 1
      ? lines.slice(1)
      : [`plugins.${name}: ${lines.join(' ')}`];
  }
  if (hasIssues(error) && error.issues.length) {
    const named = error.issues.map((i) => ({ code: 'custom', ...i, path: ['plugins', name, ...i.path] }));
    return formatIssues(named as z.core.$ZodIssue[]).split('\n');
  }
  return [`plugins.${name}: ${describeError(error)}`];
}

/**
 * Checks `plugins.*` against the registered plugins: unknown keys (with a "did you mean" hint) and the options of
 * every enabled plugin that declares a parser. Throws one MWAN_CONFIG_INVALID naming every field at fault; returns
 * the parsed options by plugin name.
 */
export function validatePluginOptions(plugins: MwanPlugin[], config: MwanConfig): Map<string, unknown> {
  const names = plugins.map((p) => p.name);
  const lines: string[] = [];
  for (const key of Object.keys(config.plugins)) {
    if (names.includes(key)) continue;
    const hint = closest(key, names);
    lines.push(
      `plugins.${key}: no plugin is named so${hint ? `; did you mean '${hint}'?` : ''} (plugins: ${[...names].sort().join(', ')})`,
    );
  }
  const parsed = new Map<string, unknown>();
  for (const p of plugins) {
    const raw = config.plugins[p.name];
    if (raw === false || !p.options) continue;
    try {
      parsed.set(p.name, p.options.parse(raw ?? {}, config));
    } catch (error) {
      lines.push(...problemLines(p.name, error));
    }
  }
  if (lines.length) throw new MwanError('MWAN_CONFIG_INVALID', `invalid plugin options:\n${lines.join('\n')}`);
  return parsed;
}
