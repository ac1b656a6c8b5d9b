// Tests the event-scripts plugin with real shell scripts: the variables per ACTION, ordering, limits, the queue and safety.
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { EventBus } from '../../core/bus.ts';
import { waitFor } from '../../test/kit/time.ts';
import { parseConfig } from '../../cli/config.ts';
import { runScript } from '../../core/system/process/scripts.ts';
import { systemFiles } from '../../core/system/files.ts';
import { silentLogger, type Logger } from '../../core/log.ts';
import type { PluginContext, WorldView } from '../../plugin-api/types.ts';
import { createEventScripts, scriptEnv, type EventScriptsPlugin } from './index.ts';
import { parseEventScriptsOptions, type EventScriptsOptions } from './options.ts';

const WORLD = {
  wans: [
    { name: 'isp1', device: 'wan1', gateway: '100.64.1.1' },
    { name: 'isp2', device: 'ppp0', gateway: null },
  ],
} as unknown as WorldView;
const { config } = parseConfig({
  wans: [
    { name: 'isp1', device: 'wan1' },
    { name: 'isp2', device: 'ppp0' },
  ],
});

/** A context as the host builds it: the options parsed by the plugin's parser. */
function context(
  options: Record<string, unknown>,
  bus: EventBus,
  log: Logger = silentLogger(),
): PluginContext<EventScriptsOptions> {
  return {
    name: 'event-scripts',
    config,
    options: parseEventScriptsOptions(options),
    log,
    bus,
    world: () => WORLD,
    requestReconcile: () => undefined,
    reportHealth: () => undefined,
    system: {
      deleteConnections: async () => 0,
      startProbe: () => ({ stop: () => undefined }),
      runScript,
      files: systemFiles,
    },
  };
}

function capturingLogger(): { log: Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  return {
    log: pino(
      { level: 'debug' },
      {
        write: (s: string) => {
          lines.push(JSON.parse(s));
        },
      },
    ),
    lines,
  };
}

let root: string;
let dir: string;
let out: string;
let plugin: EventScriptsPlugin | undefined;

async function script(name: string, body: string, mode = 0o755): Promise<void> {
  await writeFile(path.join(dir, name), `#!/bin/sh\n${body}\n`);
  await chmod(path.join(dir, name), mode);
}

/** Records: one object of variables per run, in the order the runs happened. */
async function records(file: string): Promise<Record<string, string>[]> {
  const text = await readFile(path.join(out, file), 'utf8').catch(() => '');
  return text
    .split('---\n')
    .filter(Boolean)
    .map((block) =>
      Object.fromEntries(
        block
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      ),
    );
}

