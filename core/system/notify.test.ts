// The real sd_notify: datagrams reach a unix datagram socket (a path or an abstract name); the environment is read once and removed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeAddon } from './probes/icmp-addon.ts';
import { notifyMessage, systemNotifier } from './notify.ts';

/** A socat receiving datagrams on `address` (UNIX-RECV or ABSTRACT-RECV); `text()` is what arrived. */
async function receiver(kind: 'UNIX-RECV' | 'ABSTRACT-RECV', name: string) {
  const p = spawn('socat', ['-u', `${kind}:${name}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  p.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await new Promise((r) => setTimeout(r, 300)); // socat binds
  return { text: () => out, stop: () => p.kill() };
}

describe('sd_notify (core/system/notify.ts)', function () {
  this.timeout(20000);

  it('formats KEY=value lines, one line per value', () => {
    assert.equal(
      notifyMessage({ READY: '1', STATUS: '2/3 WANs in service\n(isp2 offline)' }),
      'READY=1\nSTATUS=2/3 WANs in service (isp2 offline)\n',
    );
  });

  it('reads NOTIFY_SOCKET and WATCHDOG_USEC once, removes them, and takes the watchdog only when meant for this pid', () => {
    const env: NodeJS.ProcessEnv = {
      NOTIFY_SOCKET: '/run/systemd/notify',
      WATCHDOG_USEC: '30000000',
      WATCHDOG_PID: '42',
    };
    const n = systemNotifier(env, 42);
    assert.deepEqual([n.enabled, n.watchdogMs, env], [true, 30000, {}]);
    assert.equal(
      systemNotifier({ NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42).watchdogMs,
      null,
    );
    const none = systemNotifier({}, 42);
    assert.deepEqual([none.enabled, none.watchdogMs, none.notify({ READY: '1' })], [false, null, null]);
  });

  it('sends datagrams to a socket path and to an abstract socket', async function () {
    if ('error' in nativeAddon() || spawnSync('socat', ['-V']).status !== 0) {
      console.log('sd_notify: skipped (needs the native addon, `npm run build`, and socat)');
      this.skip();
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-notify-'));
    const file = await receiver('UNIX-RECV', path.join(dir, 'notify'));
    const abstract = `mwan-test-${process.pid}`;
    const abs = await receiver('ABSTRACT-RECV', abstract);
    try {
      assert.equal(
        systemNotifier({ NOTIFY_SOCKET: path.join(dir, 'notify') }).notify({
          READY: '1',
          STATUS: '1/1 WANs in service',
        }),
        null,
      );
      assert.equal(systemNotifier({ NOTIFY_SOCKET: `@${abstract}` }).notify({ WATCHDOG: '1' }), null);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(file.text(), 'READY=1\nSTATUS=1/1 WANs in service\n');
      assert.equal(abs.text(), 'WATCHDOG=1\n');
      assert.match(
        systemNotifier({ NOTIFY_SOCKET: path.join(dir, 'nobody') }).notify({ READY: '1' }) ?? '',
        /sd_notify to .*nobody: No such file/,
      );
    } finally {
      file.stop();
      abs.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
