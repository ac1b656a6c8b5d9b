// The plugin boundary: built-in plugins import only the public plugin API and their own folder, never another plugin or a core internal.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const API = 'plugin-api/index.ts';

/**
 * Files exempt from the rule: the built-in list (it imports every plugin) and test helpers (they build worlds and
 * buses from core internals, as the tests do).
 */
const EXEMPT = (file: string) =>
  file === 'plugins/index.ts' || file.endsWith('.test.ts') || path.basename(file) === 'testing.ts';

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Every module specifier a file names: static imports and re-exports, side-effect imports, dynamic imports. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const re of [
    /\bfrom\s+'([^']+)'/g,
    /\bfrom\s+"([^"]+)"/g,
    /\bimport\s+'([^']+)'/g,
    /\bimport\s+"([^"]+)"/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]) {
    for (const m of text.matchAll(re)) found.push(m[1]);
  }
  return found;
}

/** Why `spec` imported from `file` (both relative to the package root) breaks the boundary, or undefined. */
function boundaryProblem(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) {
    return spec.startsWith('mwan/') && spec !== 'mwan/plugin'
      ? `imports ${spec}: only mwan/plugin is public`
      : undefined;
  }
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
  const folder = file.split('/').slice(0, 2).join('/');
  if (target === API || target.startsWith(`${folder}/`)) return undefined;
  if (target.startsWith('plugins/')) return `imports ${spec}: another plugin's file (${target})`;
  return `imports ${spec}: ${target} is not the public plugin API (${API})`;
}

describe('plugin API boundary', () => {
  it('built-in plugins import only the public plugin API, packages and their own folder', () => {
    const files = sources('plugins').filter((f) => !EXEMPT(f));
    assert.ok(files.length > 20, `found only ${files.length} plugin sources`);
    const problems = files.flatMap((f) =>
      specifiers(readFileSync(path.join(root, f), 'utf8')).flatMap((s) => {
        const why = boundaryProblem(f, s);
        return why ? [`${f}: ${why}`] : [];
      }),
    );
    assert.deepEqual(problems, []);
  });

  it('refuses a core internal, another plugin and a private package path; allows the API, its own folder and packages', () => {
    const file = 'plugins/upnp/rules.ts';
    assert.match(boundaryProblem(file, '../../config/schema/validators.ts')!, /not the public plugin API/);
    assert.match(boundaryProblem(file, '../port-forward/index.ts')!, /another plugin's file/);
    assert.match(boundaryProblem(file, 'mwan/core/engine.ts')!, /only mwan\/plugin is public/);
    assert.match(boundaryProblem('plugins/index.ts', './upnp/index.ts') ?? '', /another plugin's file/);
    for (const ok of ['../../plugin-api/index.ts', './options.ts', './sub/x.ts', 'zod', 'node:path', 'mwan/plugin']) {
      assert.equal(boundaryProblem(file, ok), undefined, ok);
    }
    assert.deepEqual(
      specifiers(
        `import { a } from './a.ts';\nimport type { B } from "../b.ts";\nexport { c } from './c.ts';\nimport './d.ts';\nawait import('./e.ts');`,
      ),
      ['./a.ts', './c.ts', '../b.ts', './d.ts', './e.ts'],
    );
  });

  it('the core never imports a plugin (its tests aside): plugins add their sections and layout through the API', () => {
    const problems = sources('core')
      .filter((f) => !f.endsWith('.test.ts'))
      .flatMap((f) =>
        specifiers(readFileSync(path.join(root, f), 'utf8')).flatMap((s) => {
          const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), s));
          return s.startsWith('.') && target.startsWith('plugins/') ? [`${f}: imports ${s}`] : [];
        }),
      );
    assert.ok(problems.length === 0, problems.join('\n'));
  });

  it('the core imports only types from the plugin API (the contract it runs plugins by): at run time the API stands on the core', () => {
    const problems = sources('core')
      .filter((f) => !f.endsWith('.test.ts') && path.basename(f) !== 'testing.ts')
      .flatMap((f) =>
        [
          ...readFileSync(path.join(root, f), 'utf8').matchAll(
            /^(import|export)\b(?!\s+type\b)[^;]*?from\s+'([^']+)'/gms,
          ),
        ]
          .filter((m) => path.posix.normalize(path.posix.join(path.posix.dirname(f), m[2])).startsWith('plugin-api/'))
          .map((m) => `${f}: ${m[0].split('\n')[0]}`),
      );
    assert.ok(problems.length === 0, problems.join('\n'));
  });

  it('package.json exports mwan/plugin as the public API module', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string>;
    };
    assert.equal(pkg.exports['./plugin'], `./${API}`);
  });
});
