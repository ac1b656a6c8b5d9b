// Hostile cases for the daemon's exclusivity: a second daemon, odd things at the socket path, a non-root user, a silent daemon, kill -9.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab } from '../../kit/lab/topology.ts';
import { nodeArgv } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, MWANCTL, routerSnapshot, type Mwan } from '../../kit/lab/fixture.ts';
import { ctlOk, settledSnapshot, skipWithoutLab } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

const STUN_SERVER = fileURLToPath(new URL('../../kit/lab/servers/stun-server.ts', import.meta.url));
const NOT_ROOT = 'permission denied: mwanctl needs root (CAP_NET_ADMIN)';

/** True while `pid` runs (a zombie awaiting its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Every live descendant of `pid`, with its command line. */
function descendants(pid: number): { pid: number; cmd: string }[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  const out: { pid: number; cmd: string }[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      if (alive(c)) {
        try {
          out.push({ pid: c, cmd: readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').join(' ').trim() });
        } catch {
          /* gone */
        }
      }
      walk(c);
    }
  };
  walk(pid);
  return out;
}

describe('hostile: one daemon, and commands that never act beside it', function () {
  this.timeout(90000);
  let lab: Lab | undefined;
  let pristine = '';
  const mwans: Mwan[] = [];

  /** A fresh mwan dir for the lab; `socket` replaces control.socket (a path inside the dir). */
  const fresh = (o: { socket?: string; extra?: Record<string, unknown> } = {}): Mwan => {
    const m = mwanFor(lab!, (dir) => {
      const cfg = labConfig(lab!, dir, { extra: o.extra });
      if (o.socket) cfg.control = { socket: path.join(dir, o.socket) };
      return cfg;
    });
    mwans.push(m);
    return m;
  };
  const socketOf = (m: Mwan) =>
    (JSON.parse(readFileSync(m.configPath, 'utf8')) as { control: { socket: string } }).control.socket;

  before(async function () {
    await skipWithoutLab(this, 'hostile/daemon');
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

  it("a second `mwanctl daemon` for the same state directory exits 1 naming the lock and the first daemon's pid, and changes nothing", async () => {
    const m = fresh();
    const first = await m.startDaemon();
    const running = await routerSnapshot(lab!);
    const second = await m.ctl(['daemon'], { timeout: 20000 });
    assert.equal(second.exitCode, 1, second.stderr);
    assert.match(second.stderr, /lock held/);
    assert.match(second.stderr, new RegExp(`mwan\\.lock is locked by mwanctl daemon \\(pid ${first.pid}\\)`));
    assert.equal(await routerSnapshot(lab!), running);
    assert.ok(!first.hasExited, 'the first daemon still runs');
    assert.ok(existsSync(socketOf(m)), "the first daemon's socket was not removed");
    await ctlOk(m, ['status']);
    await ctlOk(m, ['stop']);
    await first.exited;
    assert.equal(await routerSnapshot(lab!), pristine);
  });

  it('a live socket is never replaced: a daemon with another state directory but the same socket path exits 1 naming it', async () => {
    const m = fresh();
    const first = await m.startDaemon();
    const running = await routerSnapshot(lab!);
    const other = fresh();
    // Different weights: had it reconciled before looking at the socket, the kernel would show it.
    const cfg = JSON.parse(readFileSync(other.configPath, 'utf8')) as { wans: Record<string, unknown>[] };
    cfg.wans[0].weight = 5;
    other.writeConfig({ ...cfg, control: { socket: socketOf(m) } });
    const r = await other.ctl(['daemon'], { timeout: 20000 });
    assert.equal(r.exitCode, 1, r.stderr);
    assert.ok(r.stderr.includes(`another mwan daemon is already listening on ${socketOf(m)}`), r.stderr);
    assert.equal(await routerSnapshot(lab!), running);
    await ctlOk(m, ['status']);
    await ctlOk(m, ['stop']);
    await first.exited;
  });

  for (const kind of ['a regular file', 'a directory', 'a symbolic link'] as const) {
    it(`control.socket naming ${kind} is refused, named, and left in place; the kernel is untouched`, async () => {
      const m = fresh({ socket: 'ctl/mwan.sock' });
      const socket = socketOf(m);
      mkdirSync(path.dirname(socket), { recursive: true });
      const victim = path.join(m.dir, 'victim.conf');
      writeFileSync(victim, 'important\n');
      if (kind === 'a regular file') writeFileSync(socket, 'not a socket\n');
      if (kind === 'a directory') mkdirSync(socket);
      if (kind === 'a symbolic link') symlinkSync(victim, socket);
      const r = await m.ctl(['daemon'], { timeout: 20000 });
      assert.equal(r.exitCode, 1, r.stderr);
      assert.ok(r.stderr.includes(`control socket path ${socket} is ${kind}, not a socket`), r.stderr);
      assert.ok(existsSync(socket), 'the path is still there');
      if (kind === 'a regular file') assert.equal(readFileSync(socket, 'utf8'), 'not a socket\n');
      assert.equal(readFileSync(victim, 'utf8'), 'important\n');
      assert.equal(await routerSnapshot(lab!), pristine);
    });
  }

  it('a user who is not root gets exactly the permission message from every command that needs the kernel; nothing changes', async () => {
    const m = fresh();
    // A config this user can read: the test dir is root's 0700, so a copy goes into a readable directory.
    const open = path.join(m.dir, 'readable');
    mkdirSync(open);
    chmodSync(m.dir, 0o711);
    chmodSync(open, 0o755);
    const config = path.join(open, 'mwan.json');
    writeFileSync(config, readFileSync(m.configPath), { mode: 0o644 });
    for (const args of [['apply'], ['stop'], ['wan', 'down', 'isp1'], ['daemon'], ['status'], ['plan']]) {
      const r = await lab!.exec(
        lab!.ns.router,
        [
          'setpriv',
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          '--',
          process.execPath,
          MWANCTL,
          '--config',
          config,
          ...args,
        ],
        { reject: false, timeout: 30000 },
      );
      assert.equal(r.exitCode, 1, `${args.join(' ')}: ${r.stderr}`);
      // Only the launcher's own notice (a stale bundle) may come first; then exactly this line, and no EPERM noise.
      const lines = r.stderr
        .trim()
        .split('\n')
        .filter((x) => !/mwanctl\.bundle\.mjs/.test(x));
      assert.deepEqual(lines, [NOT_ROOT], `mwanctl ${args.join(' ')}`);
    }
    assert.equal(await routerSnapshot(lab!), pristine);
  });

  it('apply, stop and wan refuse to act on the kernel while a daemon holds the lock but its socket does not answer', async () => {
    const m = fresh();
    const d = await m.startDaemon();
    const running = await routerSnapshot(lab!);
    const socket = socketOf(m);
    renameSync(socket, `${socket}.away`); // the daemon runs, but nobody can reach it
    try {
      for (const args of [['apply'], ['stop'], ['wan', 'down', 'isp1']]) {
        const r = await m.ctl(args);
        assert.equal(r.exitCode, 1, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, /lock held/, args.join(' '));
        assert.match(r.stderr, new RegExp(`mwanctl daemon \\(pid ${d.pid}\\)`), args.join(' '));
        assert.ok(r.stderr.includes(`control socket ${socket} does not answer`), r.stderr);
        assert.equal(await routerSnapshot(lab!), running, `mwanctl ${args.join(' ')} changed the kernel`);
      }
    } finally {
      renameSync(`${socket}.away`, socket);
    }
    await ctlOk(m, ['stop']);
    await d.exited;
  });

  it('after kill -9 of the daemon nothing it started runs on (ip monitor, conntrack -E, miniupnpd, ping); the next daemon replaces the stale socket', async () => {
    const l = lab!;
    const stun = l.spawn(l.ns.inet, nodeArgv(STUN_SERVER, ['--bind', l.addr.server]));
    try {
      await stun.waitForLine('ready', 15000);
      const m = fresh({
        extra: {
          plugins: { upnp: { enabled: true, stun: { host: l.addr.server } } },
          policies: { fewest: { strategy: 'least-connections', intervalMs: 500 } },
          defaultPolicy: 'fewest',
        },
      });
      const cfg = JSON.parse(readFileSync(m.configPath, 'utf8')) as { wans: Record<string, unknown>[] };
      cfg.wans[0].probes = [{ method: 'icmp', target: l.addr.server }];
      m.writeConfig(cfg);
      const d = l.spawn(l.ns.router, [
        'env',
        'MWAN_ICMP=ping',
        process.execPath,
        MWANCTL,
        '--config',
        m.configPath,
        'daemon',
      ]);
      await d.waitForLine(/mwan daemon ready/, 20000);
      const wanted = [/^ip .*monitor/, /^conntrack -E/, /miniupnpd/, /^ping /];
      let started: { pid: number; cmd: string }[] = [];
      await waitFor(
        () => {
          started = descendants(d.pid!);
          return wanted.every((re) => started.some((p) => re.test(p.cmd)));
        },
        20000,
        `the daemon's helpers to run (${wanted.join(', ')})`,
      ).catch((e: Error) => {
        throw new Error(`${e.message}: running ${JSON.stringify(started)}`);
      });
      process.kill(d.pid!, 'SIGKILL');
      await d.exited;
      await waitFor(() => started.every((p) => !alive(p.pid)), 20000, 'the helpers to die').catch(() => undefined);
      const left = started.filter((p) => alive(p.pid));
      for (const p of left) process.kill(p.pid, 'SIGKILL');
      assert.deepEqual(left, [], 'processes the killed daemon started still run');

      assert.ok(existsSync(socketOf(m)), 'kill -9 left its socket behind');
      const next = await m.startDaemon();
      assert.ok(!next.hasExited);
      await ctlOk(m, ['stop']);
      await next.exited;
    } finally {
      await stun.kill();
    }
  });
});
