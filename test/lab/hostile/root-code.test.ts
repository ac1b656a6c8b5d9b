// Hostile files around code that runs as root: unsafe plugins and the files they import, symlink tricks, a .ts config importing an unsafe file, a planted tsx cache, a stale bundle.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import {
  chmod,
  chown,
  copyFile,
  lchown,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MwanError } from '../../../core/errors.ts';
import { loadUserPlugins } from '../../../core/plugin/user-plugins.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const MWANCTL = path.join(REPO, 'cli/mwanctl.js');
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

/** A plugin that loads `spec` and, through it, anything that writes the marker file. */
const plugin = (line: string) => `${line}\nexport default { name: 'hostile-case', setup() {} };\n`;

// Top-level await: mocha import()s this file as ESM, which tsx's tsImport needs (see core/plugin/user-plugins.test.ts).
const base = await mkdtemp(path.join(os.tmpdir(), 'mwan-hostile-root-'));

describe('hostile: code that runs as root', function () {
  this.timeout(60000);
  let dir: string;
  let plugins: string;
  let marker: string;

  before(function () {
    if (!isRoot) {
      console.log('      skipped: these cases chown files to other users and need root (no network namespace)');
      this.skip();
    }
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(base, 'case-'));
    await chmod(dir, 0o755);
    plugins = path.join(dir, 'plugins.d');
    await mkdir(plugins, { mode: 0o755 });
    marker = path.join(dir, 'code-ran');
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  /** Writes `text` at `file` (under the case dir unless absolute) with `mode` and owner `uid`. */
  async function put(file: string, text: string, mode = 0o644, uid = 0): Promise<string> {
    const full = path.isAbsolute(file) ? file : path.join(dir, file);
    await mkdir(path.dirname(full), { recursive: true, mode: 0o755 });
    await writeFile(full, text);
    await chmod(full, mode);
    await chown(full, uid, uid);
    return full;
  }
  const helper = () =>
    `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport const helper = 1;\n`;

  /** The plugins load is refused with MWAN_PLUGIN_UNSAFE_FILE, every pattern matches, and no plugin code ran. */
  async function refused(...patterns: RegExp[]): Promise<string> {
    let message = '';
    await assert.rejects(loadUserPlugins(plugins), (error: unknown) => {
      assert.ok(error instanceof MwanError, String(error));
      assert.equal(error.code, 'MWAN_PLUGIN_UNSAFE_FILE', error.message);
      for (const p of patterns) assert.match(error.message, p);
      message = error.message;
      return true;
    });
    assert.equal(existsSync(marker), false, 'code of a refused plugin ran');
    return message;
  }
  const re = (s: string) => new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));

  it('a plugin importing a group-writable helper: refused, naming the helper, owner, mode and chmod go-w', async () => {
    const lib = await put('lib/helper.mjs', helper(), 0o664);
    await put('plugins.d/10-p.mjs', plugin("import { helper } from '../lib/helper.mjs';"));
    await refused(
      re(
        `refusing plugin ${plugins}/10-p.mjs: the file ${lib} it imports is writable by group or others (owner root, mode 664); run chmod go-w ${lib}`,
      ),
    );
  });

  it('a plugin under a world-writable directory without the sticky bit: refused, naming that directory', async () => {
    const open = path.join(dir, 'open');
    await mkdir(open);
    await chmod(open, 0o777);
    plugins = path.join(open, 'plugins.d');
    await put(path.join(plugins, '10-p.mjs'), plugin(''));
    await refused(
      re(`the directory ${open} above it is writable by group or others (owner root, mode 777) and has no sticky bit`),
      /chmod go-w/,
    );
  });

  it('a root-owned sticky directory (like /tmp) above a plugin is accepted', async () => {
    const sticky = path.join(dir, 'sticky');
    await mkdir(sticky);
    await chmod(sticky, 0o1777);
    plugins = path.join(sticky, 'plugins.d');
    await put(path.join(plugins, '10-p.mjs'), plugin(''));
    assert.deepEqual(
      (await loadUserPlugins(plugins)).map((p) => p.name),
      ['hostile-case'],
    );
  });

  it('a plugin owned by uid 65534: refused, naming the owner and chown root', async () => {
    const file = await put('plugins.d/10-p.mjs', plugin(helper()), 0o644, NOBODY);
    await refused(
      re(`refusing plugin ${file}: it is owned by uid 65534, not root (mode 644)`),
      re(`chown root ${file}`),
    );
  });

  it('a plugin that is a symlink into a directory uid 65534 owns: refused, naming that directory', async () => {
    const theirs = path.join(dir, 'theirs');
    await mkdir(theirs, { mode: 0o755 });
    await chown(theirs, NOBODY, NOBODY);
    const target = await put(path.join(theirs, 'p.mjs'), plugin(helper()));
    await symlink(target, path.join(plugins, '10-p.mjs'));
    await refused(re(`the directory ${theirs} above it is owned by uid 65534, not root`));
  });

  it('a symlink owned by uid 65534 in a sticky directory, pointing at a root file: refused, naming the symlink', async () => {
    const sticky = path.join(dir, 'sticky');
    await mkdir(sticky);
    await chmod(sticky, 0o1777);
    const real = await put('safe/p.mjs', plugin(''));
    const link = path.join(sticky, 'p.mjs');
    await symlink(real, link);
    await lchown(link, NOBODY, NOBODY);
    await symlink(link, path.join(plugins, '10-p.mjs'));
    await refused(re(`the symlink ${link} on the way to it is owned by uid 65534`));
  });

  it('a re-export (export * from) of a file uid 65534 owns: refused', async () => {
    const lib = await put('lib/re.mjs', helper(), 0o644, NOBODY);
    await put('plugins.d/10-p.mjs', `export * from '../lib/re.mjs';\nexport const plugin = { name: 'reexport' };\n`);
    await refused(re(`the file ${lib} it imports is owned by uid 65534, not root`));
  });

  it('a literal dynamic import of a group-writable file, by absolute path: refused', async () => {
    const lib = await put('lib/late.mjs', helper(), 0o620);
    await put('plugins.d/10-p.mjs', plugin(`export async function later() { return import(${JSON.stringify(lib)}); }`));
    await refused(re(`the file ${lib} it imports is writable by group or others`));
  });

  it('an import whose module name is computed at run time: refused, naming the line', async () => {
    const file = await put(
      'plugins.d/10-p.mjs',
      plugin("const name = '../lib/' + 'x.mjs';\nexport const later = () => import(name);"),
    );
    await refused(
      re(`${file}:2 loads a module whose name is computed at run time (export const later = () => import(name);)`),
    );
  });

  it('a bare package import whose file in node_modules is group-writable: refused, naming that file', async () => {
    await put(
      'node_modules/evil-pkg/package.json',
      JSON.stringify({ name: 'evil-pkg', type: 'module', main: 'index.js' }),
    );
    const index = await put('node_modules/evil-pkg/index.js', helper(), 0o664);
    await put('plugins.d/10-p.mjs', plugin("import { helper } from 'evil-pkg';"));
    await refused(re(`the file ${index} it imports is writable by group or others`));
  });

  it('a bare package whose package.json (which steers resolution) others may write: refused', async () => {
    const pkg = await put(
      'node_modules/evil-pkg/package.json',
      JSON.stringify({ name: 'evil-pkg', type: 'module', main: 'index.js' }),
      0o646,
    );
    await put('node_modules/evil-pkg/index.js', 'export const helper = 1;\n');
    await put('plugins.d/10-p.mjs', plugin("import { helper } from 'evil-pkg';"));
    await refused(re(`the file ${pkg} it imports is writable by group or others`));
  });

  it('a .ts config importing a file uid 65534 owns: the real CLI exits 2 naming it, and runs none of it', async () => {
    const lib = await put(
      'lib/wans.ts',
      `${helper()}export const wans = [{ name: 'isp1', device: 'wan1' }];\n`,
      0o644,
      NOBODY,
    );
    const config = await put('mwan.config.ts', "import { wans } from './lib/wans.ts';\nexport default { wans };\n");
    const r = await execa(process.execPath, [MWANCTL, '--config', config, 'check'], { reject: false });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(
      r.stderr,
      re(`refusing configuration ${config}: the file ${lib} it imports is owned by uid 65534, not root`),
    );
    assert.equal(existsSync(marker), false, 'the unsafe import ran');
  });

  describe('the launcher (a private copy of cli/mwanctl.js in a temp tree)', () => {
    let tree: string;
    const STAMP_MARK = '\n//# mwan-build-stamp ';
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
    const source = 'export const x = 1;\n';

    beforeEach(async () => {
      tree = await mkdtemp(path.join(base, 'tree-'));
      await mkdir(path.join(tree, 'cli'), { recursive: true });
      await mkdir(path.join(tree, 'core/plugin'), { recursive: true });
      await mkdir(path.join(tree, 'tmp'));
      await copyFile(MWANCTL, path.join(tree, 'cli/mwanctl.js'));
      await copyFile(
        path.join(REPO, 'core/plugin/tsconfig.plugins.json'),
        path.join(tree, 'core/plugin/tsconfig.plugins.json'),
      );
      await symlink(path.join(REPO, 'node_modules'), path.join(tree, 'node_modules'));
      await writeFile(path.join(tree, 'package.json'), '{ "type": "module" }\n');
      await writeFile(path.join(tree, 'cli/main.ts'), "const who: string = 'sources';\nconsole.log(`${who} ran`);\n");
      await writeFile(path.join(tree, 'core/source.ts'), source);
      await writeFile(
        path.join(tree, 'cli/mwanctl.bundle.mjs'),
        `console.log('bundle ran');${STAMP_MARK}${JSON.stringify({ inputs: { 'core/source.ts': sha256(source) } })}\n`,
      );
    });

    const launch = (env: Record<string, string> = {}) =>
      execa(process.execPath, [path.join(tree, 'cli/mwanctl.js')], {
        reject: false,
        env: { TMPDIR: path.join(tree, 'tmp'), ...env },
      });

    it('runs the bundle while its stamp matches, whatever the file times say', async () => {
      const fresh = await launch();
      assert.deepEqual([fresh.stdout, fresh.stderr], ['bundle ran', '']);
      const later = new Date(Date.now() + 3600_000);
      await utimes(path.join(tree, 'core/source.ts'), later, later);
      const touched = await launch({ MWANCTL_INSTALLED: '1' });
      assert.deepEqual([touched.stdout, touched.stderr, touched.exitCode], ['bundle ran', '', 0]);
    });

    it('a stale bundle (a source changed, file times older): the installed wrapper refuses with exit 1; a checkout says so and runs the sources', async () => {
      await writeFile(path.join(tree, 'core/source.ts'), 'export const x = 2;\n');
      const past = new Date(Date.now() - 3600_000);
      await utimes(path.join(tree, 'core/source.ts'), past, past); // older than the bundle: a time-based check would run it
      const installed = await launch({ MWANCTL_INSTALLED: '1' });
      assert.equal(installed.exitCode, 1);
      assert.equal(installed.stdout, '');
      assert.match(
        installed.stderr,
        /^mwanctl: refusing to run: cli\/mwanctl\.bundle\.mjs is stale: core\/source\.ts changed since it was built; the installed mwanctl runs only an up-to-date bundle: run `npm run build`/,
      );
      const checkout = await launch();
      assert.equal(checkout.stdout, 'sources ran');
      assert.equal(checkout.stderr.trim().split('\n').length, 1, checkout.stderr);
      assert.match(
        checkout.stderr,
        /core\/source\.ts changed since it was built; running the TypeScript sources through tsx instead/,
      );
    });

    it('a bundle without a build stamp is stale', async () => {
      await writeFile(path.join(tree, 'cli/mwanctl.bundle.mjs'), "console.log('bundle ran');\n");
      const installed = await launch({ MWANCTL_INSTALLED: '1' });
      assert.equal(installed.exitCode, 1);
      assert.match(installed.stderr, /mwanctl\.bundle\.mjs carries no build stamp/);
    });

    it('a tsx transform cache planted in $TMPDIR/tsx-0 is never read nor written', async () => {
      await rm(path.join(tree, 'cli/mwanctl.bundle.mjs')); // the launcher runs the sources through tsx
      const cacheDir = path.join(tree, 'tmp', `tsx-${process.getuid!()}`);
      // Plant: let tsx (cache on) fill the cache for main.ts, then replace the cached code with the attacker's.
      const fill = () =>
        execa(
          process.execPath,
          [
            '--import',
            'tsx',
            '--input-type=module',
            '-e',
            `await import(${JSON.stringify(path.join(tree, 'cli/main.ts'))}); await new Promise((r) => setTimeout(r, 300));`,
          ],
          {
            env: {
              TMPDIR: path.join(tree, 'tmp'),
              TSX_TSCONFIG_PATH: path.join(tree, 'core/plugin/tsconfig.plugins.json'),
              TSX_DISABLE_CACHE: '',
            },
          },
        );
      await fill();
      const planted = await readdir(cacheDir);
      assert.ok(planted.length > 0, 'tsx wrote no cache to plant');
      for (const f of planted) {
        const entry = JSON.parse(await readFile(path.join(cacheDir, f), 'utf8'));
        await writeFile(
          path.join(cacheDir, f),
          JSON.stringify({ ...entry, code: 'console.log("planted cache ran");' }),
        );
      }
      assert.equal((await fill()).stdout, 'planted cache ran', 'the plant must work against a tsx with its cache on');

      const r = await launch();
      assert.equal(r.stdout, 'sources ran', r.stderr);
      assert.deepEqual((await readdir(cacheDir)).sort(), planted.sort(), 'mwanctl wrote to the tsx cache');
    });
  });
});
