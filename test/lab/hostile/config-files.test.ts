// Hostile configuration files through the real CLI: too big, too deep, alias bombs, not a regular file, a foreign owner, an unsafe .js config, the working directory never searched.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const MWANCTL = fileURLToPath(new URL('../../../cli/mwanctl.js', import.meta.url));
const isRoot = process.getuid?.() === 0;
const VALID = 'wans:\n  - name: isp1\n    device: wan1\n';

describe('hostile: configuration files (mwanctl check)', function () {
  this.timeout(60000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mwan-hostile-config-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (name: string, text: string) => {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  };
  /** Runs `mwanctl check` (in `cwd`); returns the exit code and mwanctl's own error line (not the stale-bundle notice). */
  async function check(
    config: string | undefined,
    cwd = dir,
  ): Promise<{ exitCode: number; line: string; stderr: string }> {
    const r = await execa(process.execPath, [MWANCTL, ...(config ? ['--config', config] : []), 'check'], {
      reject: false,
      cwd,
      timeout: 30000,
    });
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('mwanctl: MWAN_'));
    return { exitCode: r.exitCode ?? -1, line: lines.join('\n'), stderr: r.stderr };
  }
  /** Exit 2, exactly one error line naming the file, each pattern matches, and no stack overflow. */
  function assertRefused(
    r: { exitCode: number; line: string; stderr: string },
    file: string,
    ...patterns: RegExp[]
  ): void {
    assert.equal(r.exitCode, 2, r.stderr);
    assert.equal(r.line.split('\n').length, 1, r.stderr);
    assert.ok(r.line.includes(file), r.stderr);
    for (const p of patterns) assert.match(r.line, p);
    assert.doesNotMatch(r.stderr, /Maximum call stack|RangeError/);
  }

  it('a 200,000-level JSON: exit 2 and one line naming the file and the depth limit', async () => {
    const file = await write('deep.json', `${'['.repeat(200_000)}${']'.repeat(200_000)}`);
    assertRefused(await check(file), file, /more than 64 levels deep \(the limit\)/);
  });

  it('a 200,000-level YAML (flow lists): exit 2 and one line naming the file and the depth limit', async () => {
    const file = await write('deep.yaml', `wans: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`);
    assertRefused(await check(file), file, /more than 64 levels deep \(the limit\)/);
  });

  it('a billion-laughs YAML: exit 2, refused by the alias limit', async () => {
    let text = 'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
    let previous = 'a';
    for (const name of 'bcdefghi') {
      text += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]\n`;
      previous = name;
    }
    const file = await write('bomb.yaml', `${text}wans: *i\n`);
    assertRefused(await check(file), file, /aliases \(\*name\) are expanded more than 100 times \(the limit\)/);
  });

  it('a 2 MiB configuration: exit 2, refused by the size limit', async () => {
    const file = await write('huge.yaml', `${VALID}# ${'x'.repeat(2 * 1024 * 1024)}\n`);
    assertRefused(await check(file), file, /2\.0 MiB; the limit for a configuration file is 1 MiB/);
  });

  it('a configuration that is a device (/dev/zero, endless): exit 2, not a regular file', async () => {
    assertRefused(await check('/dev/zero'), '/dev/zero', /not a regular file/);
  });

  it('a YAML configuration owned by uid 65534: exit 2, naming the owner', async function () {
    if (!isRoot) this.skip();
    const file = await write('foreign.yaml', VALID);
    await chown(file, 65534, 65534);
    assertRefused(await check(file), file, /owned by uid 65534, not root/, /chown root/);
  });

  it('a .js configuration others may write: exit 2 naming the file and chmod go-w, and it does not run', async function () {
    if (!isRoot) this.skip();
    const marker = path.join(dir, 'js-config-ran');
    const file = await write(
      'open.mjs',
      `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default { wans: [{ name: 'isp1', device: 'wan1' }] };\n`,
    );
    await chmod(file, 0o666);
    assertRefused(await check(file), file, /it is writable by group or others \(owner root, mode 666\)/, /chmod go-w/);
    assert.equal(existsSync(marker), false, 'the refused configuration ran');
  });

  it('a configuration in the working directory is never used: without --config only /etc/mwan is searched', async function () {
    if (
      ['config.yaml', 'config.yml', 'config.json', 'config.ts', 'config.js'].some(
        (n) => existsSync(`/etc/mwan/${n}`) || existsSync(`/etc/mwan/mwan.${n}`),
      )
    ) {
      this.skip(); // this host has a real configuration in /etc/mwan
    }
    const cwd = await mkdtemp(path.join(dir, 'cwd-'));
    await writeFile(path.join(cwd, 'mwan.config.yaml'), VALID);
    await writeFile(path.join(cwd, 'config.yaml'), VALID);
    const r = await check(undefined, cwd);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(
      r.line,
      /no configuration found: pass --config FILE, or create one of config\.yaml, .* in \/etc\/mwan \(the working directory is never searched\)/,
    );
  });

  it('a sane file still passes (the limits refuse only what they should)', async () => {
    const file = await write('fine.yaml', `x-probes: &probes [{ target: 192.0.2.1 }]\n${VALID}`);
    const r = await check(file);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /unknown field "x-probes"/); // reached the schema: no limit refused it
    const plain = await check(await write('plain.yaml', VALID));
    assert.equal(plain.exitCode, 0, plain.stderr);
  });
});
