// The peer channel between two nodes over the memory HTTP facility: only the peer may ask, hashes compared, choices copied.
import assert from 'node:assert/strict';
import { EventBus } from '../../core/bus.ts';
import type { MwanEvents } from '../../core/events.ts';
import type { PluginContext, TimedSet } from '../../plugin-api/index.ts';
import { MemoryHttp } from '../../core/system/http/memory.ts';
import type { ConfigHashes } from './config-hash.ts';
import { PeerChannel } from './peer-channel.ts';
import { PEER_PATH, parsePeerState } from './peer-state.ts';
import type { Role } from './role.ts';

const log = { info() {}, warn() {}, debug() {}, error() {} };
const hashes = (wans = 'aaaaaaaa'): ConfigHashes => ({
  all: wans === 'aaaaaaaa' ? '11111111' : '22222222',
  sections: { wans, lan: 'bbbbbbbb' },
});

interface Node {
  channel: PeerChannel;
  sets: TimedSet[];
  replaced: TimedSet[][];
  events: MwanEvents['ha.peer'][];
  role: Role | null;
}

function node(http: MemoryHttp, name: 'r1' | 'r2', o: { hashes?: ConfigHashes; role: Role | null }): Node {
  const bus = new EventBus();
  const n: Node = { sets: [], replaced: [], events: [], role: o.role } as unknown as Node;
  bus.on('ha.peer', (p) => {
    n.events.push(p);
  });
  const system = {
    http,
    timedSets: {
      read: async () => structuredClone(n.sets),
      replace: async (sets: TimedSet[]) => {
        n.replaced.push(structuredClone(sets));
      },
    },
  };
  const ctx = { bus, log, system } as unknown as PluginContext;
  const other = name === 'r1' ? 'r2' : 'r1';
  n.channel = new PeerChannel(ctx, {
    node: name,
    peer: other,
    selfAddress: name === 'r1' ? '10.99.0.1' : '10.99.0.2',
    peerAddress: name === 'r1' ? '10.99.0.2' : '10.99.0.1',
    port: 3781,
    hashes: o.hashes ?? hashes(),
    role: () => n.role,
  });
  return n;
}

const sticky = (elements: TimedSet['elements']): TimedSet[] => [
  { name: 'sticky_guests_17', elements },
  { name: 'sticky_guests_42', elements: [] },
  { name: 'user_dst', elements: [{ key: '192.0.2.9', expiresSeconds: 50 }] },
];

describe('ha peer channel', () => {
  it('answers only the peer, on its one path', async () => {
    const http = new MemoryHttp();
    const r1 = node(http, 'r1', { role: 'master' });
    const stranger = await r1.channel.answer({ method: 'GET', path: PEER_PATH, remoteAddress: '10.99.0.7' });
    assert.equal(stranger.status, 403);
    const wrongPath = await r1.channel.answer({ method: 'GET', path: '/', remoteAddress: '10.99.0.2' });
    assert.equal(wrongPath.status, 404);
    r1.sets = sticky([{ key: '10.77.0.100', expiresSeconds: 590 }]);
    const ok = await r1.channel.answer({ method: 'GET', path: PEER_PATH, remoteAddress: '10.99.0.2' });
    assert.equal(ok.status, 200);
    const state = parsePeerState(String(ok.body));
    assert.equal(state.role, 'master');
    // Only remembered-choice sets travel (a user's destination set stays home).
    assert.deepEqual(
      state.sets.map((s) => s.name),
      ['sticky_guests_17', 'sticky_guests_42'],
    );
  });

  it('a backup with the same configuration finds it matching and copies the master’s remembered choices', async () => {
    const http = new MemoryHttp();
    const r1 = node(http, 'r1', { role: 'master' });
    const r2 = node(http, 'r2', { role: 'backup' });
    r1.sets = sticky([{ key: '10.77.0.100', expiresSeconds: 590 }]);
    r2.sets = sticky([]);
    await r1.channel.tick(); // listens (r2 is not listening yet: one failure)
    await r2.channel.tick();
    assert.equal(r2.channel.view.report().config, 'matches');
    assert.equal(r2.channel.view.report().role, 'master');
    assert.deepEqual(r2.replaced, [
      [
        { name: 'sticky_guests_17', elements: [{ key: '10.77.0.100', expiresSeconds: 590 }] },
        { name: 'sticky_guests_42', elements: [] },
      ],
    ]);
    assert.deepEqual(
      r2.events.map((e) => [e.config, e.previous]),
      [['matches', null]],
    );
    // The master copies nothing from its backup.
    await r1.channel.tick();
    assert.deepEqual(r1.replaced, []);
    assert.equal(r1.channel.view.report().config, 'matches');
  });

  it('reports differing sections and copies nothing while the configurations differ', async () => {
    const http = new MemoryHttp();
    const r1 = node(http, 'r1', { role: 'master' });
    const r2 = node(http, 'r2', { role: 'backup', hashes: hashes('cccccccc') });
    r1.sets = sticky([{ key: '10.77.0.100', expiresSeconds: 590 }]);
    r2.sets = sticky([]);
    await r1.channel.tick();
    await r2.channel.tick();
    const rep = r2.channel.view.report();
    assert.equal(rep.config, 'differs');
    assert.deepEqual(rep.sections, ['wans']);
    assert.ok(rep.since);
    assert.deepEqual(r2.replaced, []);
    assert.deepEqual(r2.events[0]?.sections, ['wans']);
  });

  it('says unreachable after three failed polls, and refuses an answer that does not validate', async () => {
    const http = new MemoryHttp();
    const r2 = node(http, 'r2', { role: 'backup' });
    for (let i = 0; i < 3; i++) await r2.channel.tick();
    assert.equal(r2.channel.view.report().config, 'unreachable');
    assert.match(r2.channel.view.report().problem ?? '', /ECONNREFUSED/);
    assert.deepEqual(
      r2.events.map((e) => e.config),
      ['unreachable'],
    );
    assert.throws(
      () =>
        parsePeerState(
          JSON.stringify({
            v: 1,
            node: 'r1',
            role: 'master',
            config: hashes(),
            sets: [{ name: 'sticky_x_1', elements: [{ key: '10.0.0.1 } ; flush ruleset', expiresSeconds: 5 }] }],
          }),
        ),
      /sets\.0\.elements\.0\.key: expected an address/,
    );
    assert.throws(
      () => parsePeerState(JSON.stringify({ v: 1, node: 'r1', role: 'boss', config: hashes(), sets: [] })),
      /role/,
    );
  });
});
