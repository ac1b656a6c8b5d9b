// Logger factory: JSON lines on stdout for journald, pretty output when stdout is a terminal.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(
  level: string = process.env.MWAN_LOG_LEVEL ?? 'info',
  pretty = process.stdout.isTTY,
): Logger {
  if (pretty) {
    return pino({
      level,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino({ level, base: { name: 'mwan' } });
}

/** A logger that drops everything: for unit tests and one-shot commands that must print only their output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
