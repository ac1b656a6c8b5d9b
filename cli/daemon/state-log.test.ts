// Unit tests for the WAN state lines: levels (offline/degraded warn, online info), wording, one warn per outage.
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Engine } from '../../core/engine.ts';
import { EventBus } from '../../core/bus.ts';
import { logStateChanges } from './state-log.ts';

function setup() {
  const bus = new EventBus();
  const lines: { level: number; msg: string }[] = [];
  const log = pino(
    { level: 'debug' },
    {
      write: (l: string) => {
        lines.push(JSON.parse(l) as { level: number; msg: string });
      },
    },
  );
  const engine = { on: (e: never, h: never) => bus.on(e, h) } as unknown as Engine;
  const off = logStateChanges(engine, log);
  return { bus, lines, off };
}

describe('WAN state log lines', () => {
  it('offline and degraded warn, online info, each one human line naming the WAN and the reason', () => {
    const { bus, lines } = setup();
    bus.emit('wan.offline', {
      wan: 'isp1',
      reason: 'fewer than 1 of 2 targets answered in 4 rounds',
      rttMs: null,
      lossPct: 100,
    });
    bus.emit('wan.online', {
      wan: 'isp1',
      reason: '2/2 targets answering',
      rttMs: 12.3,
      lossPct: null,
      downForMs: 12000,
    });
    bus.emit('wan.degraded', { wan: 'isp2', reason: 'loss 30% above 20%', rttMs: 40, lossPct: 30 });
    bus.emit('wan.admin', { wan: 'isp2', enabled: false });
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [
        [40, 'isp1 offline: fewer than 1 of 2 targets answered in 4 rounds (loss 100%)'],
        [30, 'isp1 online: 2/2 targets answering (rtt 12 ms), after 12 s out'],
        [40, 'isp2 degraded: loss 30% above 20% (rtt 40 ms, loss 30%)'],
        [30, 'isp2 taken out of service by an administrator'],
      ],
    );
  });

  it('a WAN already out that changes how it is out logs info, not a second warning; unsubscribing stops the lines', () => {
    const { bus, lines, off } = setup();
    bus.emit('wan.offline', { wan: 'isp1', reason: 'no carrier' });
    bus.emit('wan.offline', { wan: 'isp1', reason: 'fewer than 1 of 1 targets answered in 18 rounds' });
    assert.deepEqual(
      lines.map((l) => l.level),
      [40, 30],
    );
    off();
    bus.emit('wan.offline', { wan: 'isp2', reason: 'no carrier' });
    assert.equal(lines.length, 2);
  });
});
