// Tests the trusted-code checks: findComputedImports, the import graph esbuild reports, and that tsx is loaded only after its cache is disabled.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findComputedImports, importGraph } from './import-graph.ts';
import { importTrusted, TSX_TSCONFIG } from './trusted-code.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
// Top-level await: mocha import()s this file as ESM, which tsx's tsImport needs (see user-plugins.test.ts).
const root = await mkdtemp(path.join(os.tmpdir(), 'mwan-trusted-code-'));

describe('trusted code', () => {
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe('findComputedImports', () => {
    it('flags import()/require() of an expression and passes literals, comments and import.meta', () => {
      const src = [
        "import a from './a.ts';",
        "const b = await import('./b.ts');",
        'const c = require("./c.cjs");',
        'const t = import(`./t.ts`);',
        '// import(name) in a comment',
        'const u = import.meta.url;',
        'const d = await import(name);',
        "const e = require('./' + x);",
        'const f = import(`./${x}.ts`);',
      ].join('\n');
      assert.deepEqual(
        findComputedImports('/p.ts', src).map((c) => c.line),
        [7, 8, 9],
      );
    });
  });

  describe('importGraph', () => {
    it('lists the entry, relative, absolute, re-exported and literal dynamic imports, and package.json files on the way', async () => {
      const dir = await mkdtemp(path.join(root, 'graph-'));
      const put = async (name: string, text: string) => {
        await writeFile(path.join(dir, name), text);
        return path.join(dir, name);
      };
      const abs = await put('abs.ts', 'export const abs = 1;\n');
      const rel = await put('rel.ts', 'export const rel = 1;\n');
      const re = await put('re.mjs', 'export const re = 1;\n');
      const late = await put('late.mjs', 'export const late = 1;\n');
      const pkg = await put('package.json', '{ "type": "module" }\n');
      const entry = await put(
        'entry.ts',
        `import { rel } from './rel.ts';\nimport { abs } from ${JSON.stringify(abs)};\nexport * from './re.mjs';\nexport const later = () => import('./late.mjs');\nexport default { rel, abs };\n`,
      );
      const graph = await importGraph(entry, TSX_TSCONFIG);
      for (const f of [entry, abs, rel, re, late, pkg])
        assert.ok(graph.files.includes(f), `${f} missing from ${graph.files.join(', ')}`);
      assert.deepEqual(graph.computed, []);
    });

    it('names the file and line of an import that cannot be resolved', async () => {
      const entry = path.join(root, 'broken.ts');
      await writeFile(entry, "import './nowhere.ts';\n");
      await assert.rejects(importGraph(entry), new RegExp(`${entry}:1: Could not resolve "./nowhere.ts"`));
    });
  });

  describe('tsx', () => {
    it('importTrusted sets TSX_DISABLE_CACHE and the fixed tsconfig before it loads tsx', async () => {
      delete process.env.TSX_DISABLE_CACHE;
      process.env.TSX_TSCONFIG_PATH = '/nonexistent/tsconfig.json';
      const file = path.join(root, 'mod.mjs');
      await writeFile(file, 'export default 42;\n');
      const mod = await importTrusted(file, { what: `plugin ${file}`, code: 'MWAN_PLUGIN_UNSAFE_FILE' });
      assert.equal((mod.default as { default?: unknown })?.default ?? mod.default, 42);
      assert.equal(process.env.TSX_DISABLE_CACHE, '1');
      assert.equal(process.env.TSX_TSCONFIG_PATH, TSX_TSCONFIG);
    });

    it('only trusted-code.ts (after hardenTsxEnv) and the launcher (after its environment lines) load tsx in core/ and cli/', async () => {
      const loaders: string[] = [];
      const walk = async (dir: string): Promise<void> => {
        for (const e of await readdir(dir, { withFileTypes: true })) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) await walk(p);
          else if (/\.(ts|js|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts') && !e.name.endsWith('.bundle.mjs')) {
            const text = await readFile(p, 'utf8');
            if (/import\(['"]tsx|from ['"]tsx/.test(text)) loaders.push(path.relative(REPO, p));
          }
        }
      };
      await walk(path.join(REPO, 'core'));
      await walk(path.join(REPO, 'cli'));
      assert.deepEqual(loaders.sort(), ['cli/mwanctl.js', 'core/plugin/trusted-code.ts']);
      const code = await readFile(path.join(REPO, 'core/plugin/trusted-code.ts'), 'utf8');
      assert.ok(
        code.indexOf('hardenTsxEnv();\n  const { tsImport }') > 0,
        'trusted-code.ts must call hardenTsxEnv() right before it imports tsx',
      );
      const launcher = await readFile(path.join(REPO, 'cli/mwanctl.js'), 'utf8');
      assert.ok(
        launcher.indexOf("process.env.TSX_DISABLE_CACHE = '1';") < launcher.indexOf("import('tsx"),
        'the launcher must disable the cache before it imports tsx',
      );
    });
  });
});
