// Tests the daemon's whole start on the memory system: every built-in plugin active, a WAN event, teardown — no process spawned, no socket opened.
import assert from 'node:assert/strict';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../core/log.ts';
import type { LinkState, ObservedNetwork } from '../../core/system/kernel/adapter.ts';
import { MemoryKernel } from '../../core/system/kernel/memory-adapter.ts';
import { MemorySystem } from '../../core/system/memory.ts';
import { buildEngine } from '../engine-factory.ts';
import { runDaemon } from './daemon.ts';

const require = createRequire(import.meta.url);
const childProcess = require('node:child_process') as Record<string, unknown>;
const net = require('node:net') as typeof import('node:net');
const dgram = require('node:dgram') as typeof import('node:dgram');

/**
 * Records every process spawn and every socket connect, listen, bind or send made while it is on (the functions are
 * wrapped, and ESM importers see the wrappers), and which socket fds and child processes exist (for native code).
 */
function watchEffects() {
  const seen: string[] = [];
  const undo: (() => void)[] = [];
  const wrap = (obj: Record<string, unknown>, name: string, label: string) => {
    const original = obj[name] as (...a: unknown[]) => unknown;
    obj[name] = function (this: unknown, ...args: unknown[]) {
      seen.push(`${label}${typeof args[0] === 'string' ? ` ${args[0]}` : ''}`);
      return original.apply(this, args);
    };
    undo.push(() => {
      obj[name] = original;
    });
  };
  for (const f of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'])
    wrap(childProcess, f, `child_process.${f}`);
  wrap(net.Socket.prototype as unknown as Record<string, unknown>, 'connect', 'net connect');
  wrap(net.Server.prototype as unknown as Record<string, unknown>, 'listen', 'net listen');
  wrap(dgram as unknown as Record<string, unknown>, 'createSocket', 'dgram socket');
  syncBuiltinESMExports();
  return {
    seen,
    stop() {
      for (const u of undo) u();
      syncBuiltinESMExports();
    },
  };
}

/** The socket fds of this process (raw ICMP sockets of the native addon included). */
const socketFds = () =>
  new Set(
    readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        const target = readlinkSync(`/proc/self/fd/${fd}`);
        return target.startsWith('socket:') ? [target] : [];
      } catch {
        return [];
      }
    }),
  );
/** The child processes of every thread of this process. */
const children = () =>
  readdirSync('/proc/self/task').flatMap((t) => {
    try {
      return readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return [];
    }
  });

