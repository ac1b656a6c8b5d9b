// Hostile cases for the state directory: unsafe owners and modes, planted links, hostile sysctls in state.json, a full disk.
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { planSysctls } from '../../../core/reconcile/sysctl-plan.ts';
import { UnsafeStateDirError, checkStateDir } from '../../../core/system/state-dir.ts';
import { StateStore } from '../../../core/system/state-store.ts';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { MWANCTL, mwanFor, routerSnapshot, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, settledSnapshot, skipWithoutLab, statusOf } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

const isRoot = process.geteuid?.() === 0;
const LOOK_ALIKE = 'root:x:0:0:root:/root:/bin/bash\n';

describe('hostile: the state directory (no namespace)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'mwan-statedir-'));
  });
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a world-writable state directory is refused, naming the directory, its owner, its mode and the fix', async () => {
    const dir = path.join(tmp, 'state');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    await assert.rejects(
      new StateStore(dir).load(),
      (e: Error) =>
        e instanceof UnsafeStateDirError &&
        e.message.includes(`${dir} is writable by group or others`) &&
        /mode 0777/.test(e.message) &&
        e.message.includes(`chmod go-w ${dir}`) &&
        /owner uid \d+/.test(e.message),
    );
    await assert.rejects(new StateStore(dir).save({ disabled: ['isp1'], sysctlOriginals: {} }), UnsafeStateDirError);
    assert.ok(!existsSync(path.join(dir, 'state.json')), 'nothing was written into it');
  });

  it('a state directory owned by another user (65534) is refused, naming the owner and the fix', async function () {
    if (!isRoot) {
      console.log('      skipped: chown needs root');
      this.skip();
    }
    const dir = path.join(tmp, 'state');
    mkdirSync(dir, { mode: 0o755 });
    chownSync(dir, 65534, 65534);
    await assert.rejects(
      new StateStore(dir).save({ disabled: [], sysctlOriginals: {} }),
      (e: Error) =>
        e.message.includes(`${dir} is owned by uid 65534 (mode 0755)`) && e.message.includes(`chown root:root ${dir}`),
    );
    assert.ok(!existsSync(path.join(dir, 'state.json')));
  });

  it('a group-writable directory above the state directory is refused by name; a root-owned sticky one (like /tmp) is accepted', async () => {
    const parent = path.join(tmp, 'shared');
    mkdirSync(parent);
    chmodSync(parent, 0o775);
    const dir = path.join(parent, 'state');
    assert.throws(
      () => checkStateDir(dir, { create: true }),
      (e: Error) =>
        e.message.includes(`refusing state directory ${dir}: ${parent} is writable by group or others`) &&
        /mode 0775/.test(e.message),
    );
    assert.ok(!existsSync(dir), 'the state directory was not created under it');
    if (isRoot) {
      chmodSync(parent, 0o1777);
      assert.equal(checkStateDir(dir, { create: true }), true);
      assert.equal(lstatSync(dir).mode & 0o777, 0o755);
    }
  });

  it('planted links at the old pid-named temp file are never written through; state.json ends up a regular file', async () => {
    const dir = path.join(tmp, 'state');
    mkdirSync(dir, { mode: 0o755 });
    const victim = path.join(tmp, 'passwd');
    writeFileSync(victim, LOOK_ALIKE);
    // Today's names and a few neighbours: any pid-named temp file a process might pick.
    for (let pid = process.pid - 2; pid <= process.pid + 2; pid++)
      symlinkSync(victim, path.join(dir, `state.json.${pid}.tmp`));
    await new StateStore(dir).save({ disabled: ['isp1'], sysctlOriginals: { 'net/ipv4/ip_forward': '0' } });
    assert.equal(readFileSync(victim, 'utf8'), LOOK_ALIKE);
    assert.ok(lstatSync(path.join(dir, 'state.json')).isFile());
    assert.deepEqual((await new StateStore(dir).load()).disabled, ['isp1']);
  });

  it('a state.json that is a link to an /etc look-alike is refused on read (named) and replaced, not followed, on write', async () => {
    const dir = path.join(tmp, 'state');
    mkdirSync(dir, { mode: 0o755 });
    const victim = path.join(tmp, 'etc-shadow');
    writeFileSync(victim, LOOK_ALIKE);
    const file = path.join(dir, 'state.json');
    symlinkSync(victim, file);
    await assert.rejects(new StateStore(dir).load(), (e: Error) =>
      e.message.includes(`state file ${file} is a symbolic link`),
    );
    await new StateStore(dir).save({ disabled: [], sysctlOriginals: {} });
    assert.equal(readFileSync(victim, 'utf8'), LOOK_ALIKE);
    assert.ok(lstatSync(file).isFile(), 'the link was replaced by a regular file');
  });

  it('sysctls mwan does not set, or hostile values, in state.json are dropped with a warning naming each key', async () => {
    const dir = path.join(tmp, 'state');
    mkdirSync(dir, { mode: 0o755 });
    writeFileSync(
      path.join(dir, 'state.json'),
      JSON.stringify({
        disabled: [],
        sysctlOriginals: {
          'kernel/core_pattern': '|/tmp/x/evil %p',
          'net/ipv4/conf/all/forwarding': '1',
          'net/ipv4/ip_forward': '1; reboot',
          'net/ipv4/conf/wan1/rp_filter': '1',
          'net/ipv4/conf/../../../kernel/core_pattern/rp_filter': '0',
        },
      }),
    );
    const warnings: string[] = [];
    const state = await new StateStore(dir, (m) => warnings.push(m)).load();
    assert.deepEqual(state.sysctlOriginals, { 'net/ipv4/conf/wan1/rp_filter': '1' });
    for (const key of [
      'kernel/core_pattern',
      'net/ipv4/conf/all/forwarding',
      'net/ipv4/ip_forward',
      'net/ipv4/conf/../../../kernel/core_pattern/rp_filter',
    ]) {
      assert.ok(
        warnings.some((w) => w.includes(`sysctl ${key} `)),
        `no warning names ${key}: ${warnings.join(' | ')}`,
      );
    }
    // Even handed straight to the planner, such originals are never written back.
    const plan = planSysctls(
      [],
      { 'kernel/core_pattern': 'core', 'net/ipv4/conf/all/forwarding': '0' },
      { 'kernel/core_pattern': '|/tmp/x/evil', 'net/ipv4/conf/all/forwarding': '1' },
    );
    assert.deepEqual(plan.writes, []);
  });

  it('a plugin asking for a sysctl outside the allow-list is refused, naming the key and the plugin', () => {
    assert.throws(
      () =>
        planSysctls(
          [{ key: 'kernel/core_pattern', value: '|/tmp/x', owner: 'evil' }],
          { 'kernel/core_pattern': 'core' },
          {},
        ),
      (e: Error) => e.message.includes('sysctl kernel/core_pattern (from plugin evil) is not one mwan may set'),
    );
  });
});

