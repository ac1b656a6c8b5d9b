// Reads interface byte counters from /sys/class/net/<dev>/statistics (the namespace's own sysfs).
import { readFile } from 'node:fs/promises';
import { DEVICE_NAME } from '../../../config/schema/validators.ts';

export interface LinkBytes {
  rxBytes: number;
  txBytes: number;
}

/** Byte counters per device; null for a device that does not exist (or has no statistics). */
export async function readLinkBytes(
  devices: string[],
  root = '/sys/class/net',
): Promise<Record<string, LinkBytes | null>> {
  const read = async (dev: string): Promise<LinkBytes | null> => {
    if (!DEVICE_NAME.test(dev)) throw new Error(`not an interface name: ${JSON.stringify(dev)}`);
    try {
      const [rx, tx] = await Promise.all(
        ['rx_bytes', 'tx_bytes'].map((f) => readFile(`${root}/${dev}/statistics/${f}`, 'utf8')),
      );
      return { rxBytes: Number(rx.trim()), txBytes: Number(tx.trim()) };
    } catch {
      return null;
    }
  };
  const values = await Promise.all(devices.map(read));
  return Object.fromEntries(devices.map((d, i) => [d, values[i]]));
}
