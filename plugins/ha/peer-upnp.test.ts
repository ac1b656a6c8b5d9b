// The UPnP leases over the peer channel: what a master tells, what the schema refuses (naming the field), what a backup publishes.
import assert from 'node:assert/strict';
import { EventBus } from '../../core/bus.ts';
import type { MwanEvents } from '../../core/events.ts';
import type { PluginContext } from '../../plugin-api/index.ts';
import { MemoryHttp } from '../../core/system/http/memory.ts';
import type { ConfigHashes } from './config-hash.ts';
import { PeerChannel } from './peer-channel.ts';
import { PEER_PATH, parsePeerState } from './peer-state.ts';
import {
  leasesForPeer,
  leasesFromPeer,
  MAX_PEER_LEASES,
  UpnpRelay,
  type PeerLease,
  type UpnpLease,
} from './peer-upnp.ts';
import type { Role } from './roles.ts';

const log = { info() {}, warn() {}, debug() {}, error() {} };
const NOW = 1_800_000_000;
const game: UpnpLease = {
  proto: 'tcp',
  externalPort: 9000,
  address: '10.77.0.100',
  port: 9000,
  expires: NOW + 600,
  description: 'libminiupnpc',
};
const hashes = (all = '11111111'): ConfigHashes => ({ all, sections: { wans: 'aaaaaaaa' } });
const state = (upnp: unknown) => JSON.stringify({ v: 1, node: 'r1', role: 'master', config: hashes(), sets: [], upnp });
const wire = (o: Record<string, unknown> = {}): PeerLease =>
  ({
    proto: 'tcp',
    externalPort: 9000,
    address: '10.77.0.100',
    port: 9000,
    remainingSeconds: 600,
    description: 'x',
    ...o,
  }) as PeerLease;

interface Node {
  channel: PeerChannel;
  bus: EventBus;
  copies: MwanEvents['ha.peerUpnp'][];
  role: Role | null;
}

function node(http: MemoryHttp, name: 'r1' | 'r2', o: { role: Role | null; hashes?: ConfigHashes }): Node {
  const bus = new EventBus();
  const n = { bus, copies: [], role: o.role } as unknown as Node;
  bus.on('ha.peerUpnp', (p) => {
    n.copies.push(p);
  });
  const world = () => ({ lans: [{ device: 'lan0', networks: ['10.77.0.0/24'] }] });
  const ctx = { bus, log, world, system: { http } } as unknown as PluginContext;
  const other = name === 'r1' ? 'r2' : 'r1';
  const upnp = new UpnpRelay(ctx, other, () => NOW * 1000);
  upnp.listen();
  n.channel = new PeerChannel(ctx, {
    node: name,
    peer: other,
    selfAddress: name === 'r1' ? '10.99.0.1' : '10.99.0.2',
    peerAddress: name === 'r1' ? '10.99.0.2' : '10.99.0.1',
    port: 3781,
    hashes: o.hashes ?? hashes(),
    role: () => n.role,
    upnp,
  });
  return n;
}

