// Checks that the source has no import cycle (type-only imports included): every folder's files import in one direction.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FOLDERS = ['core', 'plugin-api', 'config', 'cli', 'plugins', 'hooks'];
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'";]*?\bfrom\s+['"](\.[^'"]+)['"]/g;

/** Every non-test .ts source file under the project's folders, relative to the root. */
function sources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'build') walk(rel);
      else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(rel);
    }
  };
  for (const f of FOLDERS) walk(f);
  return out;
}

/** The import graph over relative imports, then every cycle found by a depth-first walk. */
function importCycles(files: string[], read: (file: string) => string): string[][] {
  const known = new Set(files);
  const edges = new Map<string, string[]>();
  for (const f of files)
    edges.set(
      f,
      [...read(f).matchAll(IMPORT)]
        .map((m) => path.normalize(path.join(path.dirname(f), m[1])))
        .filter((t) => known.has(t)),
    );
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  const visit = (f: string, stack: string[]) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of edges.get(f) ?? []) {
      if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t]);
      else if (!state.has(t)) visit(t, stack);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f, []);
  return cycles;
}

describe('import cycles', () => {
  it('finds a cycle when there is one (the check can fail)', () => {
    const src: Record<string, string> = {
      'a/x.ts': "import type { Y } from './y.ts';",
      'a/y.ts': "import { z } from '../b/z.ts';",
      'b/z.ts': "export { x } from '../a/x.ts';",
    };
    assert.deepEqual(
      importCycles(Object.keys(src), (f) => src[f]),
      [['a/x.ts', 'a/y.ts', 'b/z.ts', 'a/x.ts']],
    );
  });

  it('the source has none', () => {
    const cycles = importCycles(sources(), (f) => readFileSync(path.join(ROOT, f), 'utf8'));
    assert.deepEqual(
      cycles.map((c) => c.join(' -> ')),
      [],
    );
  });
});
