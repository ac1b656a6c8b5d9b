// Reads interface byte counters from /sys/class/net/<dev>/statistics (the namespace's own sysfs).
import { readFileSync } from 'node:fs';
import { DEVICE_NAME } from '../../../config/schema/validators.ts';

export interface LinkBytes {
  rxBytes: number;
  txBytes: number;
}

/**
 * Byte counters per device; null for a device that does not exist (or has no statistics). Read synchronously:
 * sysfs answers from memory in microseconds, while a readFile through the thread pool costs an open, fstat, read
 * and close round trip each, with thread wake-ups (the status page samples every WAN every 5 s).
 */
export async function readLinkBytes(
  devices: string[],
  root = '/sys/class/net',
): Promise<Record<string, LinkBytes | null>> {
  const read = (dev: string): LinkBytes | null => {
    if (!DEVICE_NAME.test(dev)) throw new Error(`not an interface name: ${JSON.stringify(dev)}`);
    try {
      const [rx, tx] = ['rx_bytes', 'tx_bytes'].map((f) => readFileSync(`${root}/${dev}/statistics/${f}`, 'utf8'));
      return { rxBytes: Number(rx.trim()), txBytes: Number(tx.trim()) };
    } catch {
      return null;
    }
  };
  return Object.fromEntries(devices.map((d) => [d, read(d)]));
}
