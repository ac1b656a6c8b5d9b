// Finds, reads and validates the configuration (cosmiconfig + zod); errors name the field, the value and what is allowed.
import { cosmiconfig, type Loader } from 'cosmiconfig';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { MwanError } from '../errors.ts';
import { computeLayout, type Layout } from './identifiers.ts';
import { configSchema, type MwanConfig } from './schema.ts';

export interface LoadedConfig { config: MwanConfig; layout: Layout; source: string; dir: string }

export const SEARCH_PLACES = [
  'mwan.config.ts', 'mwan.config.js', 'mwan.config.json', 'mwan.config.yaml', 'mwan.config.yml',
];
export const SYSTEM_DIR = '/etc/mwan';

const loadTs: Loader = async (filepath) => {
  const { tsImport } = await import('tsx/esm/api'); // loaded only for a .ts config
  const mod = await tsImport(pathToFileURL(filepath).href, import.meta.url);
  return mod.default?.default ?? mod.default ?? mod;
};

function explorer() {
  return cosmiconfig('mwan', {
    searchPlaces: [...SEARCH_PLACES, ...SEARCH_PLACES.map((p) => p.replace('mwan.config', 'config'))],
    loaders: { '.ts': loadTs, '.mts': loadTs },
    searchStrategy: 'none',
  });
}

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  const text = JSON.stringify(input);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One line per problem: `wans[1].weight: got -3; expected ...`. */
export function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues.map((issue) => {
    const field = issue.path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '') || '(top level)';
    if (issue.code === 'unrecognized_keys') return `${field}: unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling`;
    const got = 'input' in issue ? `got ${describeInput(issue.input)}; ` : '';
    return `${field}: ${got}${issue.message}`;
  }).join('\n');
}

/** Validates a plain object (already read from a file or built in code). */
export function parseConfig(data: unknown, source = '(inline)'): LoadedConfig {
  const result = configSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    throw new MwanError('MWAN_CONFIG_INVALID', `invalid configuration in ${source}:\n${formatIssues(result.error.issues)}`);
  }
  const dir = source.startsWith('(') ? process.cwd() : path.dirname(source);
  return { config: result.data, layout: computeLayout(result.data), source, dir };
}

/** Loads `file`, or searches the working directory and then /etc/mwan. */
export async function loadConfig(file?: string): Promise<LoadedConfig> {
  const ex = explorer();
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    found = file ? await ex.load(path.resolve(file)) : (await ex.search(process.cwd())) ?? (await ex.search(SYSTEM_DIR));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MwanError('MWAN_CONFIG_NOT_FOUND', `configuration file ${file} does not exist`);
    throw new MwanError('MWAN_CONFIG_INVALID', `cannot read configuration ${file ?? ''}: ${(error as Error).message}`, { cause: error });
  }
  if (file && found?.isEmpty) throw new MwanError('MWAN_CONFIG_INVALID', `configuration file ${found.filepath} is empty`);
  if (!found || found.isEmpty) {
    throw new MwanError('MWAN_CONFIG_NOT_FOUND', `no configuration found: pass --config FILE or create ${SEARCH_PLACES.join('|')} here or in ${SYSTEM_DIR}`);
  }
  return parseConfig(found.config, found.filepath);
}
