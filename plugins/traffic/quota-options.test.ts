// Tests quota settings: sizes with units, errors naming the field, and the start of monthly, weekly and daily periods.
import assert from 'node:assert/strict';
import { parseConfig } from '../../cli/config.ts';
import { periodStart } from './period.ts';
import { parseQuotas } from './quota-store.ts';
import { formatSize, parseSize } from './units.ts';

const config = (quota: unknown) => parseConfig({ wans: [{ name: 'lte', device: 'wwan0', quota }] });

describe('quota settings', () => {
  it('parses sizes: decimal and binary units, a plain number; refuses the rest', () => {
    assert.equal(parseSize('20GB'), 20e9);
    assert.equal(parseSize('500 MiB'), 500 * 2 ** 20);
    assert.equal(parseSize('1.5TB'), 1.5e12);
    assert.equal(parseSize('2mb'), 2e6);
    assert.equal(parseSize(4096), 4096);
    for (const bad of ['20 GiBs', '-1GB', '0', 'lots', '', 1.5, -3]) assert.equal(parseSize(bad), null, String(bad));
    assert.equal(formatSize(20e9), '20.0 GB');
    assert.equal(formatSize(250e9), '250 GB');
    assert.equal(formatSize(1_500_000), '1.5 MB');
  });

  it('fills the defaults and names the field in each error', () => {
    assert.deepEqual(config({ bytes: '2MB' }).config.wans[0].quota, {
      bytes: 2e6,
      period: 'monthly',
      resetDay: 1,
      warnAt: [80, 95],
      action: 'standby',
    });
    const cases: [unknown, RegExp][] = [
      [{ bytes: '20 parsecs' }, /wans\[0\]\.quota\.bytes: .*expected a size such as 20GB/],
      [{ bytes: '1GB', period: 'yearly' }, /wans\[0\]\.quota\.period/],
      [{ bytes: '1GB', period: 'weekly', resetDay: 9 }, /wans\[0\]\.quota\.resetDay: .*1 \(Monday\) to 7 \(Sunday\)/],
      [{ bytes: '1GB', warnAt: [80, 120] }, /wans\[0\]\.quota\.warnAt\[1\]/],
      [{ bytes: '1GB', action: 'throttle' }, /wans\[0\]\.quota\.action/],
      [{ bytes: '1GB', limit: 3 }, /wans\[0\]\.quota: unknown field "limit"/],
    ];
    for (const [quota, message] of cases) assert.throws(() => config(quota), message, JSON.stringify(quota));
  });

  it('finds the start of the period at local midnight of the reset day', () => {
    const at = (y: number, m: number, d: number, h = 0) => new Date(y, m - 1, d, h).getTime();
    assert.equal(periodStart({ period: 'monthly', resetDay: 15 }, at(2026, 12, 3, 13)), at(2026, 11, 15));
    assert.equal(periodStart({ period: 'monthly', resetDay: 15 }, at(2026, 12, 15, 0)), at(2026, 12, 15));
    assert.equal(
      periodStart({ period: 'monthly', resetDay: 31 }, at(2026, 3, 2)),
      at(2026, 2, 28),
      'a short month: its last day',
    );
    assert.equal(periodStart({ period: 'monthly', resetDay: 1 }, at(2026, 1, 10)), at(2026, 1, 1));
    assert.equal(periodStart({ period: 'monthly', resetDay: 20 }, at(2026, 1, 10)), at(2025, 12, 20), 'across a year');
    // 2026-12-03 is a Thursday.
    assert.equal(periodStart({ period: 'weekly', resetDay: 1 }, at(2026, 12, 3, 9)), at(2026, 11, 30));
    assert.equal(periodStart({ period: 'weekly', resetDay: 4 }, at(2026, 12, 3, 9)), at(2026, 12, 3));
    assert.equal(periodStart({ period: 'daily', resetDay: 1 }, at(2026, 12, 3, 23)), at(2026, 12, 3));
  });

  it('reads a quota file as untrusted input: malformed entries and files are left out with a line', () => {
    const problems: string[] = [];
    const good = {
      periodStart: '2026-12-01T00:00:00.000Z',
      usedBytes: 5,
      limitBytes: 10,
      rawRxBytes: 1,
      rawTxBytes: 2,
      warned: [],
      exhausted: false,
    };
    const uses = parseQuotas(
      JSON.stringify({ version: 1, wans: { lte: good, bad: { ...good, usedBytes: -1 }, worse: 'x' } }),
      (m) => problems.push(m),
    );
    assert.deepEqual([...uses.keys()], ['lte']);
    assert.deepEqual(uses.get('lte')!.raw, { rx: 1, tx: 2 });
    assert.equal(problems.length, 2);
    assert.equal(parseQuotas('{garbage', (m) => problems.push(m)).size, 0);
    assert.match(problems.at(-1)!, /not valid JSON/);
  });
});