const lines = async (file: string) =>
  (await readFile(path.join(out, file), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
const recordEnv = (name: string) => `{ env; echo ---; } >> "${'$OUT_DIR'}/${name}.log"`;

async function start(
  options: Record<string, unknown>,
  bus = new EventBus(),
  log?: Logger,
  deps = {},
): Promise<EventBus> {
  plugin = createEventScripts(deps);
  await plugin.setup!(context({ dir, ...options }, bus, log));
  return bus;
}

describe('event-scripts plugin', () => {
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'mwan-event-scripts-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    dir = await mkdtemp(path.join(root, 'events.d-'));
    out = await mkdtemp(path.join(root, 'out-'));
  });
  afterEach(async () => {
    await plugin?.teardown?.();
    plugin = undefined;
  });

  it('runs every executable, in name order, with the documented variables for every ACTION', async () => {
    const log = (who: string) => `echo "${'$ACTION'}.${who}" >> "${out}/order.log"`;
    await script('20-second', `${log('second')}\nOUT_DIR="${out}"; ${recordEnv('second')}`);
    await script('10-first', `${log('first')}\nOUT_DIR="${out}"; ${recordEnv('first')}`);
    await script('30-not-executable', `echo ran >> "${out}/never.log"`, 0o644);
    await script('.hidden', `echo ran >> "${out}/never.log"`);
    await mkdir(path.join(dir, '40-a-directory'), { mode: 0o755 });
    const bus = await start({});
    bus.emit('link.up', { device: 'wan1' });
    bus.emit('link.up', { device: 'lan0' }); // not a WAN: nothing runs
    bus.emit('wan.online', { wan: 'isp1', reason: 'answers from 2 targets', rttMs: 12.345, lossPct: 0 });
    bus.emit('wan.degraded', { wan: 'isp1', reason: 'latency 612 ms above 500 ms', rttMs: 612, lossPct: 4 });
    bus.emit('wan.offline', { wan: 'isp2', reason: 'no answer from 2 targets', rttMs: null, lossPct: 100 });
    bus.emit('wan.longdown', { wan: 'isp2', reason: 'out of service for 120 s', downForMs: 120_400 });
    bus.emit('link.down', { device: 'ppp0' });
    await plugin!.idle();

    const first = await records('first.log');
    assert.deepEqual(first, await records('second.log'));
    assert.deepEqual(
      first.map((r) => r.ACTION),
      ['ifup', 'connected', 'degraded', 'disconnected', 'long_down', 'ifdown'],
    );
    const pick = (r: Record<string, string>) => ({
      ACTION: r.ACTION,
      WAN: r.WAN,
      DEVICE: r.DEVICE,
      GATEWAY: r.GATEWAY,
      RTT_MS: r.RTT_MS,
      LOSS_PCT: r.LOSS_PCT,
      REASON: r.REASON,
      DOWN_FOR_S: r.DOWN_FOR_S,
    });
    assert.deepEqual(first.map(pick), [
      {
        ACTION: 'ifup',
        WAN: 'isp1',
        DEVICE: 'wan1',
        GATEWAY: '100.64.1.1',
        RTT_MS: '',
        LOSS_PCT: '',
        REASON: 'link up',
        DOWN_FOR_S: '',
      },
      {
        ACTION: 'connected',
        WAN: 'isp1',
        DEVICE: 'wan1',
        GATEWAY: '100.64.1.1',
        RTT_MS: '12.3',
        LOSS_PCT: '0',
        REASON: 'answers from 2 targets',
        DOWN_FOR_S: '',
      },
      {
        ACTION: 'degraded',
        WAN: 'isp1',
        DEVICE: 'wan1',
        GATEWAY: '100.64.1.1',
        RTT_MS: '612',
        LOSS_PCT: '4',
        REASON: 'latency 612 ms above 500 ms',
        DOWN_FOR_S: '',
      },
      {
        ACTION: 'disconnected',
        WAN: 'isp2',
        DEVICE: 'ppp0',
        GATEWAY: '',
        RTT_MS: '',
        LOSS_PCT: '100',
        REASON: 'no answer from 2 targets',
        DOWN_FOR_S: '',
      },
      {
        ACTION: 'long_down',
        WAN: 'isp2',
        DEVICE: 'ppp0',
        GATEWAY: '',
        RTT_MS: '',
        LOSS_PCT: '',
        REASON: 'out of service for 120 s',
        DOWN_FOR_S: '120',
      },
      {
        ACTION: 'ifdown',
        WAN: 'isp2',
        DEVICE: 'ppp0',
        GATEWAY: '',
        RTT_MS: '',
        LOSS_PCT: '',
        REASON: 'link down',
        DOWN_FOR_S: '',
      },
    ]);
    assert.equal(first[0].INTERFACE, 'isp1');
    assert.equal(first[0].EVENT, 'link.up');
    assert.deepEqual(await lines('never.log'), []);
    assert.deepEqual((await lines('order.log')).slice(0, 2).sort(), ['ifup.first', 'ifup.second']);
  });

  it('runs on every HA role change with HA_ROLE, HA_PREVIOUS_ROLE, HA_NODE, HA_PEER; in a pair WAN changes only on the master', async () => {
    await script('10-rec', `OUT_DIR="${out}"; ${recordEnv('rec')}`);
    const bus = new EventBus();
    plugin = createEventScripts();
    // In a pair (an ha section): only the master speaks about WANs; role changes run on every node.
    const ctx = context({ dir }, bus);
    await plugin.setup!({ ...ctx, config: { ...config, ha: {} as never } });
    bus.emit('wan.offline', { wan: 'isp1', reason: 'before any role' }); // no role yet: silent
    bus.emit('ha.role', { node: 'r1', peer: 'r2', role: 'backup', previous: null });
    bus.emit('wan.offline', { wan: 'isp1', reason: 'seen by the backup' }); // backup: silent
    bus.emit('ha.role', { node: 'r1', peer: 'r2', role: 'master', previous: 'backup' });
    bus.emit('wan.online', { wan: 'isp1', reason: 'seen by the master' });
    bus.emit('ha.role', { node: 'r1', peer: 'r2', role: 'fault', previous: 'master' });
    await plugin.idle();
    const runs = await records('rec.log');
    assert.deepEqual(
      runs.map((r) => [r.ACTION, r.EVENT, r.HA_ROLE ?? '-', r.HA_PREVIOUS_ROLE ?? '-', r.REASON]),
      [
        ['ha_backup', 'ha.role', 'backup', '', 'HA node r1 is backup'],
        ['ha_master', 'ha.role', 'master', 'backup', 'HA node r1 is master (was backup)'],
        ['connected', 'wan.online', '-', '-', 'seen by the master'],
        ['ha_fault', 'ha.role', 'fault', 'master', 'HA node r1 is fault (was master)'],
      ],
    );
    for (const r of runs.filter((x) => x.EVENT === 'ha.role')) {
      assert.equal(r.HA_NODE, 'r1');
      assert.equal(r.HA_PEER, 'r2');
      assert.equal(r.WAN, '');
      assert.equal(r.DEVICE, '');
    }
  });

  it('returns from the bus handler before the script finishes', async function () {
    this.timeout(5000); // a handler that waited for the script would wait forever: the script waits for the test
    const release = path.join(out, 'release');
    await script('wait', `while [ ! -e "${release}" ]; do sleep 0.02; done; echo script >> "${out}/order.log"`);
    const bus = await start({});
    // dispatch waits for every handler: if the handler waited for the script, this would never resolve.
    const failures = await bus.dispatch('wan.offline', { wan: 'isp1', reason: 'test' });
    assert.deepEqual(failures, []);
    appendFileSync(path.join(out, 'order.log'), 'handler returned\n');
    await writeFile(release, '');
    await plugin!.idle();
    assert.deepEqual(await lines('order.log'), ['handler returned', 'script']);
  });

  it('kills a hanging script and its child at the limit and logs it', async () => {
    const { log, lines: logged } = capturingLogger();
    await script(
      'hang',
      `echo start >> "${out}/hang.log"; sleep 30 & echo $! > "${out}/child.pid"; wait; echo end >> "${out}/hang.log"`,
    );
    const bus = await start({ timeoutMs: 300 }, new EventBus(), log);
    const started = Date.now();
    bus.emit('wan.offline', { wan: 'isp1', reason: 'test' });
    await plugin!.idle();
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
    assert.deepEqual(await lines('hang.log'), ['start']);
    const child = Number(await readFile(path.join(out, 'child.pid'), 'utf8'));
    await new Promise((r) => setTimeout(r, 100));
    const stat = await readFile(`/proc/${child}/stat`, 'utf8').catch(() => '');
    assert.ok(!stat || stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z', `child sleep ${child} survived`);
    assert.ok(
      logged.some((l) => l.level === 40 && /hang killed after 300 ms/.test(l.msg)),
      JSON.stringify(logged),
    );
  });

  it('never overlaps runs of one script, keeps their order, and logs a failing exit with stderr', async () => {
    const { log, lines: logged } = capturingLogger();
    await script(
      'serial',
      `echo "start $ACTION" >> "${out}/serial.log"; sleep 0.1; echo "end $ACTION" >> "${out}/serial.log"; echo "cannot reach $WAN" >&2; exit 2`,
    );
    const bus = await start({}, new EventBus(), log);
    for (const e of ['wan.offline', 'wan.online', 'wan.degraded'] as const) bus.emit(e, { wan: 'isp1', reason: 'r' });
    await plugin!.idle();
    assert.deepEqual(await lines('serial.log'), [
      'start disconnected',
      'end disconnected',
      'start connected',
      'end connected',
      'start degraded',
      'end degraded',
    ]);
    const failed = logged.filter((l) => /serial failed \(exit 2\)/.test(l.msg));
    assert.equal(failed.length, 3);
    assert.equal((failed[0] as unknown as { stderr: string }).stderr.trim(), 'cannot reach isp1');
  });

  it('bounds the runs waiting behind a running one, dropping the oldest', async () => {
    const { log, lines: logged } = capturingLogger();
    const release = path.join(out, 'release');
    await script('slow', `while [ ! -e "${release}" ]; do sleep 0.02; done; echo "$REASON" >> "${out}/slow.log"`);
    const bus = await start({ maxQueued: 2 }, new EventBus(), log);
    for (let i = 1; i <= 5; i++) bus.emit('wan.offline', { wan: 'isp1', reason: `run ${i}` });
    // Every run is queued (two dropped) before the first may end: listing is asynchronous, slower on a loaded machine.
    await waitFor(async () => logged.filter((l) => /dropped the oldest/.test(l.msg)).length >= 2, 10000, 'two drops');
    await writeFile(release, '');
    await plugin!.idle();
    assert.deepEqual(await lines('slow.log'), ['run 1', 'run 4', 'run 5']);
    assert.equal(logged.filter((l) => /dropped the oldest/.test(l.msg)).length, 2);
  });

  it('refuses, as root, scripts that group or others can write, and says why', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const { log, lines: logged } = capturingLogger();
    await script('10-unsafe', `echo ran >> "${out}/unsafe.log"`, 0o775);
    await script('20-safe', `echo ran >> "${out}/safe.log"`);
    const bus = await start({}, new EventBus(), log, { uid: 0 });
    bus.emit('wan.offline', { wan: 'isp1', reason: 'r' });
    bus.emit('wan.online', { wan: 'isp1', reason: 'r' });
    await plugin!.idle();
    assert.deepEqual(await lines('unsafe.log'), []);
    assert.deepEqual(await lines('safe.log'), ['ran', 'ran']);
    const refused = logged.filter((l) =>
      /event script refused: .*10-unsafe.*writable by group or others.*chmod go-w/.test(l.msg),
    );
    assert.equal(refused.length, 1, 'logged once, not on every event');
  });

  it('teardown lets running scripts finish briefly, then kills them', async () => {
    await script('forever', `echo start >> "${out}/forever.log"; sleep 30; echo end >> "${out}/forever.log"`);
    const bus = await start({ timeoutMs: 60_000 }, new EventBus(), undefined, { teardownGraceMs: 200 });
    bus.emit('wan.offline', { wan: 'isp1', reason: 'r' });
    while ((await lines('forever.log')).length === 0) await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await plugin!.teardown!();
    plugin = undefined;
    assert.ok(Date.now() - started < 1500, `teardown took ${Date.now() - started} ms`);
    assert.deepEqual(await lines('forever.log'), ['start']);
  });

  it('is inert without options when its directory does not exist, and when disabled', async () => {
    dir = path.join(root, 'does-not-exist');
    const bus = await start({});
    bus.emit('wan.offline', { wan: 'isp1', reason: 'r' });
    await plugin!.idle();
    assert.deepEqual(bus.failures, []);
    await plugin!.teardown!();
    const quiet = await start({ enabled: false });
    assert.equal(quiet.listenerCount('wan.offline'), 0);
  });

  it('names the field of an invalid option', async () => {
    await assert.rejects(start({ timeoutMs: 'soon' }), /plugins\.event-scripts\.timeoutMs: got "soon"/);
    await assert.rejects(start({ directory: '/tmp' }), /plugins\.event-scripts: unknown field "directory"/);
  });

  it("scriptEnv: MWAN_FAMILY says the family of a WAN event (GATEWAY is that family's), empty for link events", () => {
    const view = { device: 'wan1', gateway: '100.64.1.1', ipv6: { gateway: 'fe80::1' } } as Parameters<
      typeof scriptEnv
    >[2];
    const six = scriptEnv('wan.offline', 'isp1', view, { wan: 'isp1', family: 'ipv6', reason: 'no answer' });
    assert.deepEqual([six.MWAN_FAMILY, six.GATEWAY], ['ipv6', 'fe80::1']);
    const four = scriptEnv('wan.online', 'isp1', view, { wan: 'isp1', family: 'ipv4', reason: 'ok' });
    assert.deepEqual([four.MWAN_FAMILY, four.GATEWAY], ['ipv4', '100.64.1.1']);
    assert.equal(scriptEnv('link.down', 'isp1', view, { reason: 'link down' }).MWAN_FAMILY, '');
  });

  it('scriptEnv leaves unknown figures empty and rounds the known ones', () => {
    assert.deepEqual(
      scriptEnv('wan.offline', 'isp9', undefined, { reason: 'x', rttMs: 0.04, lossPct: 33.333, downForMs: 1499 }),
      {
        ACTION: 'disconnected',
        EVENT: 'wan.offline',
        WAN: 'isp9',
        INTERFACE: 'isp9',
        DEVICE: '',
        GATEWAY: '',
        RTT_MS: '0',
        LOSS_PCT: '33.3',
        REASON: 'x',
        DOWN_FOR_S: '1',
        MWAN_FAMILY: 'ipv4',
      },
    );
  });
});
