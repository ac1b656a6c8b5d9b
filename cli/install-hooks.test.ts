// Runs the NetworkManager and networkd-dispatcher hook scripts with each dispatcher's arguments and environment and a fake mwanctl, and checks what they call.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageFile } from '../core/system/package-root.ts';
import { HOOKS, hookText, install, uninstall } from './install.ts';

describe('network manager hooks (NetworkManager dispatcher, networkd-dispatcher)', () => {
  let dir: string;
  let bin: string;
  let calls: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-hooks-'));
    bin = path.join(dir, 'bin');
    calls = path.join(dir, 'calls');
    mkdirSync(bin);
    // The fake mwanctl records its argv and the variables `mwanctl hook` reads, then fails: the hook must still exit 0.
    writeFileSync(
      path.join(bin, 'mwanctl'),
      '#!/bin/sh\necho "argv=$* IFACE=$IFACE PHASE=$PHASE MODE=$MODE" >> "$CALLS"\nexit 1\n',
    );
    chmodSync(path.join(bin, 'mwanctl'), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * Runs a hook script with only the given environment (plus PATH and CALLS); returns the fake mwanctl's calls. The
   * hook starts mwanctl in the background, so its call is awaited (up to 5 s; 1 s when none comes).
   */
  function run(script: string, args: string[], env: Record<string, string>, expectCall = true): string[] {
    execFileSync('sh', [script, ...args], {
      env: { PATH: `${bin}:/usr/bin:/bin`, CALLS: calls, ...env },
      stdio: 'ignore',
    });
    const start = Date.now();
    while (!existsSync(calls) && Date.now() - start < (expectCall ? 5000 : 1000)) execFileSync('sleep', ['0.05']);
    return existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
  }

  describe('NetworkManager (dispatcher.d: $1 device, $2 action, DEVICE_IFACE, DEVICE_IP_IFACE)', () => {
    const nm = packageFile('hooks/networkmanager');
    const nmEnv = (iface: string, ipIface = iface) => ({
      DEVICE_IFACE: iface,
      DEVICE_IP_IFACE: ipIface,
      CONNECTION_ID: 'wan',
    });

    it('up, dhcp4-change and dhcp6-change: `mwanctl hook` for the device, as a post-up', () => {
      for (const action of ['up', 'dhcp4-change', 'dhcp6-change']) {
        rmSync(calls, { force: true });
        assert.deepEqual(
          run(nm, ['eth1', action], nmEnv('eth1')),
          ['argv=hook IFACE=eth1 PHASE=post-up MODE=start'],
          action,
        );
      }
    });

    it('down: a post-down', () => {
      assert.deepEqual(run(nm, ['eth2', 'down'], nmEnv('eth2')), ['argv=hook IFACE=eth2 PHASE=post-down MODE=stop']);
    });

    it('PPPoE: names the IP interface (DEVICE_IP_IFACE), where the routes are', () => {
      assert.deepEqual(run(nm, ['eth1', 'up'], nmEnv('eth1', 'ppp0')), [
        'argv=hook IFACE=ppp0 PHASE=post-up MODE=start',
      ]);
    });

    it('ignores other actions, the hostname event (device "none") and lo', () => {
      assert.deepEqual(run(nm, ['eth1', 'connectivity-change'], nmEnv('eth1'), false), []);
      assert.deepEqual(run(nm, ['eth1', 'vpn-up'], nmEnv('eth1'), false), []);
      assert.deepEqual(run(nm, ['none', 'hostname'], {}, false), []);
      assert.deepEqual(run(nm, ['lo', 'up'], nmEnv('lo'), false), []);
    });
  });

  describe('networkd-dispatcher (<state>.d: IFACE, STATE, AdministrativeState, OperationalState)', () => {
    const nd = packageFile('hooks/networkd-dispatcher');
    const ndEnv = (iface: string, state: string) => ({
      IFACE: iface,
      STATE: state,
      AdministrativeState: 'configured',
      OperationalState: state,
    });

    it('routable: a post-up; degraded, no-carrier and off: a post-down', () => {
      assert.deepEqual(run(nd, [], ndEnv('wan0', 'routable')), ['argv=hook IFACE=wan0 PHASE=post-up MODE=start']);
      for (const state of ['degraded', 'no-carrier', 'off']) {
        rmSync(calls);
        assert.deepEqual(run(nd, [], ndEnv('wan0', state)), ['argv=hook IFACE=wan0 PHASE=post-down MODE=stop'], state);
      }
    });

    it('ignores other states and lo', () => {
      assert.deepEqual(run(nd, [], ndEnv('wan0', 'carrier'), false), []);
      assert.deepEqual(run(nd, [], ndEnv('lo', 'routable'), false), []);
    });
  });

  it('installed: each hook calls the wrapper with the configuration written in', () => {
    for (const source of ['hooks/networkmanager', 'hooks/networkd-dispatcher']) {
      const script = path.join(dir, path.basename(source));
      writeFileSync(
        script,
        hookText(readFileSync(packageFile(source), 'utf8'), path.join(bin, 'mwanctl'), '/etc/mwan/config.yaml', true),
      );
      rmSync(calls, { force: true });
      const got = run(script, ['eth1', 'up'], { DEVICE_IP_IFACE: 'eth1', IFACE: 'eth1', STATE: 'routable' });
      assert.deepEqual(got, ['argv=hook --config /etc/mwan/config.yaml IFACE=eth1 PHASE=post-up MODE=start'], source);
    }
  });

  it('`mwanctl install` puts every hook in place, executable and marked; `uninstall` removes them', async () => {
    const root = path.join(dir, 'root');
    await install({ root });
    for (const file of [
      '/etc/NetworkManager/dispatcher.d/90-mwan',
      '/etc/networkd-dispatcher/routable.d/mwan',
      '/etc/networkd-dispatcher/off.d/mwan',
      '/etc/network/if-up.d/mwan',
    ]) {
      assert.ok(
        HOOKS.some((h) => h.file === file),
        file,
      );
      const text = readFileSync(path.join(root, file), 'utf8');
      assert.match(text, /^MWANCTL="\/usr\/local\/sbin\/mwanctl" {2}# installed by mwanctl install$/m, file);
      assert.equal(statSync(path.join(root, file)).mode & 0o777, 0o755, file);
    }
    const removed = await uninstall({ root });
    assert.equal(removed.length, HOOKS.length + 2);
    assert.ok(!existsSync(path.join(root, '/etc/NetworkManager/dispatcher.d/90-mwan')));
  });
});
