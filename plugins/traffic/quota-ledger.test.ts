// Tests the quota ledger alone: counter growth and resets, each threshold once and in order, a new period restoring the WAN.
import assert from 'node:assert/strict';
import { QuotaLedger, type QuotaEvent } from './quota-ledger.ts';
import type { QuotaConfig } from './quota-options.ts';

const quota: QuotaConfig = { bytes: 1000, period: 'daily', resetDay: 1, warnAt: [50, 90], action: 'offline' };
const day = (d: number, h = 12) => new Date(2026, 11, d, h).getTime();

function ledger() {
  const events: QuotaEvent[] = [];
  const outs: (string | null)[] = [];
  const l = new QuotaLedger(
    new Map([['lte', quota]]),
    new Map(),
    {
      setOut: (_wan, out) => outs.push(out),
      emit: (e) => events.push(e),
    },
    day(3),
  );
  return { l, changes: () => events.filter((e) => e.threshold !== null), outs };
}

describe('quota ledger', () => {
  it('counts growth from the first reading, a counter made anew whole; each threshold once, in order; 100 % takes it out', () => {
    const { l, changes, outs } = ledger();
    l.account('lte', 5000, 5000, day(3)); // the first reading is the baseline
    assert.equal(l.uses.get('lte')!.usedBytes, 0);
    l.account('lte', 5300, 5300, day(3));
    l.account('lte', 200, 5400, day(3)); // rx made anew: its 200 count
    assert.equal(l.uses.get('lte')!.usedBytes, 900);
    l.account('lte', 400, 5400, day(3));
    assert.deepEqual(
      changes().map((e) => [e.threshold, e.state]),
      [
        [50, 'warned'],
        [90, 'warned'],
        [100, 'exhausted'],
      ],
    );
    assert.deepEqual(outs, ['offline']);
  });

  it('a new period sets the use to zero, clears the warnings and restores the WAN', () => {
    const { l, changes, outs } = ledger();
    l.account('lte', 0, 0, day(3));
    l.account('lte', 2000, 0, day(3));
    l.account('lte', 2100, 0, day(4, 0));
    assert.deepEqual(outs, ['offline', null]);
    assert.deepEqual(changes().at(-1), {
      wan: 'lte',
      usedBytes: 0,
      limitBytes: 1000,
      percent: 0,
      state: 'ok',
      threshold: 0,
    });
    assert.equal(l.uses.get('lte')!.usedBytes, 100, 'what came since the last reading counts in the new period');
    assert.deepEqual(l.uses.get('lte')!.warned, []);
  });
});
