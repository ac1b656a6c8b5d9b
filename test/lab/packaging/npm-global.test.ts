// `npm pack` ships the prebuilt bundle and no tests, and `npm i -g` of that tarball gives an mwanctl that runs the bundle (no tsx fallback), all offline.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../../core/system/package-root.ts';
import { type LocalRegistry, startLocalRegistry } from './local-registry.ts';

const root = packageRoot();
const TSX_NOTICE = /running the TypeScript sources through tsx/;

describe('npm pack and a global install (npm i -g) into a scratch prefix', function () {
  this.timeout(10 * 60_000);
  let work: string;
  let tarball: string;
  let registry: LocalRegistry;
  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'mwan-npm-global-'));
    registry = await startLocalRegistry(root);
    // `npm pack` runs `prepare`: the bundle it packs is built from the sources it packs.
    const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: root, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    tarball = path.join(work, name);
  });
  after(async () => {
    await registry.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the tarball has the bundle and no test', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    assert.ok(files.includes('package/cli/mwanctl.bundle.mjs'), 'the bundle is not in the tarball');
    assert.deepEqual(
      files.filter((f) => /\.test\.ts$|^package\/test\//.test(f)),
      [],
    );
    console.log(`      ${path.basename(tarball)}: ${files.length} files`);
  });

  /** npm_config_nodedir for the running Node's install prefix when its headers are there and none is set. */
  const nodedirEnv = (): Record<string, string> => {
    const prefix = path.dirname(path.dirname(realpathSync(process.execPath)));
    if (process.env.npm_config_nodedir || !existsSync(path.join(prefix, 'include/node/node.h'))) return {};
    return { npm_config_nodedir: prefix };
  };

  it('npm i -g installs it; its mwanctl runs the bundle (no tsx notice) and checks a shipped example', async () => {
    const prefix = path.join(work, 'prefix');
    // Offline: metadata from the local registry, tarballs from npm's cache; any other host goes to a closed port.
    await promisify(execFile)(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--registry',
        `${registry.url}/`,
        '--prefer-offline',
        '--proxy',
        'http://127.0.0.1:9',
        '--https-proxy',
        'http://127.0.0.1:9',
        '--noproxy',
        '127.0.0.1',
        '--no-audit',
        '--no-fund',
        '--no-update-notifier',
        tarball,
      ],
      // node-gyp (netlink's build) uses the installed Node's headers, as install-deps.sh arranges, instead of
      // downloading them: a fresh machine's npm has no nodedir configured, and every download is refused here.
      { cwd: work, env: { ...process.env, ...nodedirEnv() } },
    );
    assert.deepEqual(
      registry.misses.filter((m) => m.endsWith('.tgz')),
      [],
      'npm fetched tarballs it should have had in its cache',
    );
    const mwanctl = path.join(prefix, 'bin/mwanctl');
    const installed = path.join(prefix, 'lib/node_modules/mwan');
    assert.ok(existsSync(path.join(installed, 'cli/mwanctl.bundle.mjs')));
    assert.ok(!existsSync(path.join(installed, 'node_modules/mocha')), 'a dev dependency was installed');
    const help = spawnSync(mwanctl, ['--help'], { encoding: 'utf8', timeout: 60_000 });
    assert.doesNotMatch(help.stderr, TSX_NOTICE);
    assert.match(help.stdout + help.stderr, /usage: mwanctl|Usage: mwanctl/);
    const check = spawnSync(
      mwanctl,
      ['check', '--config', path.join(installed, 'config/seed-000-three-nat-links.yaml')],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(check.status, 0, check.stderr);
    assert.doesNotMatch(check.stderr, TSX_NOTICE);
    assert.match(check.stdout, /is valid/);
    // The stamp really is checked: after one shipped source changes, the same mwanctl falls back to tsx and says so.
    const source = path.join(installed, 'config/schema/schema.ts');
    execFileSync('sh', ['-c', 'printf "\\n// changed\\n" >> "$1"', 'sh', source]);
    const stale = spawnSync(
      mwanctl,
      ['check', '--config', path.join(installed, 'config/seed-000-three-nat-links.yaml')],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.match(stale.stderr, TSX_NOTICE);
    assert.ok(readFileSync(source, 'utf8').endsWith('// changed\n'));
  });
});
