// systemd-analyze rates the unit `mwanctl install` writes: an exposure of at most 3.5 (issue 11), printed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unitText } from './install.ts';

describe("the systemd unit's hardening", function () {
  this.timeout(60000);

  it('systemd-analyze security --offline=yes reports an exposure of at most 3.5', function () {
    if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
      console.log("unit security: skipped (systemd-analyze missing: install Debian's `systemd` package)");
      this.skip();
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-unit-'));
    try {
      const file = path.join(dir, 'mwan.service');
      writeFileSync(file, unitText('/usr/sbin/mwanctl', '/etc/mwan/config.yaml', false));
      const r = spawnSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', file], { encoding: 'utf8' });
      const figure = /Overall exposure level for mwan\.service: (\d+(?:\.\d+)?)/.exec(r.stdout);
      assert.ok(figure, `no exposure figure in:\n${r.stdout}\n${r.stderr}`);
      console.log(`      systemd-analyze security: exposure ${figure[1]}`);
      assert.ok(Number(figure[1]) <= 3.5, `exposure ${figure[1]} > 3.5:\n${r.stdout}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keeps /proc/sys writable and Node's JIT working (mwan writes sysctls; JIT pages are W+X)", () => {
    const unit = unitText('/usr/sbin/mwanctl', '/etc/mwan/config.yaml', false);
    assert.doesNotMatch(unit, /^ProtectKernelTunables=yes/m);
    assert.doesNotMatch(unit, /^MemoryDenyWriteExecute=yes/m);
    assert.match(unit, /^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW$/m);
  });
});
