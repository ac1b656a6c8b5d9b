// Every example configuration shipped in config/ is valid, and each seed topology has one.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../cli/config.ts';

const dir = fileURLToPath(new URL('../../config/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('example configurations', () => {
  it('there is one per seed document (000, 002, 003, 004)', () => {
    for (const seed of ['000', '002', '003', '004'])
      assert.ok(
        files.some((f) => f.startsWith(`seed-${seed}-`)),
        `no example for seed ${seed}`,
      );
  });

  for (const file of files) {
    it(`${file} is valid and gives every WAN distinct ids`, async () => {
      const { config, layout } = await loadConfig(path.join(dir, file));
      assert.ok(config.wans.length >= 2);
      const ids = config.wans.map((w) => layout.wans.get(w.name)!.id);
      assert.equal(new Set(ids).size, ids.length);
    });
  }
});
