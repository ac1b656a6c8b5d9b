// The npm package ships the program, its docs and the addon's sources: no tests, no test helpers, no build objects.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The paths `npm pack` would put in the tarball (scripts not run: `prepare` would rebuild the bundle and the addon). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [pack] = JSON.parse(out) as { files: { path: string }[] }[];
  return pack.files.map((f) => f.path);
}

describe('package contents (package.json "files")', function () {
  this.timeout(60000);
  let files: string[];
  before(() => {
    files = packedFiles();
  });

  it('ships no test, test helper or build object', () => {
    const wrong = files.filter(
      (f) =>
        /\.test\.ts$/.test(f) ||
        /(^|\/)testing\.ts$/.test(f) ||
        /^test\//.test(f) ||
        /^core\/system\/probes\/native\/build\//.test(f) ||
        /\.(o|node|d|mk)$/.test(f) ||
        /(^|\/)Makefile$/.test(f),
    );
    assert.deepEqual(wrong, []);
  });

  it('ships the CLI, the engine, the plugins, the hooks, the docs and the addon sources', () => {
    for (const f of [
      'cli/mwanctl.js',
      'cli/main.ts',
      'cli/build-bundle.mjs',
      'core/engine.ts',
      'plugins/index.ts',
      'hooks/mwan',
      'core/system/probes/native/icmp.c',
      'core/system/probes/native/binding.gyp',
      'core/system/probes/native/build.mjs',
      'core/plugin/tsconfig.plugins.json',
      'docs/configuration.md',
      'README.md',
      'package.json',
    ]) {
      assert.ok(files.includes(f), `${f} is not in the package`);
    }
  });
});
