// Tests the system implementations: real and memory files agree, the dry run refuses every change and says so, the memory system records.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DryRunRefusal, dryRunSystem } from './dry-run.ts';
import { systemFiles } from './files.ts';
import { MemorySystem } from './memory.ts';

describe('system implementations', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mwan-system-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('files: a bounded read drops a cut last line, in the real and the memory file service alike', async () => {
    const file = path.join(dir, 'leases');
    const text = 'TCP:1:10.0.0.5:1:0:a\nTCP:2:10.0.0.5:2:0:b\n';
    await writeFile(file, text);
    const memory = new MemorySystem().files;
    memory.put(file, text);
    for (const files of [systemFiles, memory]) {
      assert.equal(await files.readTextPrefix(file, 1000), text);
      assert.equal(await files.readTextPrefix(file, 30), 'TCP:1:10.0.0.5:1:0:a\n');
      assert.equal(await files.readTextPrefix(path.join(dir, 'missing'), 100), '');
    }
  });

  it('files: atomic writes are private (0600) and createIfMissing leaves an existing file alone', async () => {
    const file = path.join(dir, 'accepted');
    await systemFiles.createIfMissing(file, '');
    await systemFiles.writeAtomic(file, 'one\n');
    await systemFiles.createIfMissing(file, '');
    assert.equal(await readFile(file, 'utf8'), 'one\n');
    assert.equal((await stat(file)).mode & 0o777, 0o600);
  });

  it("dry run: reads, but refuses and prints every change; the daemon's services are idle", async () => {
    const printed: string[] = [];
    const system = dryRunSystem((l) => printed.push(l));
    const file = path.join(dir, 'f');
    await writeFile(file, 'x\n');
    assert.equal(await system.files.readTextPrefix(file, 10), 'x\n');
    await assert.rejects(system.files.writeAtomic(file, 'y'), DryRunRefusal);
    await assert.rejects(system.updateMap('mwan', 'm', [], []), DryRunRefusal);
    await assert.rejects(system.stateStore(dir).update({ disabled: ['isp1'] }), DryRunRefusal);
    // Setup-time changes are printed and skipped, so plugins set up as in the daemon.
    await system.files.mkdir(path.join(dir, 'upnp'), 0o700);
    await system.files.createIfMissing(path.join(dir, 'upnp', 'accepted'), '');
    await assert.rejects(stat(path.join(dir, 'upnp')), /ENOENT/);
    // Services are idle: nothing runs, nothing is sent.
    assert.equal((await system.runScript('/bin/true', {}, 1000)).exitCode, null);
    assert.equal(system.supervise({ name: 'x', argv: ['/usr/sbin/x'] }).pid, undefined);
    let samples = 0;
    system
      .startProbe(
        { target: '192.0.2.1', method: 'icmp' } as never,
        { wan: 'isp1', device: 'wan1', source: '100.64.1.2', intervalMs: 1000, timeoutMs: 500 },
        () => {
          samples++;
        },
      )
      .stop();
    system.conntrackFeed().subscribe({ event: () => undefined })();
    await assert.rejects(
      (await system.mail.open({ sendmail: true })).sendMail({ from: 'a@b', to: ['c@d'], subject: 's', text: 't' }),
      /not sent/,
    );
    assert.equal(samples, 0);
    assert.equal(await readFile(file, 'utf8'), 'x\n');
    assert.equal(printed.length, 5);
    assert.ok(
      printed.every((l) => /^would .*; not done$/.test(l)),
      printed.join('\n'),
    );
    assert.equal(system.kernel.kind, 'dry-run');
  });

  it('memory: records probes, processes, scripts, map updates, mail and state without doing them', async () => {
    const system = new MemorySystem();
    const samples: unknown[] = [];
    const prober = system.startProbe(
      { target: '192.0.2.1', method: 'icmp' } as never,
      { wan: 'isp1', device: 'wan1', source: '100.64.1.2', intervalMs: 1000, timeoutMs: 500 },
      (s) => samples.push(s),
    );
    system.probes[0].sample({ sentAt: 1, rttMs: 5 });
    prober.stop();
    system.probes[0].sample({ sentAt: 2, rttMs: 6 });
    assert.deepEqual(samples, [{ target: '192.0.2.1', method: 'icmp', sentAt: 1, rttMs: 5 }]);

    const exits: unknown[] = [];
    const handle = system.supervise(
      { name: 'miniupnpd', argv: ['/usr/sbin/miniupnpd'], files: [{ path: '/etc/x.conf', content: 'a=1\n' }] },
      { exited: (e) => exits.push(e) },
    );
    assert.equal(await system.files.readTextPrefix('/etc/x.conf', 100), 'a=1\n');
    await handle.stop();
    assert.equal(system.processes[0].stopped, true);
    assert.equal(exits.length, 1);

    system.files.put('/scripts/10-a', '#!/bin/sh\n', true);
    system.files.put('/scripts/.hidden', '#!/bin/sh\n', true);
    system.files.put('/scripts/readme', 'text\n');
    assert.deepEqual(
      await system.files.trustedExecutables('/scripts', {
        what: 'script',
        refused: () => undefined,
        unreadable: () => undefined,
      }),
      ['/scripts/10-a'],
    );
    assert.equal((await system.runScript('/scripts/10-a', { ACTION: 'ifup' }, 1000)).exitCode, 0);

    await system.updateMap('mwan', 'sticky', [{ key: '10.0.0.2', mark: 0x100, timeoutSeconds: 60 }], []);
    const transport = await system.mail.open({ sendmail: true });
    await transport.sendMail({ from: 'a@b.c', to: ['d@e.f'], subject: 's', text: 't' });
    const store = system.stateStore('/var/lib/mwan');
    await store.update({ disabled: ['isp2'] });
    assert.deepEqual(await store.load(), { disabled: ['isp2'], sysctlOriginals: {} });
    assert.deepEqual(system.calls, [
      'probe icmp 192.0.2.1 isp1',
      'supervise miniupnpd',
      'script /scripts/10-a',
      'map mwan sticky',
      'mail open',
    ]);
    assert.equal(system.mails[0].message.subject, 's');
  });
});
