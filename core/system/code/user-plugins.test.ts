// Tests loading user plugins from a directory: .ts/.js files in sorted order, refusal of unsafe files, invalid exports.
import assert from 'node:assert/strict';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MwanError } from '../../errors.ts';
import { assertSafeFile, loadUserPlugins, pluginsDirOf, validatePlugin } from './user-plugins.ts';
import { expectCode } from '../../../test/kit/errors.ts';

// Mocha require()s spec files, and under require() tsx's `tsImport` (used to load plugins) points its loader at a
// path that does not exist. A top-level await makes mocha import() this file as ESM instead, as mwanctl runs.
const root = await mkdtemp(path.join(os.tmpdir(), 'mwan-plugins-'));
const isRoot = process.getuid?.() === 0;

const TS_PLUGIN = [
  `import type { MwanPlugin } from '${path.resolve('plugin-api/types.ts')}';`,
  "const plugin: MwanPlugin = { name: 'from-ts', dependencies: ['route-tables'], contribute(d) { d.counter('ts'); } };",
  'export default plugin;',
  '',
].join('\n');
const JS_PLUGIN = "export default { name: 'from-js', setup() {} };\n";
const MJS_NAMED = "export const plugin = { name: 'from-mjs' };\n";

function refused(...patterns: RegExp[]) {
  return (error: unknown) => {
    assert.ok(error instanceof MwanError, String(error));
    assert.equal(error.code, 'MWAN_PLUGIN_UNSAFE_FILE');
    for (const p of patterns) assert.match(error.message, p);
    return true;
  };
}

describe('user plugins', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(root, 'plugins.d-'));
    await chmod(dir, 0o755);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const put = async (name: string, text: string, mode = 0o644) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    await chmod(file, mode);
    return file;
  };

  describe('loadUserPlugins', () => {
    it('loads .ts, .js and .mjs plugins in sorted file-name order, skipping other files', async () => {
      await put('20-second.js', JS_PLUGIN);
      await put('10-first.ts', TS_PLUGIN);
      await put('30-third.mjs', MJS_NAMED);
      await put('README.txt', 'not a plugin');
      await put('types.d.ts', 'export {};\n');
      await put('.hidden.ts', "export default { name: 'hidden' };\n");
      const plugins = await loadUserPlugins(dir);
      assert.deepEqual(
        plugins.map((p) => p.name),
        ['from-ts', 'from-js', 'from-mjs'],
      );
      assert.deepEqual(plugins[0].dependencies, ['route-tables']);
      assert.equal(typeof plugins[0].contribute, 'function');
      assert.equal(typeof plugins[1].setup, 'function');
    });

    it('returns no plugins for a directory that does not exist', async () => {
      assert.deepEqual(await loadUserPlugins(path.join(dir, 'missing')), []);
    });

    it('rejects a module whose export is not a valid plugin, naming the file', async () => {
      const file = await put('bad.ts', "export default { name: 'Not Valid' };\n");
      await assert.rejects(loadUserPlugins(dir), (error: unknown) => {
        assert.ok(error instanceof MwanError);
        assert.equal(error.code, 'MWAN_PLUGIN_INVALID');
        assert.ok(error.message.includes(file), error.message);
        assert.match(error.message, /name "Not Valid"/);
        return true;
      });
    });

    it('loads a .ts plugin that uses the `plugin` named export', async () => {
      await put('10-named.ts', "export const plugin = { name: 'named-ts' };\n");
      assert.deepEqual(
        (await loadUserPlugins(dir)).map((p) => p.name),
        ['named-ts'],
      );
    });

    it('tells a .js file without a plugin export that it must export one', async () => {
      await put('nothing.js', 'export const helper = 1;\n');
      await assert.rejects(loadUserPlugins(dir), /must export a plugin object/);
    });

    it('rejects an ES module without a default or `plugin` export', async () => {
      await put('nothing.mjs', 'export const helper = 1;\n');
      await assert.rejects(loadUserPlugins(dir), (error: unknown) => {
        assert.ok(error instanceof MwanError);
        assert.equal(error.code, 'MWAN_PLUGIN_INVALID');
        assert.match(error.message, /nothing\.mjs/);
        assert.match(error.message, /must export a plugin object/);
        return true;
      });
    });

    it('reports a plugin that cannot be loaded, naming the file', async () => {
      const file = await put('broken.ts', 'export default { name: ;\n');
      await assert.rejects(loadUserPlugins(dir), (error: unknown) => {
        assert.ok(error instanceof MwanError);
        assert.equal(error.code, 'MWAN_PLUGIN_INVALID');
        assert.ok(error.message.includes(`cannot load plugin ${file}`), error.message);
        return true;
      });
    });

    it('refuses a group-writable plugin file when running as root', async function () {
      if (!isRoot) this.skip();
      const file = await put('10-ok.js', JS_PLUGIN, 0o664);
      await assert.rejects(
        loadUserPlugins(dir),
        refused(new RegExp(`refusing plugin ${file}`), /writable by group or others/, /mode 664/, /chmod go-w/),
      );
    });

    it('refuses a plugins directory others can write to when running as root', async function () {
      if (!isRoot) this.skip();
      await put('10-ok.js', JS_PLUGIN);
      await chmod(dir, 0o777);
      await assert.rejects(
        loadUserPlugins(dir),
        refused(
          new RegExp(`refusing plugin ${dir}/10-ok\\.js: the directory ${dir} above it is writable by group or others`),
          /mode 777/,
          /no sticky bit/,
          /chmod go-w/,
        ),
      );
    });
  });

  describe('assertSafeFile', () => {
    it('refuses a file not owned by root, saying who owns it and how to fix it', async () => {
      const file = await put('foreign.ts', JS_PLUGIN);
      if (isRoot) await chown(file, 1, 1);
      const owner = isRoot ? 1 : process.getuid!();
      await assert.rejects(
        assertSafeFile(file, 0),
        refused(new RegExp(`owned by uid ${owner}, not root`), /chown root/),
      );
    });

    it('refuses a file others can write to', async function () {
      if (!isRoot) this.skip();
      const file = await put('open.ts', JS_PLUGIN, 0o646);
      await assert.rejects(assertSafeFile(file, 0), refused(/writable by group or others/, /mode 646/));
    });

    it('accepts a root-owned file writable only by its owner', async function () {
      if (!isRoot) this.skip();
      const file = await put('fine.ts', JS_PLUGIN, 0o644);
      await assert.doesNotReject(assertSafeFile(file, 0));
    });

    it('when not running as root, accepts files of root or the invoking user but still refuses ones others can write', async function () {
      if (!isRoot) this.skip();
      const file = await put('mine.ts', JS_PLUGIN, 0o644);
      await chown(file, 1000, 1000);
      await assert.doesNotReject(assertSafeFile(file, 1000));
      await assert.rejects(assertSafeFile(file, 1001), refused(/owned by uid 1000, not root or uid 1001/));
      await chmod(file, 0o666);
      await assert.rejects(assertSafeFile(file, 1000), refused(/writable by group or others/, /mode 666/));
    });
  });

  describe('pluginsDirOf', () => {
    it('defaults to plugins.d beside the config file and resolves a relative pluginsDir against it', () => {
      assert.equal(pluginsDirOf('/etc/mwan'), '/etc/mwan/plugins.d');
      assert.equal(pluginsDirOf('/etc/mwan', 'extra'), '/etc/mwan/extra');
      assert.equal(pluginsDirOf('/etc/mwan', '/srv/mwan-plugins'), '/srv/mwan-plugins');
    });
  });
});

