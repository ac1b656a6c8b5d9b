// Tests configuration loading: parseConfig's coded errors, loadConfig from YAML, JSON and .ts files, missing files, the /etc/mwan search and the file limits.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { MwanError } from '../errors.ts';
import { FILE_LIMITS } from './file-limits.ts';
import { parseConfig } from '../../config/schema/parse.ts';
import { loadConfig } from './config-file.ts';

// Mocha require()s spec files, and under require() tsx's `tsImport` (used to load .ts configs) points its loader at a
// path that does not exist. A top-level await makes mocha import() this file as ESM instead, as mwanctl runs.
const root = await mkdtemp(path.join(os.tmpdir(), 'mwan-load-'));

describe('config loading', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(root, 'case-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const write = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  };

  describe('parseConfig', () => {
    it('returns the config, its layout and the source', () => {
      const loaded = parseConfig({ wans: [{ name: 'isp1', device: 'wan1' }] });
      assert.equal(loaded.source, '(inline)');
      assert.equal(loaded.dir, process.cwd());
      assert.equal(loaded.config.wans[0].name, 'isp1');
      assert.ok(loaded.layout.wans.has('isp1'));
    });

    it('names the source in the error and uses the MWAN_CONFIG_INVALID code', () => {
      assert.throws(
        () => parseConfig({ wans: [] }, '/etc/mwan/mwan.config.yaml'),
        (error: unknown) => {
          assert.ok(error instanceof MwanError);
          assert.equal(error.code, 'MWAN_CONFIG_INVALID');
          assert.match(error.message, /^invalid configuration in \/etc\/mwan\/mwan\.config\.yaml:\nwans: /);
          return true;
        },
      );
    });

    it('reports layout problems (ids that do not fit the mask) as invalid configuration', () => {
      assert.throws(
        () => parseConfig({ wans: [{ name: 'isp1', device: 'wan1', id: 300 }] }),
        (error: unknown) => {
          assert.ok(error instanceof MwanError);
          assert.equal(error.code, 'MWAN_CONFIG_INVALID');
          assert.match(error.message, /isp1/);
          assert.match(error.message, /300/);
          assert.match(error.message, /at most 255/);
          return true;
        },
      );
    });
  });

  describe('loadConfig(file)', () => {
    it('loads a YAML file and applies defaults', async () => {
      const file = await write(
        'mwan.config.yaml',
        [
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
        ].join('\n'),
      );
      const loaded = await loadConfig(file);
      assert.equal(loaded.source, file);
      assert.equal(loaded.dir, dir);
      assert.equal(loaded.config.mode, 'failover');
      assert.deepEqual(
        loaded.config.wans.map((w) => [w.name, w.gateway, w.tier, w.weight]),
        [
          ['isp1', '100.64.1.1', 1, 1],
          ['isp2', 'auto', 2, 1],
        ],
      );
      assert.deepEqual(loaded.config.lan, [{ device: 'lan0' }]);
      assert.deepEqual([...loaded.layout.wans.keys()].sort(), ['isp1', 'isp2']);
    });

    it('loads a .ts file with a default export', async () => {
      const file = await write(
        'mwan.config.ts',
        [
          'const weights: Record<string, number> = { isp1: 3, isp2: 1 };',
          'export default {',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the text of a .ts config file written to disk
          '  wans: Object.entries(weights).map(([name, weight], i) => ({ name, device: `wan${i + 1}`, weight })),',
          '};',
          '',
        ].join('\n'),
      );
      const loaded = await loadConfig(file);
      assert.equal(loaded.source, file);
      assert.deepEqual(
        loaded.config.wans.map((w) => [w.name, w.device, w.weight]),
        [
          ['isp1', 'wan1', 3],
          ['isp2', 'wan2', 1],
        ],
      );
    });

    it('loads a JSON file', async () => {
      const file = await write('config.json', JSON.stringify({ wans: [{ name: 'isp1', device: 'wan1', weight: 3 }] }));
      const loaded = await loadConfig(file);
      assert.equal(loaded.config.wans[0].weight, 3);
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
    it('never searches the working directory, and says what it searched', async () => {
      await write('mwan.config.json', JSON.stringify({ wans: [{ name: 'found', device: 'wan1' }] }));
      const system = await mkdtemp(path.join(root, 'etc-'));
      const cwd = process.cwd();
      process.chdir(dir);
      try {
        await assert.rejects(loadConfig(undefined, [], system), (error: unknown) => {
          assert.ok(error instanceof MwanError);
          assert.equal(error.code, 'MWAN_CONFIG_NOT_FOUND');
          assert.ok(
            error.message.includes(
              `config.yaml, config.yml, config.json, config.ts, config.js, mwan.config.yaml, mwan.config.yml, mwan.config.json, mwan.config.ts, mwan.config.js in ${system}`,
            ),
            error.message,
          );
          assert.match(error.message, /pass --config FILE/);
          assert.match(error.message, /the working directory is never searched/);
          return true;
        });
      } finally {
        process.chdir(cwd);
      }
    });

    it('finds the one configuration in the system directory', async () => {
      const file = path.join(dir, 'config.yaml');
      await writeFile(file, 'wans:\n  - name: sys\n    device: wan1\n');
      const loaded = await loadConfig(undefined, [], dir);
      assert.equal(loaded.source, file);
      assert.equal(loaded.config.wans[0].name, 'sys');
    });

    it('refuses to choose between two configurations in the system directory', async () => {
      await write('config.yaml', 'wans:\n  - name: a\n    device: wan1\n');
      await write('mwan.config.json', JSON.stringify({ wans: [{ name: 'b', device: 'wan1' }] }));
      await assert.rejects(
        loadConfig(undefined, [], dir),
        /several configurations in .*config\.yaml, .*mwan\.config\.json.*keep one, or pass --config FILE/,
      );
    });
  });

  describe('file limits', () => {
    const refusedFor =
      (file: string, ...patterns: RegExp[]) =>
      (error: unknown) => {
        assert.ok(error instanceof MwanError, String(error));
        assert.equal(error.code, 'MWAN_CONFIG_INVALID');
        assert.ok(error.message.startsWith(`refusing configuration ${file}: `), error.message);
        for (const p of patterns) assert.match(error.message, p);
        return true;
      };

    it('refuses a file larger than 1 MiB before parsing it', async () => {
      const file = await write('big.yaml', `# ${'x'.repeat(FILE_LIMITS.bytes)}\nwans: []\n`);
      await assert.rejects(loadConfig(file), refusedFor(file, /1\.0 MiB; the limit for a configuration file is 1 MiB/));
    });

    it('accepts nesting up to the limit and refuses one level more (JSON)', async () => {
      const nest = (n: number) => ({
        wans: [{ name: 'isp1', device: 'wan1' }],
        x: JSON.parse('['.repeat(n) + ']'.repeat(n)),
      });
      const ok = await write('ok.json', JSON.stringify(nest(FILE_LIMITS.depth - 1)));
      await assert.rejects(loadConfig(ok), /unknown field "x"/); // parsed, then refused by the schema, not by the limit
      const deep = await write('deep.json', JSON.stringify(nest(FILE_LIMITS.depth)));
      await assert.rejects(loadConfig(deep), refusedFor(deep, /more than 64 levels deep \(the limit\)/));
    });

    it('refuses deep YAML flow nesting without overflowing the stack', async () => {
      const file = await write('deep.yaml', `wans: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
      await assert.rejects(loadConfig(file), refusedFor(file, /more than 64 levels deep/));
    });

    it('refuses YAML aliases that expand exponentially (billion laughs)', async () => {
      let text = 'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n';
      let previous = 'a';
      for (const name of 'bcdefghi') {
        text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]\n`;
        previous = name;
      }
      const file = await write('bomb.yaml', `${text}wans: *i\n`);
      await assert.rejects(
        loadConfig(file),
        refusedFor(file, /aliases \(\*name\) are expanded more than 100 times \(the limit\)/),
      );
    });

    it('accepts a few aliases', async () => {
      const file = await write(
        'aliases.yaml',
        'x-probe: &probe [{ target: 192.0.2.1 }]\nwans:\n  - { name: isp1, device: wan1, probes: *probe }\n  - { name: isp2, device: wan2, probes: *probe }\n',
      );
      await assert.rejects(loadConfig(file), /unknown field "x-probe"/); // got past the limits to the schema
    });
  });
});
