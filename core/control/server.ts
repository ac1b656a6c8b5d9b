// The control socket server: a root-only unix socket answering JSON requests from mwanctl and the ifupdown hook.
import { chmod, mkdir, unlink } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describeError } from '../errors.ts';
import type { ControlReply, ControlRequest } from './protocol.ts';

export type RequestHandler = (req: ControlRequest, stream: (line: unknown) => boolean, onClose: (fn: () => void) => void) => Promise<unknown>;

async function removeStaleSocket(file: string): Promise<void> {
  const alive = await new Promise<boolean>((resolve) => {
    const probe = net.connect(file);
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another mwan daemon is already listening on ${file}`);
  await unlink(file).catch(() => undefined);
}

export async function startControlServer(file: string, handle: RequestHandler): Promise<net.Server> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
  await removeStaleSocket(file);
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
        const data = await handle(req, (l) => sock.write(`${JSON.stringify(l)}\n`), (fn) => sock.once('close', fn));
        reply = { ok: true, data };
      } catch (error) {
        reply = { ok: false, error: describeError(error) };
      }
      if (!sock.destroyed) sock.end(`${JSON.stringify(reply)}\n`);
    };
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(file, resolve); });
  await chmod(file, 0o600);
  return server;
}
