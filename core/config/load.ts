// Reads and validates the configuration (--config FILE, or a fixed list of names in /etc/mwan); errors name the file, the field, the value and what is allowed.
import { defaultLoaders } from 'cosmiconfig';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { MwanError } from '../errors.ts';
import { importTrusted } from '../plugin/trusted-code.ts';
import { trustedOwners } from '../plugin/trusted-files.ts';
import { assertBoundedValue, assertJsonDepth, readBounded, yamlNestingError } from './file-limits.ts';
import { computeLayout, type Layout } from './identifiers.ts';
import { configSchema, type MwanConfig } from './schema.ts';

export interface LoadedConfig {
  config: MwanConfig;
  layout: Layout;
  source: string;
  dir: string;
}

export const SYSTEM_DIR = '/etc/mwan';
/** The names looked for in SYSTEM_DIR without --config, in this order; the working directory is never searched. */
export const SEARCH_PLACES = [
  'config.yaml',
  'config.yml',
  'config.json',
  'config.ts',
  'config.js',
  'mwan.config.yaml',
  'mwan.config.yml',
  'mwan.config.json',
  'mwan.config.ts',
  'mwan.config.js',
];
/** Configurations that are code: they run as the invoking user, so every file they load must be trusted like a plugin. */
const CODE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs'];

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  const text = JSON.stringify(input);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** One line per problem: `wans[1].weight: got -3; expected ...`. */
export function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field =
        issue.path.reduce<string>(
          (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
          '',
        ) || '(top level)';
      if (issue.code === 'unrecognized_keys')
        return `${field}: unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}; check the spelling`;
      const got = 'input' in issue ? `got ${describeInput(issue.input)}; ` : '';
      return `${field}: ${got}${issue.message}`;
    })
    .join('\n');
}

/** Validates a plain object (already read from a file or built in code). */
export function parseConfig(data: unknown, source = '(inline)'): LoadedConfig {
  const result = configSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `invalid configuration in ${source}:\n${formatIssues(result.error.issues)}`,
    );
  }
  const dir = source.startsWith('(') ? process.cwd() : path.dirname(source);
  return { config: result.data, layout: computeLayout(result.data), source, dir };
}

/** A YAML or JSON configuration is data: it only needs an owner who could run mwanctl anyway (root, or the invoking user). */
function assertDataOwner(file: string, owner: number): void {
  const owners = trustedOwners();
  if (!owners.includes(owner)) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `refusing configuration ${file}: it is owned by uid ${owner}, not ${owners.map((u) => (u === 0 ? 'root' : `uid ${u}`)).join(' or ')}; chown root ${file}`,
    );
  }
}

async function parseData(file: string, text: string): Promise<unknown> {
  if (path.extname(file) === '.json') {
    assertJsonDepth(file, text);
    return JSON.parse(text);
  }
  try {
    return await defaultLoaders['.yaml'](file, text);
  } catch (error) {
    throw yamlNestingError(file, error) ?? error;
  }
}

/** Reads one configuration file: code through the trusted-code check and tsx, data through the size and shape limits. */
async function readConfigFile(file: string): Promise<unknown> {
  const { text, st } = await readBounded(file);
  let data: unknown;
  if (CODE_EXTENSIONS.includes(path.extname(file))) {
    const mod = (await importTrusted(file, { what: `configuration ${file}`, code: 'MWAN_CONFIG_INVALID' })) as {
      default?: { default?: unknown };
    };
    data = mod.default?.default ?? mod.default ?? mod;
  } else {
    assertDataOwner(file, st.uid);
    if (!text.trim()) throw new MwanError('MWAN_CONFIG_INVALID', `configuration file ${file} is empty`);
    data = await parseData(file, text);
  }
  if (data === undefined || data === null)
    throw new MwanError('MWAN_CONFIG_INVALID', `configuration file ${file} is empty`);
  assertBoundedValue(file, data);
  return data;
}

/** The one configuration file in SYSTEM_DIR, or a MWAN_CONFIG_NOT_FOUND error saying exactly what was looked for. */
async function searchSystemDir(dir: string): Promise<string> {
  const found: string[] = [];
  for (const name of SEARCH_PLACES) {
    const file = path.join(dir, name);
    if (
      await access(file).then(
        () => true,
        () => false,
      )
    )
      found.push(file);
  }
  if (found.length > 1) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `several configurations in ${dir} (${found.join(', ')}): keep one, or pass --config FILE`,
    );
  }
  if (!found.length) {
    throw new MwanError(
      'MWAN_CONFIG_NOT_FOUND',
      `no configuration found: pass --config FILE, or create one of ${SEARCH_PLACES.join(', ')} in ${dir} (the working directory is never searched)`,
    );
  }
  return found[0];
}

/** Loads `file` (--config), or the one configuration in /etc/mwan (`systemDir` is for tests). */
export async function loadConfig(file?: string, systemDir = SYSTEM_DIR): Promise<LoadedConfig> {
  const source = file ? path.resolve(file) : await searchSystemDir(systemDir);
  let data: unknown;
  try {
    data = await readConfigFile(source);
  } catch (error) {
    if (error instanceof MwanError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MwanError('MWAN_CONFIG_NOT_FOUND', `configuration file ${source} does not exist`);
    throw new MwanError('MWAN_CONFIG_INVALID', `cannot read configuration ${source}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseConfig(data, source);
}
