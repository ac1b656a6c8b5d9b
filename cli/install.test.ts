// Tests `mwanctl install`: the unit and hooks use /etc/mwan/config.yaml unless --config, and the wrapper runs the bundle only and adds that --config.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MwanError } from '../core/errors.ts';
import { DEFAULT_CONFIG, install } from './install.ts';

describe('mwanctl install', () => {
  let root: string;
  let fakeNode: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'mwan-install-'));
    // Stands in for node in the wrapper: prints MWANCTL_INSTALLED and the arguments after the launcher.
    fakeNode = path.join(root, 'fake-node');
    writeFileSync(
      fakeNode,
      '#!/bin/sh\nwhile [ "$#" -gt 0 ] && [ "${1#--}" != "$1" ]; do shift; done\nshift\necho "installed=$MWANCTL_INSTALLED args=$*"\n',
    );
    chmodSync(fakeNode, 0o755);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const read = (f: string) => readFileSync(path.join(root, f), 'utf8');
  const runWrapper = (...args: string[]) =>
    execFileSync('sh', [path.join(root, 'usr/local/sbin/mwanctl'), ...args], { encoding: 'utf8' }).trim();

  it('without --config: the unit, the hooks and the wrapper use /etc/mwan/config.yaml', async () => {
    await install({ root, node: fakeNode });
    assert.equal(DEFAULT_CONFIG, '/etc/mwan/config.yaml');
    assert.match(
      read('etc/systemd/system/mwan.service'),
      /^ExecStart=\/usr\/local\/sbin\/mwanctl daemon --config \/etc\/mwan\/config\.yaml$/m,
    );
    assert.match(read('etc/network/if-up.d/mwan'), /^MWAN_CONFIG="\/etc\/mwan\/config\.yaml"$/m);
    assert.equal(runWrapper('status'), 'installed=1 args=--config /etc/mwan/config.yaml status');
  });

  it('the wrapper keeps a --config given on its command line, in each spelling', async () => {
    await install({ root, node: fakeNode });
    assert.equal(runWrapper('--config', '/srv/m.yaml', 'check'), 'installed=1 args=--config /srv/m.yaml check');
    assert.equal(runWrapper('check', '--config=/srv/m.yaml'), 'installed=1 args=check --config=/srv/m.yaml');
    assert.equal(runWrapper('-c', '/srv/m.yaml', 'check'), 'installed=1 args=-c /srv/m.yaml check');
  });

  it('with --config at install time: that file everywhere, as an absolute path', async () => {
    await install({ root, node: fakeNode, config: '/srv/mwan/router.yaml' });
    assert.match(
      read('etc/systemd/system/mwan.service'),
      /^ExecStop=\/usr\/local\/sbin\/mwanctl stop --config \/srv\/mwan\/router\.yaml$/m,
    );
    assert.equal(runWrapper('apply'), 'installed=1 args=--config /srv/mwan/router.yaml apply');
  });

  it('refuses a config path the shell scripts could not carry safely', async () => {
    await assert.rejects(
      install({ root, node: fakeNode, config: '/etc/mwan/x"; rm -rf /;".yaml' }),
      (error: unknown) => {
        assert.ok(error instanceof MwanError);
        assert.match(error.message, /^--config: got .*; expected an absolute path of letters, digits/);
        return true;
      },
    );
  });
});
