// The package's control text and maintainer scripts: each script does only its job, and nothing to the running system when DPKG_ROOT is set.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { controlText, DEPENDS, MAINTAINER_SCRIPTS } from './deb-control.ts';
import { isOtherPlatformPrebuild, runtimeDependencies } from './runtime-deps.ts';
import { packageRoot } from '../../core/system/package-root.ts';

describe('Debian package: control file and maintainer scripts', () => {
  let dir: string;
  let calls: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-deb-scripts-'));
    calls = path.join(dir, 'calls');
    mkdirSync(path.join(dir, 'bin'));
    writeFileSync(path.join(dir, 'bin/systemctl'), '#!/bin/sh\necho "systemctl $*" >> "$CALLS"\n');
    chmodSync(path.join(dir, 'bin/systemctl'), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs one maintainer script with a fake systemctl, as if systemd ran this machine (its /run/systemd/system is
   * a folder made here), either into the root `dir/root` (DPKG_ROOT) or into the running system (`live`).
   */
  function run(script: keyof typeof MAINTAINER_SCRIPTS, args: string[], live = false): string[] {
    const file = path.join(dir, script);
    mkdirSync(path.join(dir, 'run-systemd-system'), { recursive: true });
    writeFileSync(
      file,
      MAINTAINER_SCRIPTS[script].replaceAll('/run/systemd/system', path.join(dir, 'run-systemd-system')),
    );
    const env = {
      PATH: `${dir}/bin:/usr/bin:/bin`,
      CALLS: calls,
      ...(live ? {} : { DPKG_ROOT: path.join(dir, 'root') }),
    };
    execFileSync('sh', [file, ...args], { env });
    const got = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
    rmSync(calls, { force: true });
    return got;
  }

  it('the control file has the fields dpkg needs, the Depends line, and a folded description', () => {
    const text = controlText({
      version: '1.2.3',
      architecture: 'arm64',
      installedSizeKiB: 42,
      description: 'short\nlong one\n\nlong two',
    });
    assert.match(text, /^Package: mwan\nVersion: 1\.2\.3\nArchitecture: arm64\n/);
    assert.match(text, /^Installed-Size: 42$/m);
    assert.equal(DEPENDS, 'nodejs (>= 20.19) | mwan-node-runtime, nftables, iproute2, conntrack');
    assert.match(text, /^Description: short\n long one\n \.\n long two\n$/m);
  });

  it("with DPKG_ROOT (another root): no systemctl call; purge removes that root's /var/lib/mwan and unit link only", () => {
    const state = path.join(dir, 'root/var/lib/mwan');
    const link = path.join(dir, 'root/etc/systemd/system/multi-user.target.wants/mwan.service');
    mkdirSync(state, { recursive: true });
    mkdirSync(path.dirname(link), { recursive: true });
    writeFileSync(link, '');
    assert.deepEqual(run('postinst', ['configure']), []);
    assert.deepEqual(run('prerm', ['remove']), []);
    assert.deepEqual(run('postrm', ['remove']), []);
    assert.ok(existsSync(state), 'remove (not purge) deleted the state directory');
    assert.deepEqual(run('postrm', ['purge']), []);
    assert.ok(!existsSync(state) && !existsSync(link));
  });

  it('on the running system: postinst reloads systemd; prerm stops the daemon on remove only, never on upgrade', () => {
    assert.deepEqual(run('postinst', ['configure'], true), ['systemctl daemon-reload']);
    assert.deepEqual(run('prerm', ['upgrade', '0.2.0'], true), []);
    assert.deepEqual(run('prerm', ['remove'], true), ['systemctl stop mwan.service']);
    assert.deepEqual(run('postrm', ['remove'], true), ['systemctl daemon-reload']);
    assert.deepEqual(run('postrm', ['upgrade', '0.2.0'], true), []);
  });

  it("ships the production dependencies only, and only this platform's prebuilt binaries", () => {
    const deps = runtimeDependencies(packageRoot());
    for (const d of ['node_modules/zod', 'node_modules/pino', 'node_modules/tsx', 'node_modules/esbuild'])
      assert.ok(deps.includes(d), d);
    for (const d of ['node_modules/mocha', 'node_modules/typescript', 'node_modules/@biomejs/biome'])
      assert.ok(!deps.includes(d), d);
    assert.equal(
      isOtherPlatformPrebuild('/x/node_modules/netlink/prebuilds/linux-arm'),
      `${process.platform}-${process.arch}` !== 'linux-arm',
    );
    assert.equal(isOtherPlatformPrebuild(`/x/prebuilds/${process.platform}-${process.arch}`), false);
    assert.equal(isOtherPlatformPrebuild('/x/prebuilds/linux-arm/netlink.node'), false); // inside a skipped folder: never reached
  });
});
