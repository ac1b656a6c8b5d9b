// Imports code that runs as root (a .ts/.js config, user plugins) only after checking every file it loads, and never through tsx's disk cache.
import { pathToFileURL } from 'node:url';
import { MwanError } from '../errors.ts';
import { packageFile } from '../system/package-root.ts';
import { importGraph } from './import-graph.ts';
import { assertTrustedFile, type Refusal } from './trusted-files.ts';

/** The tsconfig tsx and the import check use, found from the package root so the CLI bundle finds it too. */
export const TSX_TSCONFIG = packageFile('core/plugin/tsconfig.plugins.json');

/**
 * Sets what tsx reads from the environment when it loads (its loader thread copies the environment once): no
 * transform cache (tsx keeps it in $TMPDIR/tsx-<uid>, a directory anyone could create first and fill with code),
 * and a fixed tsconfig instead of whatever tsconfig.json the working directory holds. cli/mwanctl.js does the
 * same before anything loads tsx; this covers other entry paths (tests, the demo).
 */
export function hardenTsxEnv(): void {
  process.env.TSX_DISABLE_CACHE = '1';
  process.env.TSX_TSCONFIG_PATH = TSX_TSCONFIG;
}

/**
 * Throws unless `file`, every file it imports (relative, absolute and package imports, re-exports, literal dynamic
 * imports) and every directory above each of them are writable only by root (or by the invoking user when not
 * root); also refuses imports whose module name is computed at run time.
 */
export async function assertTrustedCode(file: string, refusal: Refusal): Promise<void> {
  const checked = new Set<string>();
  const real = await assertTrustedFile(file, refusal, { checked });
  let graph;
  try {
    graph = await importGraph(real, TSX_TSCONFIG);
  } catch (error) {
    const code = refusal.code === 'MWAN_PLUGIN_UNSAFE_FILE' ? 'MWAN_PLUGIN_INVALID' : 'MWAN_CONFIG_INVALID';
    throw new MwanError(code, `cannot load ${refusal.what}: ${(error as Error).message}`, { cause: error });
  }
  for (const imported of graph.files) {
    if (imported === real) continue;
    await assertTrustedFile(imported, refusal, { checked, subject: `the file ${imported} it imports` });
  }
  const computed = graph.computed[0];
  if (computed) {
    throw new MwanError(
      refusal.code,
      `refusing ${refusal.what}: ${computed.file}:${computed.line} loads a module whose name is computed at run time (${computed.text}), so mwan cannot check that file; import it by a literal name`,
    );
  }
}

/** Checks `file` (assertTrustedCode), then imports it with tsx; returns the module namespace. */
export async function importTrusted(file: string, refusal: Refusal): Promise<Record<string, unknown>> {
  await assertTrustedCode(file, refusal);
  hardenTsxEnv();
  const { tsImport } = await import('tsx/esm/api');
  return tsImport(pathToFileURL(file).href, import.meta.url);
}
