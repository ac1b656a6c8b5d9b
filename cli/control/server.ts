// The control socket server: a root-only unix socket answering JSON requests from mwanctl and the ifupdown hook.
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describeError } from '../../core/errors.ts';
import type { ControlReply, ControlRequest } from './protocol.ts';

export type RequestHandler = (
  req: ControlRequest,
  stream: (line: unknown) => boolean,
  onClose: (fn: () => void) => void,
) => Promise<unknown>;

/** What sits at a path, in words, for an error message. */
function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a directory';
  if (st.isFile()) return 'a regular file';
  return 'not a socket';
}

/**
 * Clears the way for the socket: nothing there is fine; a socket nobody answers on (a dead daemon's) is removed; a
 * live socket, and anything that is not a socket (a file, a directory, a link), is refused and never deleted.
 */
export async function removeStaleSocket(file: string): Promise<void> {
  const st = await lstat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!st) return;
  if (!st.isSocket())
    throw new Error(
      `control socket path ${file} is ${kindOf(st)}, not a socket; refusing to replace it (move it away or set control.socket)`,
    );
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(file);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another mwan daemon is already listening on ${file}`);
  await unlink(file).catch(() => undefined);
}

export async function startControlServer(file: string, handle: RequestHandler): Promise<net.Server> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  await removeStaleSocket(file);
  // Connections that follow a stream (`events`) stay open until the client goes: closing the server ends them, or
  // server.close() would wait for them and a `stop` would never finish while someone watches the events.
  const followers = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    let buffer = '';
    sock.setEncoding('utf8');
    sock.on('error', () => undefined);
    sock.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      const line = buffer.slice(0, nl);
      buffer = '';
      void respond(line);
    });
    const respond = async (line: string) => {
      let reply: ControlReply;
      try {
        const req = JSON.parse(line) as ControlRequest;
        const data = await handle(
          req,
          (l) => sock.write(`${JSON.stringify(l)}\n`),
          (fn) => {
            followers.add(sock);
            sock.once('close', () => followers.delete(sock));
            sock.once('close', fn);
          },
        );
        reply = { ok: true, data };
      } catch (error) {
        reply = { ok: false, error: describeError(error) };
      }
      if (!sock.destroyed) sock.end(`${JSON.stringify(reply)}\n`);
    };
  });
  // Bound with umask 077 so that the socket is never, even for a moment, open to others; then 0600 as well.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const umask = process.umask(0o077);
    try {
      server.listen(file, resolve);
    } finally {
      process.umask(umask);
    } // bind(2) runs inside listen()
  });
  await chmod(file, 0o600);
  const close = server.close.bind(server);
  server.close = (done?: (err?: Error) => void) => {
    close(done);
    for (const sock of followers) sock.destroy();
    return server;
  };
  return server;
}
