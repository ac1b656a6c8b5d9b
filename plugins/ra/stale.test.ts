// Tests RFC 8978/9096 renumbering in the ra plugin: a /64 no longer delegated stays advertised deprecated (preferred 0, valid counting down, at most 2 h), and survives a daemon restart.
import assert from 'node:assert/strict';
import { execa } from 'execa';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { EventBus } from '../../core/bus.ts';
import { DesiredBuilder } from '../../core/reconcile/desired.ts';
import { MemorySystem } from '../../core/system/memory.ts';
import type { MwanConfig, PluginContext, WanView, WorldView } from '../../plugin-api/index.ts';
import { RA_DEFAULTS } from '../../config/schema/ipv6-ra.ts';
import { link, worldFrom } from '../testing.ts';
import ra, { radvdConf, raPaths, raPlan } from './index.ts';
import { memoryText, parseMemory } from './memory.ts';
import { EMPTY_MEMORY, STALE_LIMIT_SECONDS, STALE_TICK_MS, currentPrefixes, nextMemory, withStale } from './stale.ts';

const BASE = worldFrom(
  { wans: [{ name: 'isp1', device: 'wan1' }], lan: [{ device: 'lan0' }] },
  { links: [link('wan1', '100.64.1.2'), link('lan0', '10.0.0.1', 24)], defaults: [] },
);
const PREFIXES = { mode: 'prefixes', lan: [{ device: 'lan0', prefix: 'fd00::/64' }], ra: RA_DEFAULTS };
const OLD = '2001:db8:1:100::/64';
const NEW = '2001:db8:1:200::/64';

/** The world whose WAN has delegated `delegated` (/56; its first /64 advertised), or none. */
function world(delegated: string | undefined): WorldView {
  const wans: WanView[] = BASE.wans.map((w) => ({
    ...w,
    ipv6: {
      gateway: 'fe80::1',
      ...(delegated ? { delegated, lanPrefix: delegated.replace('/56', '/64') } : {}),
      state: 'online',
      reason: 'test',
      inService: true,
      routable: true,
      rttMs: null,
      lossPct: null,
    },
  }));
  return { ...BASE, config: { ...BASE.config, ipv6: PREFIXES } as unknown as MwanConfig, wans, active: wans };
}

