// Tests configuration loading: parseConfig's coded errors and issue formatting, loadConfig from YAML, JSON and .ts files, missing files.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MwanError } from '../errors.ts';
import { formatIssues, loadConfig, parseConfig } from './load.ts';
import { configSchema } from './schema.ts';

// Mocha require()s spec files, and under require() tsx's `tsImport` (used to load .ts configs) points its loader at a
// path that does not exist. A top-level await makes mocha import() this file as ESM instead, as mwanctl runs.
const root = await mkdtemp(path.join(os.tmpdir(), 'mwan-load-'));

describe('config loading', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(path.join(root, 'case-')); });
  after(async () => { await rm(root, { recursive: true, force: true }); });

  const write = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  };

  describe('formatIssues', () => {
    it('writes one "path: got value; rule" line per issue, with array indexes in brackets', () => {
      const result = configSchema.safeParse({ wans: [{ name: 'isp1', device: 'wan1', probes: [{ target: 'a b' }] }], kernel: { tableBase: 0 } }, { reportInput: true });
      assert.equal(result.success, false);
      const lines = formatIssues(result.error!.issues).split('\n');
      assert.equal(lines.length, 2);
      assert.ok(lines.some((l) => l.startsWith('wans[0].probes[0].target: got "a b"; ')), lines.join('\n'));
      assert.ok(lines.some((l) => l.startsWith('kernel.tableBase: got 0; ')), lines.join('\n'));
    });

    it('shortens a long bad value', () => {
      const long = 'x'.repeat(200);
      const result = configSchema.safeParse({ wans: [{ name: 'isp1', device: 'wan1' }], stateDir: long }, { reportInput: true });
      const line = formatIssues(result.error!.issues);
      assert.ok(line.startsWith('stateDir: got "xxx'));
      assert.ok(line.includes('...'));
      assert.ok(line.length < 150, line);
    });
  });

  describe('parseConfig', () => {
    it('returns the config, its layout and the source', () => {
      const loaded = parseConfig({ wans: [{ name: 'isp1', device: 'wan1' }] });
      assert.equal(loaded.source, '(inline)');
      assert.equal(loaded.dir, process.cwd());
      assert.equal(loaded.config.wans[0].name, 'isp1');
      assert.ok(loaded.layout.wans.has('isp1'));
    });

    it('names the source in the error and uses the MWAN_CONFIG_INVALID code', () => {
      assert.throws(() => parseConfig({ wans: [] }, '/etc/mwan/mwan.config.yaml'), (error: unknown) => {
        assert.ok(error instanceof MwanError);
        assert.equal(error.code, 'MWAN_CONFIG_INVALID');
        assert.match(error.message, /^invalid configuration in \/etc\/mwan\/mwan\.config\.yaml:\nwans: /);
        return true;
      });
    });

    it('reports layout problems (ids that do not fit the mask) as invalid configuration', () => {
      assert.throws(() => parseConfig({ wans: [{ name: 'isp1', device: 'wan1', id: 300 }] }), (error: unknown) => {
        assert.ok(error instanceof MwanError);
        assert.equal(error.code, 'MWAN_CONFIG_INVALID');
        assert.match(error.message, /isp1/);
        assert.match(error.message, /300/);
        assert.match(error.message, /at most 255/);
        return true;
      });
    });
  });

  describe('loadConfig(file)', () => {
    it('loads a YAML file and applies defaults', async () => {
      const file = await write('mwan.config.yaml', [
        'mode: failover',
        'lan:',
        '  - device: lan0',
        'wans:',
        '  - name: isp1',
        '    device: wan1',
        '    gateway: 100.64.1.1',
        '  - name: isp2',
        '    device: wan2',
        '    tier: 2',
        '',
      ].join('\n'));
      const loaded = await loadConfig(file);
      assert.equal(loaded.source, file);
      assert.equal(loaded.dir, dir);
      assert.equal(loaded.config.mode, 'failover');
      assert.deepEqual(loaded.config.wans.map((w) => [w.name, w.gateway, w.tier, w.weight]), [['isp1', '100.64.1.1', 1, 1], ['isp2', 'auto', 2, 1]]);
      assert.deepEqual(loaded.config.lan, [{ device: 'lan0' }]);
      assert.deepEqual([...loaded.layout.wans.keys()].sort(), ['isp1', 'isp2']);
    });

    it('loads a .ts file with a default export', async () => {
      const file = await write('mwan.config.ts', [
        "const weights: Record<string, number> = { isp1: 3, isp2: 1 };",
        "export default {",
        "  wans: Object.entries(weights).map(([name, weight], i) => ({ name, device: `wan${i + 1}`, weight })),",
        "};",
        '',
      ].join('\n'));
      const loaded = await loadConfig(file);
      assert.equal(loaded.source, file);
      assert.deepEqual(loaded.config.wans.map((w) => [w.name, w.device, w.weight]), [['isp1', 'wan1', 3], ['isp2', 'wan2', 1]]);
    });

    it('loads a JSON file', async () => {
      const file = await write('config.json', JSON.stringify({ wans: [{ name: 'isp1', device: 'wan1', snat: 'none' }] }));
      const loaded = await loadConfig(file);
      assert.equal(loaded.config.wans[0].snat, 'none');
    });

    it('names the file and the bad field when a file is invalid', async () => {
      const file = await write('mwan.config.yaml', 'wans:\n  - name: isp1\n    device: wan1\n    wieght: 3\n');
      await assert.rejects(loadConfig(file), (error: unknown) => {
        assert.ok(error instanceof MwanError);
        assert.equal(error.code, 'MWAN_CONFIG_INVALID');
        assert.ok(error.message.includes(file), error.message);
        assert.match(error.message, /wans\[0\]: .*unknown field.*\bwieght\b/);
        return true;
      });
    });

    it('fails with MWAN_CONFIG_NOT_FOUND naming a file that does not exist', async () => {
      const file = path.join(dir, 'nope.yaml');
      await assert.rejects(loadConfig(file), (error: unknown) => {
        assert.ok(error instanceof MwanError);
        assert.equal(error.code, 'MWAN_CONFIG_NOT_FOUND');
        assert.ok(error.message.includes(file), error.message);
        assert.match(error.message, /does not exist/);
        return true;
      });
    });

    it('reports a syntax error as unreadable configuration naming the file', async () => {
      const file = await write('broken.json', '{ "wans": [ ');
      await assert.rejects(loadConfig(file), (error: unknown) => {
        assert.ok(error instanceof MwanError);
        assert.equal(error.code, 'MWAN_CONFIG_INVALID');
        assert.ok(error.message.includes(file), error.message);
        return true;
      });
    });

    it('an empty file given explicitly is reported as empty, naming it', async () => {
      const file = await write('empty.yaml', '');
      await assert.rejects(loadConfig(file), (error: unknown) => {
        assert.ok(error instanceof MwanError);
        assert.ok(error.message.includes(file), error.message);
        assert.match(error.message, /empty/);
        return true;
      });
    });
  });

  describe('loadConfig() without a file', () => {
    it('finds mwan.config.* in the working directory', async () => {
      await write('mwan.config.json', JSON.stringify({ wans: [{ name: 'found', device: 'wan1' }] }));
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        const loaded = await loadConfig();
        assert.equal(loaded.config.wans[0].name, 'found');
        assert.equal(path.basename(loaded.source), 'mwan.config.json');
      } finally {
        process.chdir(cwd);
      }
    });
  });
});
