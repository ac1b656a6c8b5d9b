// The upnp plugin on an HA pair: miniupnpd on the master only; a backup checks the master's leases, keeps them as accepted.leases and forwards them warm.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EventBus } from '../../core/bus.ts';
import type { MwanEvents } from '../../core/events.ts';
import { DesiredBuilder } from '../../core/reconcile/desired.ts';
import { systemFiles } from '../../core/system/files.ts';
import type { ProcessEvents, ProcessSpec } from '../../core/system/process/supervise.ts';
import type { Disposer, PluginContext, WorldView } from '../../plugin-api/types.ts';
import { createUpnp } from './index.ts';
import { parseUpnpOptions, type UpnpOptions } from './options.ts';
import { checkLeaseLines, peerLeaseLines } from './peer-copy.ts';
import { PREROUTING_CHAIN } from './rules.ts';
import { loadedWith, miniupnpdRule, miniupnpdTable, worldOf } from './testing.ts';
import { mappingRules } from './validate.ts';

const NOW = 1_800_000_000;
const ha = {
  nodes: [
    { name: 'r1', priority: 150, syncAddress: '10.99.0.1' },
    { name: 'r2', priority: 100, syncAddress: '10.99.0.2' },
  ],
  syncDevice: 'sync0',
  lan: { lan0: '10.0.0.254', lan1: '10.1.0.254' },
  wans: { isp1: '100.64.1.10', isp2: '100.64.2.10', isp3: '100.64.3.10' },
};
type Lease = MwanEvents['ha.peerUpnp']['leases'][number];
const lease = (o: Partial<Lease> = {}): Lease => ({
  proto: 'tcp',
  externalPort: 9000,
  address: '10.0.0.5',
  port: 9000,
  expires: NOW + 600,
  description: 'game',
  ...o,
});

