// Refuses, with one clear line, commands that need root (CAP_NET_ADMIN) when run by anyone else.
import { readFileSync } from 'node:fs';
import { PermissionDeniedError } from './control/client.ts';

const CAP_NET_ADMIN = 12n;

/** Whether this process has CAP_NET_ADMIN in its effective set (read from /proc; without /proc, whether it is root). */
export function hasNetAdmin(): boolean {
  try {
    const line = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (line) return ((BigInt(`0x${line[1]}`) >> CAP_NET_ADMIN) & 1n) === 1n;
  } catch {
    /* no /proc */
  }
  return process.geteuid?.() === 0;
}

/** Throws PermissionDeniedError ("permission denied: mwanctl needs root (CAP_NET_ADMIN)") unless the process may manage the network. */
export function requireNetAdmin(): void {
  if (!hasNetAdmin()) throw new PermissionDeniedError();
}
