// Tests the last good configuration: recorded in the state directory, read back as the same layout, found through a broken file.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, chmodSync, symlinkSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from './config.ts';
import { controlTarget, readLastConfig, recordLastConfig } from './last-applied.ts';

describe('last good configuration', () => {
  let dir: string;
  let stderr: string[];
  const write = process.stderr.write;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-last-'));
    stderr = [];
    process.stderr.write = ((s: string) => {
      stderr.push(s);
      return true;
    }) as typeof process.stderr.write;
  });
  afterEach(() => {
    process.stderr.write = write;
    rmSync(dir, { recursive: true, force: true });
  });

  const good = () => ({
    wans: [
      { name: 'isp1', device: 'wan1' },
      { name: 'isp2', device: 'wan2', weight: 3 },
    ],
    stateDir: path.join(dir, 'state'),
    control: { socket: path.join(dir, 'mwan.sock') },
  });

  it('is read back as the configuration that was recorded, with its source', async () => {
    const loaded = parseConfig(good(), path.join(dir, 'config.json'));
    await recordLastConfig(loaded);
    const back = await readLastConfig(path.join(dir, 'state'));
    assert.deepEqual([back?.config, back?.layout, back?.source], [loaded.config, loaded.layout, loaded.source]);
  });

  it("a broken file warns naming the field and yields the daemon's socket and the last good configuration", async () => {
    const file = path.join(dir, 'config.json');
    await recordLastConfig(parseConfig(good(), file));
    writeFileSync(file, JSON.stringify({ ...good(), wans: [{ name: 'isp1', device: 'wan1', weight: -3 }] }));
    const t = await controlTarget(file);
    assert.equal(t.socket, path.join(dir, 'mwan.sock'));
    assert.deepEqual(
      t.loaded?.config.wans.map((w) => w.weight),
      [1, 3],
    );
    assert.match(
      stderr.join(''),
      /^mwanctl: warning: invalid configuration in .*config\.json: wans\[0\]\.weight: got -3/m,
    );
    assert.match(stderr.join(''), /using the last good configuration \(of .*config\.json, recorded in /);
  });

  it('nothing recorded, or a record in an unsafe directory or behind a link, gives no configuration (the error stays)', async () => {
    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ ...good(), wans: [] }));
    const none = await controlTarget(file);
    assert.equal(none.loaded, undefined);
    assert.match(String(none.configError?.message), /wans: .*at least one WAN/);
    await recordLastConfig(parseConfig(good(), file));
    const state = path.join(dir, 'state');
    chmodSync(state, 0o777);
    assert.equal(await readLastConfig(state), undefined);
    chmodSync(state, 0o755);
    const record = path.join(state, 'last-config.json');
    writeFileSync(path.join(dir, 'elsewhere.json'), JSON.stringify({ source: file, config: good() }));
    unlinkSync(record);
    symlinkSync(path.join(dir, 'elsewhere.json'), record);
    assert.equal(await readLastConfig(state), undefined);
  });
});
