// Builds the .deb, installs it with dpkg into a scratch root, runs the installed mwanctl, then removes and purges it and checks nothing is left.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDeb, type BuiltDeb } from '../../../cli/package/deb.ts';
import { DOC_DIR, LIB_DIR, MAN_PAGES_DIR, UNIT, WRAPPER } from '../../../cli/package/deb-tree.ts';
import { packageRoot } from '../../../core/system/package-root.ts';
import { HOOKS } from '../../../cli/install.ts';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

describe('Debian package (npm run deb), installed with dpkg into a scratch root', function () {
  this.timeout(15 * 60_000); // building compresses ~40 MB with xz; the machine is shared
  let work: string;
  let root: string;
  let deb: BuiltDeb;
  const at = (f: string) => path.join(root, f);

  /** dpkg on the scratch root only: its own admin dir and log; maintainer scripts see DPKG_ROOT (they then leave the host alone). */
  function dpkg(...args: string[]): string {
    // --force-depends: the scratch root has no nodejs, nftables, iproute2 or conntrack packages (the host has the programs).
    return execFileSync(
      'dpkg',
      [`--root=${root}`, `--log=${at('var/log/dpkg.log')}`, '--force-script-chrootless', '--force-depends', ...args],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  }

  /**
   * Runs the installed /usr/sbin/mwanctl as the host would: in a private mount namespace where the scratch root's
   * /usr/lib is layered over the host's (read-only overlay), so /usr/lib/mwan is the installed tree; the host's
   * mounts do not change.
   */
  function mwanctl(...args: string[]) {
    const script = 'mount -t overlay mwan-deb-test -o "lowerdir=$1/usr/lib:/usr/lib" /usr/lib && shift && exec "$@"';
    return spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', root, at(WRAPPER), ...args],
      { encoding: 'utf8', timeout: 120_000 },
    );
  }

  /** Every file and symlink under the scratch root except dpkg's own admin dir and log. */
  function leftovers(): string[] {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
      .filter((f) => !f.startsWith('var/lib/dpkg/') && f !== 'var/log/dpkg.log')
      .sort();
  }

  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'mwan-deb-test-'));
    root = path.join(work, 'root');
    for (const d of ['info', 'updates', 'triggers']) mkdirSync(at(`var/lib/dpkg/${d}`), { recursive: true });
    mkdirSync(at('var/log'));
    writeFileSync(at('var/lib/dpkg/status'), '');
    writeFileSync(at('var/lib/dpkg/available'), '');
    deb = await buildDeb(path.join(work, 'out'));
    const files = execFileSync('dpkg-deb', ['--contents', deb.file], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /^[-l]/.test(l));
    console.log(
      `      ${path.basename(deb.file)}: ${(deb.bytes / 1048576).toFixed(1)} MiB (${deb.bytes} bytes), ${files.length} files`,
    );
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('has the control fields the issue asks for, and every /etc file as a conffile', () => {
    const control = execFileSync('dpkg-deb', ['--field', deb.file], { encoding: 'utf8' });
    assert.match(control, /^Package: mwan$/m);
    assert.match(control, new RegExp(`^Version: ${VERSION}$`, 'm'));
    assert.match(control, /^Depends: nodejs \(>= 20\.19\) \| mwan-node-runtime, nftables, iproute2, conntrack$/m);
    const conffiles = execFileSync(
      'sh',
      ['-c', 'dpkg-deb --ctrl-tarfile "$1" | tar -xOf - ./conffiles', 'sh', deb.file],
      { encoding: 'utf8' },
    );
    assert.deepEqual(
      conffiles.trim().split('\n').sort(),
      ['/etc/mwan/config.yaml', ...HOOKS.map((h) => h.file)].sort(),
    );
  });

  it('installs with dpkg -i: the wrapper, the unit, the hooks, the addon and the docs are in place', () => {
    dpkg('--install', deb.file);
    assert.match(dpkg('--status', 'mwan'), /^Status: install ok installed$/m);
    for (const f of [
      WRAPPER,
      UNIT,
      `${LIB_DIR}/cli/mwanctl.bundle.mjs`,
      `${LIB_DIR}/node_modules/zod/package.json`,
      `${LIB_DIR}/core/system/probes/native/build/Release/mwan_icmp.node`,
      `${DOC_DIR}/README.md`,
      `${DOC_DIR}/copyright`,
      '/etc/mwan/config.yaml',
      ...HOOKS.map((h) => h.file),
    ]) {
      assert.ok(existsSync(at(f)), `${f} is not installed`);
    }
    assert.equal(statSync(at(WRAPPER)).mode & 0o777, 0o755);
    assert.ok(!existsSync(at(`${LIB_DIR}/node_modules/typescript`)), 'typescript (a dev dependency) is installed');
    const unit = readFileSync(at(UNIT), 'utf8');
    assert.match(unit, /^ExecStart=\/usr\/sbin\/mwanctl daemon --config \/etc\/mwan\/config\.yaml$/m);
    assert.match(unit, /^Documentation=man:mwanctl\(8\)/m);
    assert.doesNotMatch(unit, /file:\/\/|installed by mwanctl install/);
    assert.match(readFileSync(at('/etc/network/if-up.d/mwan'), 'utf8'), /^MWANCTL="\/usr\/sbin\/mwanctl"$/m);
    // Man pages: each generated NAME.N in man/ is installed compressed (none generated yet: nothing to check).
    const manDir = path.join(packageRoot(), MAN_PAGES_DIR);
    for (const page of existsSync(manDir) ? readdirSync(manDir).filter((p) => /\.[1-8]$/.test(p)) : []) {
      assert.ok(existsSync(at(`/usr/share/man/man${page.slice(-1)}/${page}.gz`)), `man page ${page} is not installed`);
    }
    // The addon was built for this machine: the installed copy loads.
    execFileSync(process.execPath, [
      '-e',
      `require(${JSON.stringify(at(`${LIB_DIR}/core/system/probes/native/build/Release/mwan_icmp.node`))})`,
    ]);
  });

  it('the installed mwanctl runs the bundle: its version (or usage) and `check` of a shipped example', () => {
    const usage = mwanctl('--help');
    assert.doesNotMatch(usage.stderr, /through tsx|refusing to run/);
    if (/--version/.test(usage.stdout + usage.stderr)) {
      const version = mwanctl('--version');
      assert.equal(version.status, 0, version.stderr);
      assert.match(version.stdout, new RegExp(VERSION.replaceAll('.', '\\.')));
    } else {
      // Before `--version` exists: the usage text proves the installed bundle ran.
      assert.match(usage.stdout + usage.stderr, /usage: mwanctl/);
    }
    const check = mwanctl('check', '--config', at(`${DOC_DIR}/examples/seed-000-three-nat-links.yaml`));
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout, /is valid/);
    assert.doesNotMatch(check.stderr, /through tsx|refusing to run/);
  });

  it('/etc/mwan/config.yaml is a commented example: empty as it is, valid once uncommented', () => {
    const shipped = at('/etc/mwan/config.yaml');
    const asIs = mwanctl('check', '--config', shipped);
    assert.notEqual(asIs.status, 0);
    assert.match(asIs.stderr, /is empty/);
    // The example is everything from its first setting on, each line behind "# ".
    const lines = readFileSync(shipped, 'utf8').split('\n');
    const uncommented = lines
      .slice(lines.indexOf('# mode: balanced'))
      .map((l) => l.replace(/^# ?/, ''))
      .join('\n');
    const file = path.join(work, 'uncommented.yaml');
    writeFileSync(file, `${uncommented}\n`);
    const check = mwanctl('check', '--config', file);
    assert.equal(check.status, 0, `${check.stderr}\n${uncommented}`);
    assert.match(check.stdout, /isp1: device eth1/);
  });

  it('dpkg -r leaves only the conffiles; dpkg -P removes them and /var/lib/mwan: nothing is left', () => {
    dpkg('--remove', 'mwan');
    assert.deepEqual(leftovers(), ['/etc/mwan/config.yaml', ...HOOKS.map((h) => h.file)].map((f) => f.slice(1)).sort());
    mkdirSync(at('var/lib/mwan'));
    writeFileSync(at('var/lib/mwan/wan-state.json'), '{}');
    dpkg('--purge', 'mwan');
    assert.deepEqual(leftovers(), []);
    assert.ok(!existsSync(at('var/lib/mwan')), 'postrm purge did not remove /var/lib/mwan');
    assert.ok(!existsSync(at('etc')), 'dpkg -P left directories under /etc');
    assert.doesNotMatch(dpkg('--list'), /mwan/);
  });
});