describe('validatePlugin', () => {
  it('accepts a minimal plugin and returns it', () => {
    const p = { name: 'probe-http', dependencies: ['route-tables'], setup() {} };
    assert.equal(validatePlugin(p, 'test'), p);
  });

  for (const [what, value, pattern] of [
    ['a module without a plugin object', undefined, /must export a plugin object/],
    ['a string', 'marker', /must export a plugin object/],
    ['an upper-case name', { name: 'Marker' }, /name "Marker" must be lower-case/],
    ['a name with a space', { name: 'my plugin' }, /name "my plugin"/],
    ['a missing name', {}, /name undefined/],
    ['a name starting with a digit', { name: '1st' }, /name "1st"/],
  ] as const) {
    it(`rejects ${what}, naming where it came from`, () => {
      assert.throws(
        () => validatePlugin(value, '/etc/mwan/plugins.d/x.ts'),
        expectCode('MWAN_PLUGIN_INVALID', /\/etc\/mwan\/plugins\.d\/x\.ts/, pattern),
      );
    });
  }

  for (const hook of ['setup', 'contribute', 'teardown', 'kernelExtras'] as const) {
    it(`rejects a ${hook} that is not a function`, () => {
      assert.throws(
        () => validatePlugin({ name: 'broken', [hook]: 'yes' }, 'test'),
        expectCode('MWAN_PLUGIN_INVALID', new RegExp(`${hook} of plugin 'broken' must be a function`)),
      );
    });
  }

  it('rejects options without a parse function', () => {
    assert.throws(
      () => validatePlugin({ name: 'x', options: { schema: {} } }, 'test'),
      expectCode('MWAN_PLUGIN_INVALID', /options of plugin 'x' must be an object with a parse\(raw, config\) function/),
    );
  });

  it('rejects dependencies that are not an array of names', () => {
    assert.throws(
      () => validatePlugin({ name: 'x', dependencies: 'route-tables' }, 'test'),
      expectCode('MWAN_PLUGIN_INVALID', /dependencies of plugin 'x'/),
    );
    assert.throws(
      () => validatePlugin({ name: 'x', dependencies: [1] }, 'test'),
      expectCode('MWAN_PLUGIN_INVALID', /dependencies/),
    );
  });
});
