// The CLI's logger: JSON lines on stdout, each with a `<N>` syslog priority under journald, pretty output on a terminal.
import { fstatSync } from 'node:fs';
import { pino, type Logger } from 'pino';
import { LOG_LEVELS, type LogLevel } from '../core/log.ts';

/**
 * What the levels mean: a WAN offline or degraded is `warn`, online `info`; failed applies and plugin errors
 * `error`; probes and reconciles `debug` (hidden at the default `info`).
 * The syslog priority journald files a pino level under (sd-daemon(3)): fatal 2 crit, error 3 err, warn 4 warning,
 * info 6 info, debug and trace 7 debug.
 */
export function syslogPriority(level: number): number {
  if (level >= 60) return 2;
  if (level >= 50) return 3;
  if (level >= 40) return 4;
  if (level >= 30) return 6;
  return 7;
}

/** A JSON log line with its `<N>` prefix (journald strips it and files the line at that priority: SyslogLevelPrefix). */
export function withSyslogPrefix(line: string): string {
  const level = /"level":(\d+)/.exec(line);
  return `<${syslogPriority(level ? Number(level[1]) : 30)}>${line}`;
}

/**
 * True when stdout is the journal stream systemd connected (JOURNAL_STREAM names its device and inode, systemd.exec(5)):
 * a log redirected elsewhere by a child keeps plain lines.
 */
export function stdoutIsJournal(env: NodeJS.ProcessEnv = process.env, fd = 1): boolean {
  const stream = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!stream) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(stream[1]) && st.ino === BigInt(stream[2]);
  } catch {
    return false;
  }
}

/** The level to log at: `--log-level`, else MWAN_LOG_LEVEL, else the configuration's `log.level`; unknown names are skipped. */
export function chooseLogLevel(flag: string | undefined, env: string | undefined, configured: LogLevel): LogLevel {
  for (const l of [flag, env]) if (l && (LOG_LEVELS as readonly string[]).includes(l)) return l as LogLevel;
  return configured;
}

export function createLogger(
  level: string = process.env.MWAN_LOG_LEVEL ?? 'info',
  pretty = process.stdout.isTTY,
  journal = !pretty && stdoutIsJournal(),
): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) level = 'info';
  if (pretty) {
    return pino({
      level,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  if (journal)
    return pino(
      { level, base: { name: 'mwan' } },
      {
        write: (line: string) => {
          process.stdout.write(withSyslogPrefix(line));
        },
      },
    );
  return pino({ level, base: { name: 'mwan' } });
}
