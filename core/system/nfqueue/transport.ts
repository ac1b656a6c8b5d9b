// The netlink socket under NFQUEUE: a NETLINK_NETFILTER socket from the `netlink` package's RawNetlinkSocket, behind a small interface tests replace.
import { NETLINK_NETFILTER } from './messages.ts';

export interface NetlinkTransport {
  /** Sends one datagram (which may hold several netlink messages). */
  send(data: Buffer, done?: (err?: Error) => void): void;
  /** Each datagram received, in order. */
  onMessage(fn: (data: Buffer) => void): void;
  /** Socket errors, e.g. ENOBUFS when the receive buffer overflowed. */
  onError(fn: (err: Error & { code?: string }) => void): void;
  close(): void;
}

export interface TransportOptions {
  /** SO_RCVBUF; the kernel doubles it (default 4 MiB). */
  recvBufferBytes?: number;
  /** Largest datagram read (default 2048: a packet message with a 64-byte copy is about 200 bytes). */
  maxMessageBytes?: number;
}

/** Opens a NETLINK_NETFILTER socket in this process's network namespace. Loads the native module only when called. */
export async function openNetfilterSocket(o: TransportOptions = {}): Promise<NetlinkTransport> {
  const { RawNetlinkSocket } = await import('netlink');
  const recv = o.recvBufferBytes ?? 4 * 1024 * 1024;
  const sock = new RawNetlinkSocket(NETLINK_NETFILTER, {
    messagePeeking: false,
    msgBufferSize: o.maxMessageBytes ?? 2048,
    recvBufferSize: recv,
    sendBufferSize: 1024 * 1024,
  });
  return {
    send: (data, done) => sock.send(data, { port: 0 }, (err) => done?.(err)),
    onMessage: (fn) => {
      sock.on('message', (msg) => fn(msg));
    },
    onError: (fn) => {
      sock.on('error', (err) => fn(err));
    },
    close: () => sock.close(),
  };
}