async function until(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('upnp plugin on an HA pair', () => {
  let dir: string;
  let bus: EventBus;
  let runs: { spec: ProcessSpec; events: ProcessEvents; stopped: boolean }[];
  let table: ReturnType<typeof miniupnpdTable> | null;
  let world: WorldView;
  let dispose: Disposer | undefined;
  let published: MwanEvents['upnp.leases'][];
  const plugin = createUpnp({ pollMs: 20, now: () => NOW });
  const accepted = () => readFile(path.join(dir, 'upnp', 'accepted.leases'), 'utf8');
  const role = (r: 'master' | 'backup' | 'fault') =>
    bus.emit('ha.role', { node: 'r1', peer: 'r2', role: r, previous: null });
  const reconciled = () =>
    bus.emit('reconcile.done', { reason: 'test', changed: true, ms: 1, nftLines: 0, ipLines: 0, sysctls: 0 });
  const forwarded = (): string[] => {
    const d = new DesiredBuilder().as('upnp');
    plugin.contribute!(d, world);
    return (
      d.state.nft.chains
        .find((c) => c.name === PREROUTING_CHAIN)
        ?.rules.filter((r) => r.includes('fib daddr type local')) ?? []
    );
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mwan-upnp-ha-'));
    bus = new EventBus();
    runs = [];
    published = [];
    table = null;
    bus.on('upnp.leases', (p) => {
      published.push(p);
    });
    const options = { enabled: true };
    const loaded = loadedWith({ mode: 'failover', stateDir: dir, plugins: { upnp: options }, ha });
    world = worldOf(loaded);
    const silent = { info() {}, warn() {}, debug() {}, error() {} };
    const ctx = {
      name: 'upnp',
      config: loaded.config,
      options: parseUpnpOptions(options, loaded.config),
      log: silent,
      bus,
      world: () => world,
      requestReconcile: () => undefined,
      reportHealth: () => undefined,
      system: {
        files: systemFiles,
        listNftTable: async () => table && structuredClone(table),
        supervise: (spec: ProcessSpec, events: ProcessEvents = {}) => {
          const run = { spec, events, stopped: false };
          runs.push(run);
          events.started?.(1000 + runs.length);
          return {
            name: spec.name,
            pid: undefined,
            starts: 1,
            stop: async () => {
              run.stopped = true;
              events.exited?.({ code: 0, signal: 'SIGTERM', ms: 5, restartInMs: null });
              table = null;
            },
          };
        },
      },
    } as unknown as PluginContext<UpnpOptions>;
    const result = await plugin.setup!(ctx);
    dispose = typeof result === 'function' ? result : undefined;
  });
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('checks the peer’s leases as a lease file: strict fields, one printable line, mwan’s rules, ended ones dropped', () => {
    const rules = mappingRules(world, parseUpnpOptions({ enabled: true }, loadedWith({}).config));
    const r = checkLeaseLines(
      peerLeaseLines([
        lease(),
        lease({ externalPort: 9001, description: 'x\nTCP:6000:10.0.0.3:22:0:injected' }),
        lease({ externalPort: 9002, address: '10.0.0.1' }),
        lease({ externalPort: 80 }),
        lease({ externalPort: 9003, address: '192.0.2.7' }),
        lease({ externalPort: 9004, expires: NOW - 1 }),
        lease({ externalPort: 9005, description: 'd'.repeat(200) }),
      ]),
      rules,
      NOW,
    );
    assert.deepEqual(r.leases, [lease()]);
    const reasons = r.refused.map((x) => `${x.what}: ${x.reason}`).join('\n');
    assert.match(reasons, /tcp 9001 → 10\.0\.0\.5:9000: not a line mwan writes/);
    assert.match(reasons, /10\.0\.0\.1 is one of the router's own addresses/);
    assert.match(reasons, /external port 80 is below minPort/);
    assert.match(reasons, /192\.0\.2\.7 is outside the networks of LAN lan0/);
    assert.match(reasons, /tcp 9005 .*not a line mwan writes/);
    assert.doesNotMatch(reasons, /9004/, 'an ended lease is dropped, not refused');
  });

  it('runs no miniupnpd before the first role nor as backup; forwards the master’s checked leases warm and keeps them as accepted.leases', async () => {
    reconciled();
    role('backup');
    reconciled();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(runs.length, 0);
    bus.emit('ha.peerUpnp', {
      peer: 'r2',
      leases: [lease(), lease({ externalPort: 9001, address: '10.0.0.1' }), lease({ externalPort: 9002, expires: 0 })],
    });
    await until('the warm forwards', () => forwarded().length === 2);
    assert.deepEqual(forwarded(), [
      'iifname { "wan1", "wan2", "wan3" } fib daddr type local tcp dport 9000 dnat ip to 10.0.0.5:9000',
      'iifname { "wan1", "wan2", "wan3" } fib daddr type local tcp dport 9002 dnat ip to 10.0.0.5:9000',
    ]);
    const want = `TCP:9000:10.0.0.5:9000:${NOW + 600}:game\nTCP:9002:10.0.0.5:9000:0:game\n`;
    for (let i = 0; i < 200 && (await accepted()) !== want; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await accepted(), want, 'the copy is kept as accepted.leases');
    bus.emit('ha.peerUpnp', { peer: 'r2', leases: [lease({ externalPort: 9002, expires: 0 })] });
    await until('the removed mapping gone', () => forwarded().length === 1);
    assert.equal(runs.length, 0, 'still no miniupnpd');
  });

  it('on becoming master starts miniupnpd with the copy as its lease file, forwarding without a gap; as backup again it stops it', async () => {
    role('backup');
    reconciled();
    bus.emit('ha.peerUpnp', { peer: 'r2', leases: [lease()] });
    await until('the warm forward', () => forwarded().length === 1);
    role('master');
    await until('a start', () => runs.length === 1);
    const before = runs[0].spec.before ?? [];
    assert.deepEqual(before.at(-1), [
      'cp',
      '--remove-destination',
      path.join(dir, 'upnp', 'accepted.leases'),
      path.join(dir, 'upnp', 'miniupnpd.leases'),
    ]);
    assert.match(await accepted(), /^TCP:9000:10\.0\.0\.5:9000:/);
    // miniupnpd listens and restores the lease: until its table holds it, the mapping stays forwarded.
    runs[0].events.line?.('miniupnpd[7]: HTTP listening on port 5000', 'stderr');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(forwarded().length, 1, 'forwarded while miniupnpd restores');
    table = miniupnpdTable([miniupnpdRule(8, 'tcp', 9000, '10.0.0.5', 9000)]);
    await until('its leases told (upnp.leases)', () => published.length > 0);
    assert.equal(published.at(-1)?.leases[0]?.externalPort, 9000);
    assert.equal(forwarded().length, 1);

    role('backup');
    await until('a stop', () => runs[0].stopped);
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(runs.length, 1, 'not started again');
    assert.equal(forwarded().length, 1, 'its mappings stay forwarded until the new master’s copy arrives');
  });

  it('fault stops miniupnpd too', async () => {
    role('master');
    reconciled();
    await until('a start', () => runs.length === 1);
    role('fault');
    await until('a stop', () => runs[0].stopped);
  });
});