const link = (name: string, address: string, carrier = true, prefixLength = 30): LinkState => ({
  name,
  adminUp: true,
  carrier,
  pointToPoint: false,
  addresses: [{ address, prefixLength }],
});
const network = (down: string[] = []): ObservedNetwork => ({
  links: [
    link('wan1', '100.64.1.2', !down.includes('wan1')),
    link('wan2', '100.64.2.2', !down.includes('wan2')),
    link('lan0', '10.0.0.1', true, 24),
  ],
  defaults: [
    { dev: 'wan1', via: '100.64.1.1', table: 254 },
    { dev: 'wan2', via: '100.64.2.1', table: 254 },
  ],
});

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('daemon start on the memory system', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mwan-memory-start-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('the watch sees a spawned process and an opened socket (so the test below can fail)', async () => {
    const effects = watchEffects();
    try {
      const { execa } = await import('execa');
      await execa('true');
      const socket = dgram.createSocket('udp4');
      socket.close();
    } finally {
      effects.stop();
    }
    assert.deepEqual(
      effects.seen.filter((s) => s.startsWith('child_process.')).length > 0,
      true,
      effects.seen.join(', '),
    );
    assert.ok(effects.seen.includes('dgram socket udp4'), effects.seen.join(', '));
  });

  it('loads the config, sets up every built-in plugin, reconciles, follows a carrier loss and tears down, spawning nothing', async () => {
    const scripts = path.join(dir, 'scripts');
    const configFile = path.join(dir, 'mwan.config.json');
    await writeFile(
      configFile,
      JSON.stringify({
        stateDir: path.join(dir, 'state'),
        control: { socket: path.join(dir, 'mwan.sock') },
        lan: [{ device: 'lan0' }],
        wans: [
          {
            name: 'isp1',
            device: 'wan1',
            probes: [{ target: '192.0.2.1' }, { target: '198.51.100.1', method: 'tcp', port: 443 }],
          },
          { name: 'isp2', device: 'wan2', probes: [{ target: '192.0.2.2' }] },
        ],
        policies: { queued: { strategy: 'nfqueue:round-robin', members: [{ wan: 'isp1' }, { wan: 'isp2' }] } },
        rules: [{ dport: 443, policy: 'queued' }],
        plugins: {
          upnp: { enabled: true },
          mail: { to: 'noc@example.net', coalesceMs: 0, transport: { host: 'smtp.example.net' } },
          'event-scripts': { dir: scripts },
        },
      }),
    );
    const kernel = new MemoryKernel(network());
    const system = new MemorySystem(kernel);
    system.files.put(path.join(scripts, '10-notify'), '#!/bin/sh\n', true);
    const fdsBefore = socketFds();
    const childrenBefore = children();

    const effects = watchEffects();
    try {
      const log = silentLogger();
      const engine = await buildEngine(configFile, log, system);
      let served: string | undefined;
      system.watchdogMs = 40;
      const handle = await runDaemon(
        engine,
        log,
        undefined,
        async (socket) => {
          served = socket;
          return { close: (done) => done() };
        },
        system.notifier,
      );
      assert.equal(served, path.join(dir, 'mwan.sock'));

      // The first reconcile reached the memory kernel: mwan's table, the WANs' routes, the NFQUEUE queue rule.
      assert.ok(kernel.plans.length >= 1, 'no plan applied');
      assert.match(kernel.plans[0].nft, /table inet mwan/);
      assert.ok(kernel.state.routes.some((r) => r.dev === 'wan1') && kernel.state.routes.some((r) => r.dev === 'wan2'));
      assert.ok(kernel.nfqueue.rules, 'the NFQUEUE queue rules were not applied');
      assert.equal(kernel.nfqueue.queues.size, 1, 'the NFQUEUE listener was not started');
      // Every service went through the system: probes, miniupnpd, the mail transport.
      await until('the probes started', () => system.probes.length >= 3);
      assert.deepEqual(system.probes.map((p) => `${p.spec.method} ${p.spec.target}`).sort(), [
        'icmp 192.0.2.1',
        'icmp 192.0.2.2',
        'tcp 198.51.100.1',
      ]);
      await until('miniupnpd supervised', () => system.processes.length > 0);
      assert.equal(system.processes[0].spec.name, 'miniupnpd');
      assert.ok(
        system.files.files.has(path.join(dir, 'state', 'upnp', 'accepted.leases')),
        'the accepted lease file was not created',
      );
      assert.ok(system.calls.includes('mail open'));

      // Carrier lost on wan1: the daemon folds it in, reconciles, and the event script runs (in memory).
      const plans = kernel.plans.length;
      kernel.network = network(['wan1']);
      kernel.notify({ name: 'wan1', adminUp: true, carrier: false, deleted: false });
      await until(
        'a plan without wan1',
        () => kernel.plans.length > plans && !kernel.state.routes.some((r) => r.dev === 'wan1' && r.table === 254),
      );
      assert.equal(engine.world().wans.find((w) => w.name === 'isp1')!.inService, false);
      await until('the mail about isp1', () => system.mails.some((m) => /isp1/.test(m.message.subject)));
      await until('the event script', () =>
        system.scripts.some((s) => s.env.ACTION === 'ifdown' && s.env.WAN === 'isp1'),
      );
      // systemd heard READY after the first reconcile, the status after the carrier loss, and heartbeats (WATCHDOG_USEC 40 ms).
      assert.equal(system.notifications[0], 'READY=1\nSTATUS=2/2 WANs in service\n');
      await until('the status naming isp1', () =>
        system.notifications.includes('STATUS=1/2 WANs in service (isp1 link-down)\n'),
      );
      await until('two heartbeats', () => system.notifications.filter((n) => n === 'WATCHDOG=1\n').length >= 2);

      await handle.shutdown(false);
      await handle.stopped;
      assert.equal(system.notifications.at(-1), 'STOPPING=1\nSTATUS=stopping\n');
      const beats = system.notifications.length;
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(system.notifications.length, beats, 'heartbeats after the stop');
      assert.ok(
        system.probes.every((p) => p.stopped),
        'a probe was left running',
      );
      assert.ok(
        system.processes.every((p) => p.stopped),
        'miniupnpd was left running',
      );
      assert.equal(kernel.nfqueue.queues.size, 0, 'the NFQUEUE listener was left bound');
    } finally {
      effects.stop();
    }
    assert.deepEqual(effects.seen, [], 'a process was spawned or a socket opened');
    assert.deepEqual(
      [...socketFds()].filter((s) => !fdsBefore.has(s)),
      [],
      'a socket is still open',
    );
    assert.deepEqual(
      children().filter((c) => !childrenBefore.includes(c)),
      [],
      'a child process is still running',
    );
  });
});
