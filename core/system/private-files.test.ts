// Tests the root-only record files: atomic 0600 writes, and links, foreign modes, oversized files refused with a line.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, truncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PRIVATE_FILE_MAX_BYTES, privateFiles } from './private-files.ts';

describe('private state files', () => {
  let dir: string;
  let warnings: string[];
  const files = () => privateFiles(dir, (m) => warnings.push(m));
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-private-'));
    chmodSync(dir, 0o755);
    warnings = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes atomically with mode 0600 and reads it back; an absent file reads as null', async () => {
    const f = files();
    assert.equal(await f.read('history.json'), null);
    await f.write('history.json', '{"a":1}\n');
    assert.equal(statSync(path.join(dir, 'history.json')).mode & 0o777, 0o600);
    assert.equal(await f.read('history.json'), '{"a":1}\n');
    assert.deepEqual(warnings, []);
  });
  it('refuses a symbolic link, a file others may read or write, and an oversized file, each with a line naming it', async () => {
    writeFileSync(path.join(dir, 'target'), 'x');
    symlinkSync(path.join(dir, 'target'), path.join(dir, 'a.json'));
    writeFileSync(path.join(dir, 'b.json'), '{}', { mode: 0o600 });
    chmodSync(path.join(dir, 'b.json'), 0o666);
    writeFileSync(path.join(dir, 'c.json'), '', { mode: 0o600 });
    truncateSync(path.join(dir, 'c.json'), PRIVATE_FILE_MAX_BYTES + 1);
    const f = files();
    assert.equal(await f.read('a.json'), null);
    assert.equal(await f.read('b.json'), null);
    assert.equal(await f.read('c.json'), null);
    assert.match(warnings[0], /a\.json: it is a symbolic link/);
    assert.match(warnings[1], /b\.json has mode 0666/);
    assert.match(warnings[2], /c\.json is larger than/);
  });
  it('a write replaces a planted link instead of following it; names are checked', async () => {
    writeFileSync(path.join(dir, 'target'), 'keep');
    symlinkSync(path.join(dir, 'target'), path.join(dir, 'quota.json'));
    await files().write('quota.json', '{}');
    assert.equal(statSync(path.join(dir, 'target')).size, 4);
    await assert.rejects(files().write('../x.json', ''), /bad state file name/);
  });
});
