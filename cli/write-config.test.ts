// Tests the writing of generated configurations: no overwrite without --force, no directory others can write, no link followed.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeConfigFile } from './write-config.ts';

describe('writeConfigFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-write-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a new file 0640, refuses an existing one without force, replaces it with force', async () => {
    const file = path.join(dir, 'config.yaml');
    await writeConfigFile(file, 'a: 1\n', false);
    assert.equal(lstatSync(file).mode & 0o777, 0o640);
    await assert.rejects(writeConfigFile(file, 'b: 2\n', false), /exists; not overwriting it \(pass --force/);
    assert.equal(readFileSync(file, 'utf8'), 'a: 1\n');
    await writeConfigFile(file, 'b: 2\n', true);
    assert.equal(readFileSync(file, 'utf8'), 'b: 2\n');
  });

  it('creates a missing last directory; refuses a directory its group or others may write', async () => {
    await writeConfigFile(path.join(dir, 'mwan', 'config.yaml'), 'a: 1\n', false);
    assert.equal(readFileSync(path.join(dir, 'mwan', 'config.yaml'), 'utf8'), 'a: 1\n');
    chmodSync(dir, 0o777);
    await assert.rejects(
      writeConfigFile(path.join(dir, 'x.yaml'), 'a: 1\n', false),
      /refusing to write into .*: its group or others may write it \(mode 777\)/,
    );
  });

  it('replaces a link planted at the path (with force) instead of writing through it; without force refuses it', async () => {
    const victim = path.join(dir, 'victim');
    writeFileSync(victim, 'keep\n');
    const file = path.join(dir, 'config.yaml');
    symlinkSync(victim, file);
    await assert.rejects(writeConfigFile(file, 'a: 1\n', false), /exists/);
    await writeConfigFile(file, 'a: 1\n', true);
    assert.equal(readFileSync(victim, 'utf8'), 'keep\n');
    assert.ok(lstatSync(file).isFile());
  });
});
