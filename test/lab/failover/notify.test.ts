// Telling people, end to end: a WAN's upstream dies and comes back; a real SMTP server gets the mail, event scripts get the variables.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, type Lab, type ManagedProcess } from '../../kit/lab/topology.ts';
import { nodeArgv, startServers } from '../../kit/lab/traffic.ts';
import { labConfig, mwanFor, type Mwan } from '../../kit/lab/fixture.ts';
import { skipWithoutLab } from '../../kit/lab/helpers.ts';
import { waitFor } from '../../kit/time.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

describe('mwan lab: mail and event scripts on state changes', function () {
  this.timeout(90000);
  let lab: Lab | undefined;
  let mwan: Mwan | undefined;
  let smtp: ManagedProcess | undefined;

  before(async function () {
    await skipWithoutLab(this, 'notify');
    lab = await createLab({ wans: 2 });
    await startServers(lab);
    smtp = lab.spawn(
      lab.ns.router,
      nodeArgv(here('../../kit/lab/servers/smtp-sink.ts'), [
        '--bind',
        '127.0.0.1',
        '--port',
        '2525',
        '--user',
        'mwan',
        '--pass',
        'secret',
      ]),
    );
    await smtp.waitForLine('ready', 15000);
    mwan = mwanFor(lab);
    const events = path.join(mwan.dir, 'events.d');
    mkdirSync(events, { mode: 0o755 });
    chmodSync(events, 0o755);
    const log = path.join(mwan.dir, 'script.log');
    writeFileSync(
      path.join(events, '10-log'),
      `#!/bin/sh\necho "ACTION=$ACTION WAN=$WAN DEVICE=$DEVICE GATEWAY=$GATEWAY RTT_MS=$RTT_MS LOSS_PCT=$LOSS_PCT" >> ${log}\n`,
      { mode: 0o755 },
    );
    chmodSync(path.join(events, '10-log'), 0o755);
    const cfg = labConfig(lab, mwan.dir);
    for (const w of cfg.wans as Record<string, unknown>[])
      w.probes = [
        { method: 'icmp', target: lab.addr.server },
        { method: 'icmp', target: lab.addr.server2 },
      ];
    cfg.plugins = {
      mail: {
        to: 'noc@example.net',
        from: 'mwan@router.example.net',
        coalesceMs: 300,
        transport: {
          host: '127.0.0.1',
          port: 2525,
          starttls: 'required',
          auth: { user: 'mwan', pass: 'secret' },
          tls: { rejectUnauthorized: false },
        },
      },
      'event-scripts': { dir: events, timeoutMs: 5000 },
    };
    mwan.writeConfig(cfg);
    await mwan.startDaemon();
  });

  after(async () => {
    try {
      await smtp?.kill();
      await mwan?.cleanup();
    } finally {
      await lab?.teardown();
    }
  });

  it('an upstream failure and its recovery are mailed with the figures, over STARTTLS with auth', async () => {
    const l = lab!;
    const mails: { subject: string; raw: string; secure: boolean }[] = [];
    const reader = (async () => {
      for (;;) {
        const line = await smtp!.nextLine(60000).catch(() => null);
        if (line === null) return;
        if (line.startsWith('{')) mails.push(JSON.parse(line));
      }
    })();
    await new Promise((r) => setTimeout(r, 2000)); // probes answering, start-up mails sent
    const cutAt = Date.now();
    await l.cutUpstream(2);
    const after = () => mails.filter((m) => (m as unknown as { at: number }).at >= cutAt);
    await waitFor(() => after().some((m) => /isp2 offline/.test(m.subject)), 15000, 'the offline mail');
    await l.restoreUpstream(2);
    await waitFor(() => after().some((m) => /isp2 online/.test(m.subject)), 20000, 'the online mail');
    void reader;
    const offline = after().find((m) => /isp2 offline/.test(m.subject))!;
    const online = after().find((m) => /isp2 online/.test(m.subject))!;
    console.log(`      mail subjects: ${mails.map((m) => m.subject).join(' | ')}`);
    assert.ok(offline.secure && online.secure, 'STARTTLS was used');
    assert.match(offline.raw, /fewer than 1 of 2 targets answered/);
    assert.match(offline.raw, /loss/i);
    assert.match(online.raw, /RTT/i);
    assert.match(online.raw, /Down for: +\d/);
    assert.ok(!after().some((m) => /isp2 degraded/.test(m.subject)), 'a hard failure goes straight to offline');
  });

  it('the event scripts ran with the documented variables', async () => {
    const log = path.join(mwan!.dir, 'script.log');
    await waitFor(
      () => existsSync(log) && /ACTION=connected WAN=isp2 \S+ \S+ RTT_MS=\d/.test(readFileSync(log, 'utf8')),
      20000,
      'the connected action after recovery',
    );
    const text = readFileSync(log, 'utf8');
    assert.match(text, /ACTION=disconnected WAN=isp2 DEVICE=wan2 GATEWAY=100\.64\.2\.1 RTT_MS=\S* LOSS_PCT=\d/);
    assert.match(text, /ACTION=connected WAN=isp2 DEVICE=wan2 GATEWAY=100\.64\.2\.1 RTT_MS=[\d.]+ /);
  });
});
