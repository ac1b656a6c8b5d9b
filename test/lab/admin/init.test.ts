// `mwanctl init` in a lab router: default routes in the main table and another table make WANs, lan0 the LAN; the file passes check.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { MWANCTL } from '../../kit/lab/fixture.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';

describe('mwan lab: mwanctl init', function () {
  this.timeout(180000);
  let lab: Lab | undefined;
  let dir: string | undefined;

  before(async function () {
    await skipWithoutLab(this, 'admin init');
    lab = await createLab({ wans: 3 });
    // as DHCP clients leave them: two defaults in main (by metric), one in a table of its own
    for (const [i, where] of [
      [1, ['metric', '100']],
      [2, ['metric', '200']],
      [3, ['table', '103']],
    ] as const) {
      await lab.exec(lab.ns.router, [
        'ip',
        'route',
        'add',
        'default',
        'via',
        lab.addr.ispGateway(i),
        'dev',
        `wan${i}`,
        ...where,
      ]);
    }
    dir = mkdtempSync(path.join(os.tmpdir(), 'mwan-init-'));
  });
  after(async () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    await lab?.teardown();
  });

  it("writes a starter naming the lab's WANs and LAN network that passes check, and never overwrites it without --force", async () => {
    const l = lab!;
    const file = path.join(dir!, 'etc-mwan', 'config.yaml');
    const ctl = (args: string[]) =>
      l.exec(l.ns.router, [process.execPath, MWANCTL, ...args], { reject: false, timeout: 60000 });
    const init = await ctl(['init', '--output', file]);
    assert.equal(init.exitCode, 0, init.stderr);
    assert.match(init.stdout, /WANs wan1, wan2, wan3; LANs lan0/);
    const yaml = readFileSync(file, 'utf8');
    console.log(`    what init wrote for the lab router:\n${yaml.replace(/^/gm, '      | ')}`);
    for (const i of [1, 2, 3]) assert.match(yaml, new RegExp(`^    device: wan${i}$`, 'm'));
    assert.match(yaml, /# default via 100\.64\.3\.1 in table 103/);
    assert.match(yaml, /^ {2}- device: lan0\n {4}addresses: \[10\.77\.0\.1\/24\] +# network 10\.77\.0\.0\/24$/m);
    assert.ok(!/^\s*- target: (?!gateway)/m.test(yaml), 'the only active probe target is gateway');

    const check = await ctl(['--config', file, 'check']);
    assert.equal(check.exitCode, 0, check.stderr);
    assert.match(check.stdout, /wan1: device wan1.*\n.*wan2: device wan2.*\n.*wan3: device wan3/);
    assert.doesNotMatch(check.stderr, /mwanctl: warning:/, check.stderr);

    const again = await ctl(['init', '--output', file]);
    assert.equal(again.exitCode, 1);
    assert.match(again.stderr, /exists; not overwriting it \(pass --force/);
    assert.equal(readFileSync(file, 'utf8'), yaml);
    assert.equal((await ctl(['init', '--output', file, '--force'])).exitCode, 0);
  });
});
