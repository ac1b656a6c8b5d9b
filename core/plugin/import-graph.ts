// Lists every file a module loads: esbuild bundles it (packages included) without writing anything and reports its inputs.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** One `import(x)` / `require(x)` whose module name is computed at run time: no one can tell which file it loads. */
export interface ComputedImport {
  file: string;
  line: number;
  text: string;
}

export interface ImportGraph {
  /** Absolute real paths of every file the module reads as code or data (the entry first), and the package.json files that steer resolution. */
  files: string[];
  /** Imports in the module's own (non-node_modules) files that name their module with an expression. */
  computed: ComputedImport[];
}

/** `import(` or `require(` not directly followed by one string literal and `)`. */
const COMPUTED = /(?<![\w$.])(?:import|require)\s*\(\s*(?!(?:'[^'\n]*'|"[^"\n]*"|`[^`$\n]*`)\s*[,)])/g;

/** Finds computed imports, skipping `//` comment lines (a plain scan: it may refuse odd but harmless code, never miss one). */
export function findComputedImports(file: string, source: string): ComputedImport[] {
  const found: ComputedImport[] = [];
  source.split('\n').forEach((line, i) => {
    if (/^\s*(\/\/|\*)/.test(line)) return;
    if (COMPUTED.test(line)) found.push({ file, line: i + 1, text: line.trim().slice(0, 80) });
    COMPUTED.lastIndex = 0;
  });
  return found;
}

/** The package.json files between `file` and the nearest node_modules: they decide what a bare import resolves to. */
function packageJsonsOf(file: string): string[] {
  const out: string[] = [];
  for (
    let dir = path.dirname(file);
    dir !== path.dirname(dir) && path.basename(dir) !== 'node_modules';
    dir = path.dirname(dir)
  ) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) out.push(candidate);
  }
  return out;
}

/**
 * Bundles `entry` in memory with esbuild (the compiler tsx itself uses) and returns every input it read. Throws
 * esbuild's error (file:line: text) when the module or an import cannot be resolved or parsed. `tsconfig` is the one
 * tsx uses to load it, so both resolve imports alike.
 */
export async function importGraph(entry: string, tsconfig?: string): Promise<ImportGraph> {
  const esbuild = await import('esbuild');
  let result;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      absWorkingDir: '/',
      outdir: '/mwan-import-graph',
      tsconfig,
    });
  } catch (error) {
    const errors = (error as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    if (!errors?.length) throw error;
    throw new Error(
      errors.map((e) => (e.location ? `/${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join('; '),
      { cause: error },
    );
  } finally {
    await esbuild.stop();
  }
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !/^[\w-]*:/.test(p))
    .map((p) => path.join('/', p));
  const files = [...new Set([...inputs, ...inputs.flatMap(packageJsonsOf)])];
  const computed: ComputedImport[] = [];
  for (const file of inputs.filter((f) => !f.split(path.sep).includes('node_modules'))) {
    computed.push(...findComputedImports(file, await readFile(file, 'utf8')));
  }
  return { files, computed };
}