describe('hostile: the state directory in the lab', function () {
  this.timeout(90000);
  let lab: Lab | undefined;
  let pristine = '';
  const mwans: Mwan[] = [];
  const stateDirOf = (m: Mwan) => path.join(m.dir, 'state');
  const sysctl = async (key: string) => (await lab!.exec(lab!.ns.router, ['cat', `/proc/sys/${key}`])).stdout.trim();

  before(async function () {
    await skipWithoutLab(this, 'hostile/state-dir');
    lab = await createLab({ wans: 2 });
    pristine = await settledSnapshot(lab);
  });
  after(async () => {
    try {
      for (const m of mwans) await m.cleanup().catch(() => undefined);
    } finally {
      await lab?.teardown();
    }
  });
  const fresh = () => {
    const m = mwanFor(lab!);
    mwans.push(m);
    return m;
  };

  it('apply with a world-writable state directory is refused naming it, its mode and the fix; the kernel is untouched', async () => {
    const m = fresh();
    mkdirSync(stateDirOf(m));
    chmodSync(stateDirOf(m), 0o777);
    const r = await m.ctl(['apply']);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.ok(
      r.stderr.includes(`refusing state directory ${stateDirOf(m)}`) &&
        /mode 0777/.test(r.stderr) &&
        r.stderr.includes('chmod go-w'),
      r.stderr,
    );
    assert.equal(await routerSnapshot(lab!), pristine);
  });

  it('the daemon with a state directory owned by uid 65534 is refused naming the owner; the kernel is untouched', async () => {
    const m = fresh();
    mkdirSync(stateDirOf(m), { mode: 0o755 });
    chownSync(stateDirOf(m), 65534, 65534);
    const r = await m.ctl(['daemon'], { timeout: 20000 });
    assert.equal(r.exitCode, 1, r.stderr);
    assert.ok(
      r.stderr.includes(`${stateDirOf(m)} is owned by uid 65534`) && r.stderr.includes('chown root:root'),
      r.stderr,
    );
    assert.equal(await routerSnapshot(lab!), pristine);
  });

  it("stop restores mwan's own sysctls only: hostile keys planted in state.json are ignored with a warning naming each", async () => {
    const m = fresh();
    await ctlOk(m, ['apply']);
    const file = path.join(stateDirOf(m), 'state.json');
    const state = JSON.parse(readFileSync(file, 'utf8')) as { sysctlOriginals: Record<string, string> };
    const rp = await sysctl('net/ipv4/conf/all/rp_filter');
    const echo = await sysctl('net/ipv4/icmp_echo_ignore_all');
    const core = await sysctl('kernel/core_pattern'); // not per namespace: the planted value is today's, so even old code writes nothing
    state.sysctlOriginals['net/ipv4/conf/all/rp_filter'] = rp === '2' ? '1' : '2';
    state.sysctlOriginals['net/ipv4/icmp_echo_ignore_all'] = echo === '1' ? '0' : '1';
    state.sysctlOriginals['kernel/core_pattern'] = core;
    writeFileSync(file, JSON.stringify(state));
    const r = await m.ctl(['stop']);
    assert.equal(r.exitCode, 0, r.stderr);
    for (const key of ['net/ipv4/conf/all/rp_filter', 'net/ipv4/icmp_echo_ignore_all', 'kernel/core_pattern']) {
      assert.ok(
        r.stderr.includes(`ignoring sysctl ${key} is not one mwan sets`),
        `no warning names ${key}: ${r.stderr}`,
      );
    }
    assert.equal(await sysctl('net/ipv4/conf/all/rp_filter'), rp);
    assert.equal(await sysctl('net/ipv4/icmp_echo_ignore_all'), echo);
    assert.equal(await routerSnapshot(lab!), pristine, "mwan's own sysctls were restored");
  });

  it('a full disk: first start, wan down, apply and stop are refused naming state.json before the kernel changes; the daemon keeps running', async () => {
    const l = lab!;
    const m = fresh();
    const dir = stateDirOf(m);
    const file = path.join(dir, 'state.json');
    mkdirSync(dir, { mode: 0o755 });
    // A 64 KiB tmpfs over the state directory (room, once freed, for every file mwan keeps there: tmpfs gives each a 4 KiB page), in a mount namespace of the daemon's own, filled before it starts.
    const fill = `dd if=/dev/zero of="$0/fill" bs=4k 2>/dev/null; exec "$@"`;
    const d = l.spawn(l.ns.router, [
      'unshare',
      '-m',
      '--propagation',
      'private',
      'sh',
      '-c',
      `mount -t tmpfs -o size=64k,mode=0755 mwan-full "$0" && ${fill}`,
      dir,
      process.execPath,
      MWANCTL,
      '--config',
      m.configPath,
      'daemon',
    ]);
    const inDaemonMounts = (argv: string[]) =>
      execa('nsenter', ['-t', String(d.pid), '-m', '-r', '-w', ...argv], { reject: false });
    try {
      await d.waitForLine(/mwan daemon ready/, 20000);
      await waitFor(
        () => `${d.lines.join('\n')}${d.stderr()}`.includes(`cannot write state file ${file}`),
        20000,
        'the daemon to report the state file',
      );
      assert.equal(
        await routerSnapshot(l),
        pristine,
        'the first start changed the kernel without saving the sysctl originals',
      );

      await inDaemonMounts(['rm', `${dir}/fill`]);
      await ctlOk(m, ['apply']);
      const applied = await routerSnapshot(l);
      assert.notEqual(applied, pristine);
      await inDaemonMounts(['sh', '-c', `dd if=/dev/zero of=${dir}/fill bs=4k 2>/dev/null; true`]);

      for (const args of [['wan', 'down', 'isp1'], ['apply'], ['stop']]) {
        const r = await m.ctl(args);
        assert.equal(r.exitCode, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.ok(r.stderr.includes(`cannot write state file ${file}`), `${args.join(' ')}: ${r.stderr}`);
        assert.equal(await routerSnapshot(l), applied, `mwanctl ${args.join(' ')} changed the kernel`);
        assert.ok(!d.hasExited, 'the daemon keeps running');
      }
      const isp1 = (await statusOf(m)).wans.find((w) => w.name === 'isp1')!;
      assert.equal(
        isp1.inService,
        true,
        `isp1 is still in service in the daemon's memory: ${isp1.state} ${isp1.reason}`,
      );

      await inDaemonMounts(['rm', `${dir}/fill`]);
      await ctlOk(m, ['stop']);
      await d.exited;
      assert.equal(await routerSnapshot(l), pristine);
    } finally {
      if (!d.hasExited) await d.kill();
    }
  });
});
