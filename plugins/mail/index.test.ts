// Tests the mail plugin against a real SMTP server (STARTTLS + AUTH PLAIN) and a fake sendmail: changes, flaps, long down, retries.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { EventBus } from '../../core/bus.ts';
import { parseConfig } from '../../cli/config.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import { systemMail } from '../../core/system/mail.ts';
import type { PluginContext, WorldView } from '../../plugin-api/types.ts';
import { createMail, type MailPlugin } from './index.ts';
import { parseMailOptions, type MailOptions } from './options.ts';
import { sleep, waitFor } from '../../test/kit/time.ts';

interface Received {
  subject: string;
  text: string;
  secure: boolean;
  user: string;
  to: string[];
}
interface Server {
  port: number;
  received: Received[];
  attempts: number;
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1: STARTTLS (smtp-server's built-in test certificate), AUTH PLAIN as mwan/secret. */
async function smtpServer(options: { failFirst?: number; noStartTls?: boolean } = {}): Promise<Server> {
  const state: Server = { port: 0, received: [], attempts: 0, close: async () => undefined };
  const server = new SMTPServer({
    logger: false,
    authMethods: ['PLAIN'],
    allowInsecureAuth: options.noStartTls ?? false,
    disabledCommands: options.noStartTls ? ['STARTTLS'] : [],
    onAuth(auth, _session, cb) {
      cb(auth.username === 'mwan' && auth.password === 'secret' ? null : new Error('bad credentials'), {
        user: auth.username,
      });
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.attempts++;
        if (state.attempts <= (options.failFirst ?? 0))
          return cb(Object.assign(new Error('try again later'), { responseCode: 451 }));
        state.received.push({
          ...parse(Buffer.concat(chunks).toString('utf8')),
          secure: session.secure,
          user: session.user,
          to: session.envelope.rcptTo.map((r) => r.address),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.server.address() as AddressInfo).port;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

/** The subject and the decoded plain-text body of a raw message. */
function parse(raw: string): { subject: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split).replace(/\r\n(?=[ \t])/g, '');
  let body = raw.slice(split + 4);
  if (/^content-transfer-encoding: quoted-printable/im.test(headers)) {
    body = body
      .replace(/=\r\n/g, '')
      .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
  return { subject: /^subject: (.*)$/im.exec(headers)![1], text: body.replace(/\r\n/g, '\n') };
}

const { config } = parseConfig({
  wans: [
    { name: 'isp1', device: 'wan1' },
    { name: 'isp2', device: 'wan2' },
  ],
});

/** A context as the host builds it: the options parsed by the plugin's parser. */
function context(options: Record<string, unknown>, bus: EventBus, log: Logger): PluginContext<MailOptions> {
  return {
    name: 'mail',
    config,
    options: parseMailOptions(options),
    log,
    bus,
    world: () => ({ wans: [] }) as unknown as WorldView,
    requestReconcile: () => undefined,
    reportHealth: () => undefined,
    system: {
      mail: systemMail,
      deleteConnections: async () => 0,
      startProbe: () => ({ stop: () => undefined }),
      runScript: async () => ({ exitCode: 0, signal: null, timedOut: false, ms: 0, stderr: '' }),
    },
  };
}

describe('mail plugin', () => {
  let server: Server | undefined;
  let plugin: MailPlugin | undefined;
  let logged: { level: number; msg: string }[];
  let bus: EventBus;

  async function start(options: Record<string, unknown>, smtp: Record<string, unknown> = {}): Promise<void> {
    logged = [];
    bus = new EventBus();
    const log = pino(
      { level: 'debug' },
      {
        write: (s: string) => {
          logged.push(JSON.parse(s));
        },
      },
    );
    const transport = options.transport ?? {
      host: '127.0.0.1',
      port: server!.port,
      starttls: 'required',
      auth: { user: 'mwan', pass: 'secret' },
      tls: { rejectUnauthorized: false },
      ...smtp,
    };
    plugin = createMail({ host: 'router1' });
    await plugin.setup!(
      context(
        {
          to: ['noc@example.net', 'Ops <ops@example.net>'],
          from: 'mwan@router1.example.net',
          coalesceMs: 100,
          retryDelayMs: 20,
          ...options,
          transport,
        },
        bus,
        log,
      ),
    );
  }

  afterEach(async () => {
    await plugin?.teardown?.();
    await server?.close();
    plugin = undefined;
    server = undefined;
  });

  it('mails each state change over STARTTLS with AUTH: WAN, state, reason, RTT, loss, down time', async () => {
    server = await smtpServer();
    await start({});
    bus.emit('wan.offline', { wan: 'isp2', reason: 'no answer from 2 targets', rttMs: null, lossPct: 100 });
    await waitFor(() => server!.received.length === 1, 5000, 'the offline message');
    bus.emit('wan.online', {
      wan: 'isp2',
      reason: 'answers from 2 targets',
      rttMs: 23.46,
      lossPct: 5,
      downForMs: 42_000,
    });
    await waitFor(() => server!.received.length === 2, 5000, 'the online message');
    const [offline, online] = server.received;
    assert.equal(offline.secure, true, 'the session was upgraded with STARTTLS');
    assert.equal(offline.user, 'mwan');
    assert.deepEqual(offline.to, ['noc@example.net', 'ops@example.net']);
    assert.equal(offline.subject, '[mwan] isp2 offline: no answer from 2 targets');
    for (const line of [
      'WAN:       isp2',
      'State:     offline',
      'Reason:    no answer from 2 targets',
      'RTT:       unknown',
      'Loss:      100 %',
    ])
      assert.ok(offline.text.includes(line), `${line} in\n${offline.text}`);
    assert.match(offline.text, /Time: {6}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
    assert.match(offline.text, /mwan on router1/);
    assert.doesNotMatch(offline.text, /Down for/);
    assert.equal(online.subject, '[mwan] isp2 online: answers from 2 targets');
    for (const line of ['State:     online', 'RTT:       23.5 ms', 'Loss:      5 %', 'Down for:  42 s'])
      assert.ok(online.text.includes(line), `${line} in\n${online.text}`);
  });

  it('coalesces a flap (5 changes within coalesceMs) into one message listing every transition', async () => {
    server = await smtpServer();
    await start({ coalesceMs: 300 });
    const states = ['offline', 'online', 'offline', 'online', 'offline'] as const;
    for (const [i, state] of states.entries()) {
      bus.emit(`wan.${state}`, {
        wan: 'isp1',
        reason: `${state} reason ${i + 1}`,
        rttMs: 10 + i,
        lossPct: i * 10,
        ...(state === 'online' ? { downForMs: 1500 } : {}),
      });
      await sleep(30);
    }
    bus.emit('wan.offline', { wan: 'isp2', reason: 'another WAN has its own window', lossPct: 100 });
    await waitFor(() => server!.received.length === 2, 5000, 'two messages');
    await sleep(400);
    assert.equal(server.received.length, 2, 'one message per WAN');
    const flap = server.received.find((m) => m.subject.includes('isp1'))!;
    assert.match(flap.subject, /^\[mwan\] isp1 offline: offline reason 5 \(5 changes in [\d.]+ m?s\)$/);
    assert.match(flap.text, /isp1 changed state 5 times in [\d.]+ m?s \(flapping\); it is now offline\./);
    const listed = [...flap.text.matchAll(/^(\d)\. (\w+) at /gm)].map((m) => `${m[1]}.${m[2]}`);
    assert.deepEqual(listed, ['1.offline', '2.online', '3.offline', '4.online', '5.offline']);
    for (let i = 1; i <= 5; i++) assert.ok(flap.text.includes(`reason ${i}`));
    assert.ok(
      flap.text.includes('RTT:       14 ms') &&
        flap.text.includes('Loss:      40 %') &&
        flap.text.includes('Down for:  1.5 s'),
      flap.text,
    );
    assert.equal(
      server.received.find((m) => m.subject.includes('isp2'))!.subject,
      '[mwan] isp2 offline: another WAN has its own window',
    );
  });

  it('sends one long-down notice per outage', async () => {
    server = await smtpServer();
    await start({ coalesceMs: 60_000 });
    bus.emit('wan.offline', { wan: 'isp2', reason: 'no answer', lossPct: 100 });
    bus.emit('wan.longdown', {
      wan: 'isp2',
      reason: 'out of service longer than 120 s',
      lossPct: 100,
      downForMs: 120_000,
    });
    bus.emit('wan.longdown', { wan: 'isp2', reason: 'again', downForMs: 121_000 });
    await waitFor(() => server!.received.length === 2, 5000, 'two messages');
    await sleep(100);
    assert.deepEqual(
      server.received.map((m) => m.subject),
      ['[mwan] isp2 offline: no answer', '[mwan] isp2 long down for 2 min 0 s: out of service longer than 120 s'],
    );
    assert.match(server.received[1].text, /isp2 has been out of service for 2 min 0 s and is still down\./);
    assert.ok(server.received[1].text.includes('Down for:  2 min 0 s'));
  });

  it('mails each quota threshold and the quota used up, never the periodic use figure', async () => {
    server = await smtpServer();
    await start({ coalesceMs: 60_000 });
    const q = { wan: 'isp1', limitBytes: 1000, state: 'warned' as const };
    bus.emit('wan.quota', { ...q, usedBytes: 500, percent: 50, threshold: null });
    bus.emit('wan.quota', { ...q, usedBytes: 800, percent: 80, threshold: 80 });
    bus.emit('wan.quota', { ...q, usedBytes: 1000, percent: 100, state: 'exhausted', threshold: 100 });
    await waitFor(() => server!.received.length === 2, 5000, 'two messages');
    await sleep(100);
    assert.deepEqual(
      server.received.map((m) => m.subject),
      [
        '[mwan] isp1 80 % of the data quota used',
        '[mwan] isp1 data quota used up: standby (used only while no other WAN is in service) until the next period',
      ],
    );
    assert.match(server.received[1].text, /used: +1000 of 1000 bytes \(100\.0 %\)/);
  });

  it('mails when the HA peers’ configurations start to differ and when they match again, not an unreachable peer', async () => {
    server = await smtpServer();
    await start({});
    const p = { node: 'r2', peer: 'r1', sections: [] as string[] };
    bus.emit('ha.peer', { ...p, config: 'matches', previous: null });
    bus.emit('ha.peer', { ...p, config: 'differs', previous: 'matches', sections: ['wans'] });
    bus.emit('ha.peer', { ...p, config: 'unreachable', previous: 'differs' });
    bus.emit('ha.peer', { ...p, config: 'matches', previous: 'unreachable' });
    bus.emit('ha.peer', { ...p, config: 'differs', previous: 'matches', sections: ['wans'] });
    bus.emit('ha.peer', { ...p, config: 'matches', previous: 'differs' });
    await waitFor(() => server!.received.length === 3, 5000, 'three messages');
    await sleep(100);
    assert.deepEqual(
      server.received.map((m) => m.subject),
      [
        '[mwan] HA node r2: configuration differs from peer r1',
        '[mwan] HA node r2: configuration differs from peer r1',
        '[mwan] HA node r2: configuration matches peer r1 again',
      ],
    );
  });

  it('retries a failed send and logs each failure without touching the bus', async () => {
    server = await smtpServer({ failFirst: 2 });
    await start({ coalesceMs: 0, retries: 3 });
    bus.emit('wan.degraded', { wan: 'isp1', reason: 'loss 25 % above 20 %', rttMs: 80, lossPct: 25 });
    await waitFor(() => server!.received.length === 1, 5000, 'the message');
    assert.equal(server.attempts, 3);
    assert.equal(logged.filter((l) => /retrying in (20|40) ms/.test(l.msg)).length, 2);
    assert.equal(server.received[0].subject, '[mwan] isp1 degraded: loss 25 % above 20 %');
    assert.deepEqual(bus.failures, []);
  });

  it('gives up after the bounded retries when STARTTLS is required but not offered', async () => {
    server = await smtpServer({ noStartTls: true });
    await start({ coalesceMs: 0, retries: 1 });
    bus.emit('wan.offline', { wan: 'isp1', reason: 'r' });
    await waitFor(() => logged.some((l) => /giving up/.test(l.msg)), 5000, 'giving up');
    await plugin!.idle();
    assert.equal(server.received.length, 0);
    const problems = logged.filter((l) => l.level >= 40).map((l) => l.msg);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0], /^cannot send mail \(.*STARTTLS.*\); retrying in 20 ms$/);
    assert.match(problems[1], /^cannot send mail after 2 attempt\(s\); giving up: .*STARTTLS/);
    assert.deepEqual(bus.failures, []);
  });

  it("sends in clear text to a server without STARTTLS only when starttls is 'never'", async () => {
    server = await smtpServer({ noStartTls: true });
    await start({ coalesceMs: 0, retries: 0 }, { starttls: 'never' });
    bus.emit('wan.offline', { wan: 'isp1', reason: 'r' });
    await waitFor(() => server!.received.length === 1, 5000, 'the message');
    assert.equal(server.received[0].secure, false);
  });

  it('teardown flushes an open coalescing window and waits for the send', async () => {
    server = await smtpServer();
    await start({ coalesceMs: 600_000 });
    bus.emit('wan.offline', { wan: 'isp1', reason: 'pending at shutdown' });
    await sleep(50);
    assert.equal(server.received.length, 0);
    await plugin!.teardown!();
    plugin = undefined;
    assert.deepEqual(
      server.received.map((m) => m.subject),
      ['[mwan] isp1 offline: pending at shutdown'],
    );
  });

  it('sends through a sendmail binary', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mwan-sendmail-'));
    try {
      const sendmail = path.join(dir, 'sendmail');
      await writeFile(sendmail, `#!/bin/sh\necho "$@" > "${dir}/args"\ncat > "${dir}/message"\n`);
      await chmod(sendmail, 0o755);
      await start({ coalesceMs: 0, transport: { sendmail: true, path: sendmail } });
      bus.emit('wan.offline', { wan: 'isp1', reason: 'carrier lost' });
      await waitFor(() => logged.some((l) => l.msg === 'mail sent'), 5000, 'the sendmail run');
      const message = parse((await readFile(path.join(dir, 'message'), 'utf8')).replace(/\r?\n/g, '\r\n'));
      assert.equal(message.subject, '[mwan] isp1 offline: carrier lost');
      assert.match(await readFile(path.join(dir, 'args'), 'utf8'), /noc@example\.net ops@example\.net/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is inert without recipients', async () => {
    bus = new EventBus();
    plugin = createMail();
    await plugin.setup!(context({}, bus, silentLogger()));
    assert.equal(bus.listenerCount('wan.offline'), 0);
    assert.equal(bus.listenerCount('wan.longdown'), 0);
  });
});
