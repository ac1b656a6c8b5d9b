// The catalogue of coded errors: each names the culprit and keeps the underlying cause.

export type MwanErrorCode =
  | 'MWAN_CONFIG_INVALID'
  | 'MWAN_CONFIG_NOT_FOUND'
  | 'MWAN_PLUGIN_INVALID'
  | 'MWAN_PLUGIN_DEPENDENCY'
  | 'MWAN_PLUGIN_CYCLE'
  | 'MWAN_PLUGIN_TIMEOUT'
  | 'MWAN_PLUGIN_UNSAFE_FILE'
  | 'MWAN_PLUGIN_FAILED'
  | 'MWAN_KERNEL_COMMAND'
  | 'MWAN_INVALID_NAME'
  | 'MWAN_CONTROL'
  | 'MWAN_UNKNOWN_WAN';

export class MwanError extends Error {
  readonly code: MwanErrorCode;
  constructor(code: MwanErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MwanError';
    this.code = code;
  }
}

/** Turns anything thrown into a one-line message (for logs and events). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
