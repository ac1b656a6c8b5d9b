// The control socket client: sends one request and returns the reply, or reports that no daemon is listening.
import net from 'node:net';
import { MwanError } from '../../core/errors.ts';
import type { ControlReply, ControlRequest } from './protocol.ts';

export class NoDaemonError extends Error {}

/** The socket exists but this user may not use it (it is root's, mode 0600). */
export class PermissionDeniedError extends Error {
  constructor() {
    super('permission denied: mwanctl needs root (CAP_NET_ADMIN)');
  }
}

/** Sends `req`; `onLine` receives streamed lines (for `events`). Rejects with NoDaemonError when nothing listens. */
export function request(
  file: string,
  req: ControlRequest,
  opts: { timeoutMs?: number; onLine?: (line: unknown) => void } = {},
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(file);
    let buffer = '';
    let connected = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          sock.destroy();
          reject(new MwanError('MWAN_CONTROL', `the daemon did not answer '${req.cmd}' within ${opts.timeoutMs} ms`));
        }, opts.timeoutMs)
      : undefined;
    sock.setEncoding('utf8');
    sock.once('connect', () => {
      connected = true;
      sock.write(`${JSON.stringify(req)}\n`);
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      const code = (err as NodeJS.ErrnoException).code;
      if (!connected && (code === 'EACCES' || code === 'EPERM')) reject(new PermissionDeniedError());
      else
        reject(
          connected
            ? new MwanError('MWAN_CONTROL', `control socket ${file}: ${err.message}`)
            : new NoDaemonError(`no daemon listening on ${file}`),
        );
    });
    sock.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffer.slice(0, nl)) as ControlReply | Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        if ('ok' in line) {
          clearTimeout(timer);
          sock.end();
          if (line.ok === true) resolve((line as { data?: unknown }).data);
          else reject(new MwanError('MWAN_CONTROL', String((line as { error: string }).error)));
          return;
        }
        opts.onLine?.(line);
      }
    });
  });
}