describe('ra plugin: stale prefixes (RFC 8978 flash renumbering)', () => {
  it('a /64 advertised and then gone turns stale for its last valid lifetime, at most two hours; back or expired, forgotten', () => {
    const t0 = 1_000_000;
    const first = nextMemory(EMPTY_MEMORY, currentPrefixes(raPlan(world('2001:db8:1:100::/56'))!), t0);
    assert.deepEqual(first.stale, []);
    const renumbered = nextMemory(first, currentPrefixes(raPlan(world('2001:db8:1:200::/56'))!), t0 + 5000);
    assert.deepEqual(renumbered.stale, [
      { device: 'lan0', prefix: OLD, wan: 'isp1', expiresAt: t0 + 5000 + STALE_LIMIT_SECONDS * 1000 },
    ]);
    assert.deepEqual(
      renumbered.advertised.map((a) => a.prefix),
      [NEW],
    );
    // Later rewrites keep the first expiry (the countdown does not restart).
    const later = nextMemory(renumbered, renumbered.advertised, t0 + 60_000);
    assert.deepEqual(later.stale, renumbered.stale);
    // The old prefix delegated again: no longer stale (the one it replaced is, now).
    assert.deepEqual(
      nextMemory(later, first.advertised, t0 + 70_000).stale.map((s) => s.prefix),
      [NEW],
    );
    // Expired: forgotten.
    assert.deepEqual(nextMemory(later, later.advertised, t0 + 5000 + STALE_LIMIT_SECONDS * 1000).stale, []);
    // A short valid lifetime bounds the countdown.
    const short = nextMemory({ advertised: [{ ...first.advertised[0], validLifetime: 600 }], stale: [] }, [], t0);
    assert.equal(short.stale[0].expiresAt, t0 + 600_000);
  });

  it('stale /64s are advertised with preferred lifetime 0 and the valid lifetime that remains; radvd accepts it', async () => {
    const now = 2_000_000;
    const plan = withStale(
      raPlan(world('2001:db8:1:200::/56'))!,
      [
        { device: 'lan0', prefix: OLD, wan: 'isp1', expiresAt: now + 3_600_400 },
        { device: 'other0', prefix: '2001:db8:1:300::/64', wan: 'isp1', expiresAt: now + 1000 },
        { device: 'lan0', prefix: NEW, wan: 'isp1', expiresAt: now + 1000 },
      ],
      now,
    );
    assert.deepEqual(
      plan.interfaces[0].prefixes.map((p) => [p.prefix, p.preferredLifetime, p.validLifetime, p.stale ?? false]),
      [
        [NEW, 14400, 86400, false],
        [OLD, 0, 3601, true],
      ],
    );
    const text = radvdConf(plan);
    assert.match(
      text,
      /prefix 2001:db8:1:100::\/64 \{ {2}# WAN isp1, no longer delegated: stale\n[^}]*AdvValidLifetime 3601;\n {4}AdvPreferredLifetime 0;\n[^}]*DecrementLifetimes off;/,
    );
    assert.match(text, /prefix 2001:db8:1:200::\/64 \{[^}]*DecrementLifetimes off;/);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mwan-ra-'));
    try {
      const file = path.join(dir, 'radvd.conf');
      await writeFile(file, text);
      await chmod(file, 0o600);
      const r = await execa('/usr/sbin/radvd', ['--configtest', '--config', file], { reject: false });
      if (r.failed && /ENOENT/.test(String(r.message))) {
        console.log('ra: the radvd syntax check skipped: /usr/sbin/radvd is missing (apt-get install radvd)');
        return;
      }
      assert.equal(r.exitCode, 0, `${r.stdout}\n${r.stderr}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the memory file: written by mwan, read back; bad entries dropped, expiries bounded to two hours', () => {
    const memory = {
      advertised: [{ device: 'lan0', prefix: NEW, wan: 'isp1', validLifetime: 86400 }],
      stale: [{ device: 'lan0', prefix: OLD, wan: 'isp1', expiresAt: 5000 }],
    };
    assert.deepEqual(parseMemory(memoryText(memory), 0), { memory, dropped: 0 });
    assert.deepEqual(parseMemory('', 0), { memory: EMPTY_MEMORY, dropped: 0 });
    assert.deepEqual(parseMemory('{not json', 0), { memory: EMPTY_MEMORY, dropped: 1 });
    const hostile = JSON.stringify({
      advertised: [{ device: 'lan0;', prefix: NEW, wan: 'isp1', validLifetime: 1 }],
      stale: [
        { device: 'lan0', prefix: '2001:db8:1:100::/64 { AdvOnLink off; }', wan: 'isp1', expiresAt: 1 },
        { device: 'lan0', prefix: '2001:DB8:1:100::/64', wan: 'isp1', expiresAt: 1 },
        { device: 'lan0', prefix: OLD, wan: 'isp1', expiresAt: 1e15 },
      ],
    });
    const parsed = parseMemory(hostile, 1000);
    assert.equal(parsed.dropped, 3);
    assert.deepEqual(parsed.memory.stale, [
      { device: 'lan0', prefix: OLD, wan: 'isp1', expiresAt: 1000 + STALE_LIMIT_SECONDS * 1000 },
    ]);
  });

  it('the plugin: a renumbered prefix stays in radvd.conf deprecated, kept in the state dir, and a restarted daemon advertises it still', async () => {
    const bus = new EventBus();
    const system = new MemorySystem();
    let current = world('2001:db8:1:100::/56');
    const context = (): PluginContext => ({
      name: 'ra',
      config: { ...current.config, stateDir: '/var/lib/mwan-test' },
      options: {},
      log: pino({ level: 'silent' }),
      bus,
      world: () => current,
      requestReconcile: (reason) => requests.push(reason),
      reportHealth: () => undefined,
      system: { ...system, supervise: system.supervise, files: system.files } as unknown as PluginContext['system'],
    });
    const requests: string[] = [];
    /** The ip -6 rules the plugin contributes now (for the state dir of the context). */
    const rules = () => {
      const d = new DesiredBuilder();
      ra.contribute!(d, { ...current, config: { ...current.config, stateDir: '/var/lib/mwan-test' } });
      return d.state.rules.map((r) => `${r.from} ${r.table} ${r.priority === current.layout.pluginPriorities[0]}`);
    };
    const reconciled = async () => {
      await bus.dispatch('reconcile.done', { reason: 'test', ms: 1, changed: true } as never);
      await new Promise((r) => setTimeout(r, 10));
    };
    const paths = raPaths('/var/lib/mwan-test');
    const conf = () => system.files.files.get(paths.config)!.content;
    const dispose = (await ra.setup!(context())) as () => Promise<void>;
    await reconciled();
    assert.match(conf(), /prefix 2001:db8:1:100::\/64 \{[^}]*AdvPreferredLifetime 14400;/);
    current = world('2001:db8:1:200::/56');
    await reconciled();
    assert.match(conf(), /prefix 2001:db8:1:200::\/64 \{[^}]*AdvPreferredLifetime 14400;/);
    assert.match(
      conf(),
      /prefix 2001:db8:1:100::\/64 \{[^}]*stale[^}]*AdvValidLifetime 7[12]\d\d;\n {4}AdvPreferredLifetime 0;/,
    );
    assert.deepEqual(system.processes[0].signals, ['SIGHUP']);
    // Its deprecated addresses still leave by isp1: a source rule for the stale /64, and a reconcile to install it.
    assert.deepEqual(rules(), [`${OLD} ${current.wans[0].table} true`]);
    assert.equal(requests.length, 1);
    const tick = Math.floor(Date.now() / STALE_TICK_MS);
    await reconciled();
    if (tick === Math.floor(Date.now() / STALE_TICK_MS))
      assert.deepEqual(system.processes[0].signals, ['SIGHUP'], 'within a tick, the countdown alone rewrites nothing');
    await dispose();
    const saved = parseMemory(system.files.files.get(paths.memory)!.content, Date.now()).memory;
    assert.deepEqual(
      saved.stale.map((s) => s.prefix),
      [OLD],
    );
    // A restarted daemon (the same state dir): radvd's first config already deprecates the old prefix.
    system.files.files.delete(paths.config);
    const again = (await ra.setup!(context())) as () => Promise<void>;
    assert.match(conf(), /prefix 2001:db8:1:100::\/64 \{[^}]*stale[^}]*AdvPreferredLifetime 0;/);
    // Gone entirely (no delegated prefix): the new one turns stale too.
    current = world(undefined);
    await reconciled();
    assert.match(conf(), /prefix 2001:db8:1:200::\/64 \{[^}]*stale[^}]*AdvPreferredLifetime 0;/);
    await again();
    assert.deepEqual(rules(), [], 'stopped: no stale rules');
  });
});