describe('ha peer channel: UPnP leases', () => {
  it('tells the peer its leases with the time left (none: null), ended ones left out, at most MAX_PEER_LEASES', () => {
    const leases = [game, { ...game, externalPort: 9001, expires: 0 }, { ...game, externalPort: 9002, expires: NOW }];
    assert.deepEqual(leasesForPeer(leases, NOW), [
      { ...wire({ remainingSeconds: 600, description: 'libminiupnpc' }) },
      { ...wire({ externalPort: 9001, remainingSeconds: null, description: 'libminiupnpc' }) },
    ]);
    const many = Array.from({ length: MAX_PEER_LEASES + 5 }, () => game);
    assert.equal(leasesForPeer(many, NOW).length, MAX_PEER_LEASES);
  });

  it('refuses a lease of the wrong shape, naming its field', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ proto: 'sctp' }, /upnp\.0\.proto/],
      [{ externalPort: 0 }, /upnp\.0\.externalPort/],
      [{ port: 65536 }, /upnp\.0\.port/],
      [{ address: '10.77.0.300' }, /upnp\.0\.address: expected an IPv4 address/],
      [{ description: 'x\nTCP:22:10.77.0.3:22:0:y' }, /upnp\.0\.description: expected printable ASCII/],
      [{ description: 'x'.repeat(121) }, /upnp\.0\.description/],
      [{ remainingSeconds: 0 }, /upnp\.0\.remainingSeconds/],
      [{ remainingSeconds: 1.5 }, /upnp\.0\.remainingSeconds/],
      [{ extra: 1 }, /upnp\.0/],
    ];
    for (const [bad, re] of cases) assert.throws(() => parsePeerState(state([wire(bad)])), re, JSON.stringify(bad));
    assert.throws(
      () => parsePeerState(state(Array.from({ length: MAX_PEER_LEASES + 1 }, () => wire()))),
      /upnp: .*4096/,
    );
    assert.equal(parsePeerState(state([wire()])).upnp?.length, 1);
    assert.equal(parsePeerState(state(undefined)).upnp, undefined, 'a peer without UPnP leaves the field out');
  });

  it('a backup takes ends on its own clock and refuses a host in no LAN network', () => {
    const r = leasesFromPeer(
      [wire(), wire({ address: '10.1.0.5', externalPort: 9001 }), wire({ externalPort: 9002, remainingSeconds: null })],
      ['10.77.0.0/24'],
      NOW,
    );
    assert.deepEqual(r.leases, [
      { ...game, description: 'x' },
      { ...game, externalPort: 9002, expires: 0, description: 'x' },
    ]);
    assert.deepEqual(r.refused, ['tcp 9001 → 10.1.0.5:9000: the host is in no LAN network']);
  });

  it('the master serves its leases; the backup publishes them (ha.peerUpnp) only while the configurations match', async () => {
    const http = new MemoryHttp();
    const r1 = node(http, 'r1', { role: 'master' });
    const r2 = node(http, 'r2', { role: 'backup' });
    const empty = parsePeerState(
      String((await r1.channel.answer({ method: 'GET', path: PEER_PATH, remoteAddress: '10.99.0.2' })).body),
    );
    assert.equal(empty.upnp, undefined, 'nothing before the upnp plugin told its leases');
    r1.bus.emit('upnp.leases', { leases: [game] });
    r2.bus.emit('upnp.leases', { leases: [{ ...game, externalPort: 7000 }] }); // stale, from its time as master
    await r1.channel.tick();
    await r2.channel.tick();
    assert.deepEqual(r2.copies, [{ peer: 'r1', leases: [game] }]);
    assert.equal(r2.channel.view.report().upnpLeases?.leases, 1, 'status counts the copied leases');
    await r2.channel.tick();
    assert.equal(r2.copies.length, 1, 'the same leases are not published again at once');
    r1.bus.emit('upnp.leases', { leases: [] });
    await r2.channel.tick();
    assert.deepEqual(r2.copies.at(-1), { peer: 'r1', leases: [] }, 'a removed mapping reaches the backup');
    await r1.channel.tick();
    assert.deepEqual(r1.copies, [], 'the master takes nothing from its backup (whose leases are not served)');
    const backupSays = parsePeerState(
      String((await r2.channel.answer({ method: 'GET', path: PEER_PATH, remoteAddress: '10.99.0.1' })).body),
    );
    assert.equal(backupSays.upnp, undefined);
  });

  it('a role change forgets the leases told so far: a new master tells only what its miniupnpd restored', async () => {
    const http = new MemoryHttp();
    const r1 = node(http, 'r1', { role: 'master' });
    const ask = async () =>
      parsePeerState(
        String((await r1.channel.answer({ method: 'GET', path: PEER_PATH, remoteAddress: '10.99.0.2' })).body),
      ).upnp;
    r1.bus.emit('upnp.leases', { leases: [game] });
    assert.equal((await ask())?.length, 1);
    r1.bus.emit('ha.role', { node: 'r1', peer: 'r2', role: 'backup', previous: 'master' });
    r1.bus.emit('ha.role', { node: 'r1', peer: 'r2', role: 'master', previous: 'backup' });
    assert.equal(await ask(), undefined, 'the leases of an earlier term are not told');
    r1.bus.emit('upnp.leases', { leases: [game, { ...game, externalPort: 9001 }] });
    assert.equal((await ask())?.length, 2);
  });

  it('a backup whose configuration differs publishes nothing', async () => {
    const http = new MemoryHttp();
    const r1 = node(http, 'r1', { role: 'master' });
    const r2 = node(http, 'r2', { role: 'backup', hashes: hashes('22222222') });
    r1.bus.emit('upnp.leases', { leases: [game] });
    await r1.channel.tick();
    await r2.channel.tick();
    assert.equal(r2.channel.view.report().config, 'differs');
    assert.deepEqual(r2.copies, []);
  });
});
