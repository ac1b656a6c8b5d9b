// Bounds on a configuration file: its size, its nesting depth and how far YAML aliases expand (config-file.ts reads within them); each refusal names the file and the limit.
import { MwanError } from '../errors.ts';

/**
 * - bytes: a real configuration is a few KiB; reading stops one byte past the limit.
 * - depth: objects and lists nested in one another (a real configuration needs about 6 levels).
 * - aliasUses: a YAML alias (`*name`) or a shared object reached again while walking the parsed value; an alias
 *   of an alias of ... ("billion laughs") expands exponentially and is stopped here.
 * - values: every value of the expanded tree, counted once per place it appears.
 */
export const FILE_LIMITS = { bytes: 1024 * 1024, depth: 64, aliasUses: 100, values: 200_000 } as const;

/** The refusal of configuration `file`, naming why. */
export const refuse = (file: string, why: string) =>
  new MwanError('MWAN_CONFIG_INVALID', `refusing configuration ${file}: ${why}`);
const tooDeep = (file: string) =>
  refuse(file, `it nests objects and lists more than ${FILE_LIMITS.depth} levels deep (the limit)`);

/** Refuses JSON text nesting deeper than the limit before JSON.parse builds it. */
export function assertJsonDepth(file: string, text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > FILE_LIMITS.depth) throw tooDeep(file);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/** Turns a YAML parser's nesting failure (js-yaml's maxDepth, or a stack overflow) into the depth refusal. */
export function yamlNestingError(file: string, error: unknown): MwanError | null {
  if (error instanceof RangeError || /nesting exceeded maxDepth/.test((error as Error)?.message ?? ''))
    return tooDeep(file);
  return null;
}

/**
 * Walks a parsed configuration without recursion and refuses one nested too deep, one whose aliases (or shared
 * objects) are reached more than the limit allows, or one that expands to too many values.
 */
export function assertBoundedValue(file: string, value: unknown): void {
  const seen = new Set<object>();
  const stack: [unknown, number][] = [[value, 1]];
  let values = 0;
  let aliasUses = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++values > FILE_LIMITS.values)
      throw refuse(file, `it expands to more than ${FILE_LIMITS.values} values (the limit)`);
    if (v === null || typeof v !== 'object') continue;
    if (depth > FILE_LIMITS.depth) throw tooDeep(file);
    if (seen.has(v)) {
      if (++aliasUses > FILE_LIMITS.aliasUses) {
        throw refuse(
          file,
          `its YAML aliases (*name) are expanded more than ${FILE_LIMITS.aliasUses} times (the limit); write the values out instead of nesting aliases`,
        );
      }
    } else {
      seen.add(v);
    }
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
}
