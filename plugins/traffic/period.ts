// When a quota period began: the last reset (local time, midnight) at or before a moment, for monthly, weekly and daily periods.
import type { QuotaConfig } from './quota-options.ts';

const daysIn = (year: number, month: number) => new Date(year, month + 1, 0).getDate();

/** The start of the period holding `now` (ms since the epoch), at local midnight of the reset day. */
export function periodStart(q: Pick<QuotaConfig, 'period' | 'resetDay'>, now: number): number {
  const d = new Date(now);
  const midnight = new Date(d.getFullYear(), d.getMonth(), d.getDate());
  if (q.period === 'daily') return midnight.getTime();
  if (q.period === 'weekly') {
    const isoDay = ((midnight.getDay() + 6) % 7) + 1; // Monday 1 … Sunday 7
    const back = (isoDay - q.resetDay + 7) % 7;
    return new Date(midnight.getFullYear(), midnight.getMonth(), midnight.getDate() - back).getTime();
  }
  const resetIn = (y: number, m: number) => new Date(y, m, Math.min(q.resetDay, daysIn(y, m)));
  const thisMonth = resetIn(midnight.getFullYear(), midnight.getMonth());
  if (thisMonth.getTime() <= midnight.getTime()) return thisMonth.getTime();
  return resetIn(midnight.getFullYear(), midnight.getMonth() - 1).getTime();
}
