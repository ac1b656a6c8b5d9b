// How a plugin's options parser names the fields at fault (`plugins.<name>.<field>: ...`), and the parser of no options.
import type { z } from 'zod';
import { MwanError, describeError } from '../../core/errors.ts';
import { formatIssues } from './issues.ts';

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
export const NO_OPTIONS = {
  parse(raw: Record<string, unknown>, _config?: unknown): Record<string, never> {
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
export function optionProblemLines(name: string, error: unknown): string[] {
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
