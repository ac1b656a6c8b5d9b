// What status adds from the history and the quota use: flaps in the last 24 h, the last failure, each WAN's quota — from the daemon, or read from the state directory.
import { privateFiles } from '../../core/system/private-files.ts';
import { HISTORY_FILE, HistoryRing } from '../history/ring.ts';
import { parseQuotas, QUOTA_FILE } from '../../plugins/traffic/quota-store.ts';
import type { MwanEvents } from '../../core/events.ts';

export type QuotaFigures = Pick<MwanEvents['wan.quota'], 'usedBytes' | 'limitBytes' | 'percent' | 'state'>;

export interface StatusExtras {
  ring: HistoryRing;
  quotas: Map<string, QuotaFigures>;
}

/** Without a daemon: the history and quota files as the last daemon left them (refusals go to stderr). */
export async function readStatusExtras(stateDir: string): Promise<StatusExtras> {
  const warn = (m: string) => process.stderr.write(`mwanctl: warning: ${m}\n`);
  const files = privateFiles(stateDir, warn);
  const [history, quota] = await Promise.all([
    files.read(HISTORY_FILE).catch(() => null),
    files.read(QUOTA_FILE).catch(() => null),
  ]);
  const quotas = new Map<string, QuotaFigures>();
  for (const [wan, u] of quota ? parseQuotas(quota, warn) : [])
    quotas.set(wan, {
      usedBytes: u.usedBytes,
      limitBytes: u.limitBytes,
      percent: u.limitBytes ? Math.round((u.usedBytes / u.limitBytes) * 10000) / 100 : 0,
      state: u.exhausted ? 'exhausted' : u.warned.length ? 'warned' : 'ok',
    });
  return { ring: history ? HistoryRing.parse(history, warn) : new HistoryRing(), quotas };
}
