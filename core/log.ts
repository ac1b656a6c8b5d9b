// The logger every part of mwan writes to (pino's), its levels, and a silent one; the CLI builds the real one (cli/logger.ts).
import { pino, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A logger that drops everything: for unit tests and one-shot commands that must print only their output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
