// `mwanctl history [--since 24h] [--wan NAME] [--json]`: the history ring the daemon keeps in the state directory, as text or JSON lines.
import { privateFiles } from '../../core/system/private-files.ts';
import type { CommandArgs } from '../command-args.ts';
import { controlTarget } from '../last-applied.ts';
import { requireNetAdmin } from '../privilege.ts';
import { HISTORY_FILE, HistoryRing, type HistoryEntry } from './ring.ts';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `30m`, `24h`, `7d`, `2w` in ms; null for anything else. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]] : null;
}

/** `2026-12-03T07:10:08Z isp1  wan.offline   no carrier` (FLAP marks a failure). */
export function historyLine(e: HistoryEntry): string {
  const at = new Date(e.at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `${at} ${(e.wan ? (e.family === 'ipv6' ? `${e.wan} IPv6` : e.wan) : '-').padEnd(12)} ${e.event.padEnd(16)} ${e.flap ? 'FLAP ' : ''}${e.reason}`;
}

export async function historyCommand(a: CommandArgs): Promise<number> {
  requireNetAdmin();
  let since: number | undefined;
  if (a.since !== undefined) {
    const ms = parseDuration(a.since);
    if (ms === null) {
      process.stderr.write(
        `mwanctl: --since takes a duration such as 90s, 30m, 24h or 7d (got ${JSON.stringify(a.since)})\n`,
      );
      return 2;
    }
    since = Date.now() - ms;
  }
  const { stateDir } = await controlTarget(a.config);
  const warn = (m: string) => process.stderr.write(`mwanctl: warning: ${m}\n`);
  const text = await privateFiles(stateDir, warn).read(HISTORY_FILE);
  const ring = text ? HistoryRing.parse(text, warn) : new HistoryRing();
  const entries = ring.select({ since, wan: a.wan });
  for (const e of entries)
    process.stdout.write(`${a.json ? JSON.stringify({ ...e, at: new Date(e.at).toISOString() }) : historyLine(e)}\n`);
  if (!entries.length && !a.json)
    process.stdout.write(text ? 'no entries match\n' : `no history yet (${stateDir}/${HISTORY_FILE})\n`);
  return 0;
}
