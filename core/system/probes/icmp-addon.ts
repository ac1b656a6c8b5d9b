// Loads the ICMP echo addon (native/icmp.c) if it was built; without it, ICMP probes fall back to ping processes.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The addon's functions: a raw ICMP socket per WAN, requests, and non-blocking drains of the replies. */
export interface IcmpAddon {
  /** A non-blocking raw ICMP socket (ICMPv6 for an IPv6 source) bound to `device` and `source`: echo replies only. */
  open(device: string, source: string): number;
  /** Sends one echo request; throws an Error whose `code` is the errno name (ENETUNREACH …). */
  send(fd: number, target: string, id: number, seq: number): void;
  /**
   * Every waiting reply with this id, flattened: [source address, seq, rtt ms from kernel timestamps or -1 without
   * one, …]; the address is a uint32 on an ICMP socket, 32 hex digits (see target.ts ipv6Hex) on an ICMPv6 one.
   */
  drain(fd: number, id: number): (number | string)[];
  close(fd: number): void;
}

const ADDON = 'native/build/Release/mwan_icmp.node';
/** Where the addon is, seen from this file (core/system/probes) or from the mwanctl bundle (cli/). */
const CANDIDATES = [new URL(`./${ADDON}`, import.meta.url), new URL(`../core/system/probes/${ADDON}`, import.meta.url)];

let loaded: { addon: IcmpAddon & NotifyAddon } | { error: string } | undefined;

/** The addon, or why it is not available (not built: `npm run build`; or MWAN_ICMP=ping asks for ping processes). */
export function icmpAddon(): { addon: IcmpAddon } | { error: string } {
  if (process.env.MWAN_ICMP === 'ping') return { error: 'MWAN_ICMP=ping' };
  return nativeAddon();
}

/** The addon's sd_notify (native/notify.c): one datagram to the service manager's socket. */
export interface NotifyAddon {
  notify(socket: string, message: string): void;
}

/** The addon as built (whatever MWAN_ICMP says), or why it cannot be loaded. */
export function nativeAddon(): { addon: IcmpAddon & NotifyAddon } | { error: string } {
  if (loaded) return loaded;
  const path = CANDIDATES.map((u) => fileURLToPath(u)).find((p) => existsSync(p));
  if (!path) return (loaded = { error: `${ADDON} is not built (npm run build)` });
  try {
    loaded = { addon: createRequire(import.meta.url)(path) as IcmpAddon & NotifyAddon };
  } catch (err) {
    loaded = { error: `cannot load ${path}: ${(err as Error).message}` };
  }
  return loaded;
}
