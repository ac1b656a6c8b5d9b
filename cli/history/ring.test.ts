// Tests the history ring: which events it keeps, its bounds, the file read as untrusted input, flaps and --since parsing.
import assert from 'node:assert/strict';
import { parseDuration, historyLine } from './command.ts';
import { entryOf, HISTORY_LIMITS, HistoryRing } from './ring.ts';

const DAY = 86_400_000;

describe('history ring', () => {
  it('keeps state changes with reasons, failed reconciles and quota changes; not the periodic quota figure', () => {
    assert.deepEqual(entryOf('wan.offline', { wan: 'isp1', reason: 'no carrier', lossPct: 100 }, 5, true), {
      at: 5,
      event: 'wan.offline',
      wan: 'isp1',
      reason: 'no carrier (loss 100%)',
      flap: true,
    });
    assert.equal(entryOf('reconcile.failed', { reason: 'start', error: 'nft: boom' }, 1)?.reason, 'start: nft: boom');
    const q = { wan: 'lte', usedBytes: 80, limitBytes: 100, percent: 80, state: 'warned' };
    assert.equal(
      entryOf('wan.quota', { ...q, threshold: 80 }, 1)?.reason,
      '80 % of the data quota used: 80 of 100 bytes (80 %)',
    );
    assert.equal(entryOf('wan.quota', { ...q, threshold: null }, 1), null);
    assert.equal(entryOf('probe.result', { wan: 'isp1' }, 1), null);
    assert.equal(
      entryOf('wan.online', { wan: 'x', reason: 'r'.repeat(1000) }, 1)?.reason.length,
      HISTORY_LIMITS.reasonChars,
    );
  });

  it('is bounded by count and by age', () => {
    const ring = new HistoryRing();
    const now = 100 * DAY;
    ring.add({ at: now - 31 * DAY, event: 'wan.online', reason: 'old' });
    ring.add({ at: now, event: 'wan.online', reason: 'new' });
    assert.deepEqual(
      ring.entries.map((e) => e.reason),
      ['new'],
    );
    for (let i = 0; i < HISTORY_LIMITS.entries + 10; i++)
      ring.add({ at: now + i, event: 'wan.online', reason: String(i) });
    assert.equal(ring.entries.length, HISTORY_LIMITS.entries);
    assert.equal(ring.entries.at(-1)!.reason, String(HISTORY_LIMITS.entries + 9));
    assert.ok(ring.text().length < 4 << 20, 'a full ring stays under the file limit');
  });

  it('reads its file back; garbage and malformed entries are left out with a line', () => {
    const now = Date.now();
    const ring = new HistoryRing();
    ring.add({ at: now - 2 * DAY, event: 'wan.offline', wan: 'isp1', reason: 'a', flap: true });
    ring.add({ at: now - 1000, event: 'wan.offline', wan: 'isp1', reason: 'b', flap: true });
    ring.add({ at: now - 500, event: 'wan.online', wan: 'isp2', reason: 'c' });
    const problems: string[] = [];
    const back = HistoryRing.parse(ring.text(), (m) => problems.push(m));
    assert.deepEqual(back.entries, ring.entries);
    assert.deepEqual(back.failures('isp1', now - DAY), { flaps: 1, last: ring.entries[1] });
    assert.deepEqual(
      back.select({ wan: 'isp2' }).map((e) => e.reason),
      ['c'],
    );
    assert.deepEqual(
      back.select({ since: now - DAY }).map((e) => e.reason),
      ['b', 'c'],
    );
    const doctored = JSON.stringify({
      version: 1,
      entries: [...ring.entries, { at: 'x' }, { ...ring.entries[0], event: 'rm -rf' }],
    });
    assert.equal(HistoryRing.parse(doctored, (m) => problems.push(m)).entries.length, 3);
    assert.equal(HistoryRing.parse('\u0000garbage', (m) => problems.push(m)).entries.length, 0);
    assert.deepEqual(
      problems.map((p) => p.split(':')[0].split(';')[0]),
      ['history.json', 'history.json is not valid JSON'],
    );
  });

  it('parses --since durations and prints one line per entry', () => {
    assert.equal(parseDuration('24h'), DAY);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('7d'), 7 * DAY);
    for (const bad of ['24', 'h', '-1h', '1y', '1.5h']) assert.equal(parseDuration(bad), null, bad);
    assert.equal(
      historyLine({
        at: Date.parse('2026-12-03T07:10:08.123Z'),
        event: 'wan.offline',
        wan: 'isp1',
        reason: 'no carrier',
        flap: true,
      }),
      '2026-12-03T07:10:08Z isp1         wan.offline      FLAP no carrier',
    );
  });
});
