// Shared start of the lab's TCP servers: greets each client with the source address it saw, tracks sockets, stops on signals.
import { createServer, type Socket } from 'node:net';

/**
 * Listens on bind:port; every client first gets a line with its source address as the server saw it (how tests
 * tell which ISP a connection came through), then `serve` takes the socket. Prints `ready` once listening.
 */
export function startGreetingServer(
  o: { bind: string; port: number; backlog?: number },
  serve: (sock: Socket) => void,
): void {
  const sockets = new Set<Socket>();
  const server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
    sock.write(`${(sock.remoteAddress ?? '?').replace(/^::ffff:/, '')}\n`);
    serve(sock);
  });
  server.listen({ host: o.bind, port: o.port, backlog: o.backlog }, () => process.stdout.write('ready\n'));
  const stop = () => {
    server.close();
    for (const s of sockets) s.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
