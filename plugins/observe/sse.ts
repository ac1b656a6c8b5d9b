// The /events clients: server-sent events broadcast to each, a heartbeat to keep proxies from closing them, a bound on their number.
import type { HttpStream } from '../../plugin-api/index.ts';

export const MAX_CLIENTS = 16;
const HEARTBEAT_MS = 15_000;

/** `event: <name>\ndata: <json>\n\n` (JSON has no raw newlines, so one data line). */
export const sseMessage = (event: string, data: unknown): string =>
  `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class EventClients {
  private readonly clients = new Set<HttpStream>();
  private readonly heartbeat: ReturnType<typeof setInterval>;

  constructor() {
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref?.();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Adds a client and sends it `first`; false (nothing sent) when there are MAX_CLIENTS already. */
  add(stream: HttpStream, first: string): boolean {
    if (this.clients.size >= MAX_CLIENTS) return false;
    this.clients.add(stream);
    stream.onClose(() => this.clients.delete(stream));
    stream.write(`retry: 2000\n\n${first}`);
    return true;
  }

  broadcast(event: string, data: unknown): void {
    if (!this.clients.size) return;
    const message = sseMessage(event, data);
    for (const c of this.clients) c.write(message);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const c of [...this.clients]) c.end();
    this.clients.clear();
  }
}
