// Refuses a kernel.routeProtocol that others use: the kernel's own values (0-4) and every number iproute2's rt_protos files name.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MwanError } from '../../errors.ts';

/** Where iproute2 names protocols: /etc first, /usr/share on newer iproute2 (each with a `.d` directory of `*.conf`). */
export const RT_PROTOS_PLACES = ['/etc/iproute2', '/usr/share/iproute2'];

/** 0 unspec, 1 redirect, 2 kernel, 3 boot, 4 static: set by the kernel and by `ip route` without `proto`. */
export const KERNEL_PROTOCOLS: Record<number, string> = {
  0: 'unspec',
  1: 'redirect',
  2: 'kernel',
  3: 'boot',
  4: 'static',
};

export interface NamedProtocol {
  value: number;
  name: string;
  file: string;
  line: number;
}

/** The `number name` lines of an rt_protos file (numbers in decimal or 0x hex, `#` comments), as iproute2 reads them. */
export function parseRtProtos(text: string, file: string): NamedProtocol[] {
  const out: NamedProtocol[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(0x[0-9a-fA-F]+|\d+)\s+(\S+)/.exec(line);
    if (m) out.push({ value: Number(m[1]), name: m[2], file, line: i + 1 });
  });
  return out;
}

async function textOf(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return undefined;
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `kernel.routeProtocol: cannot read ${file} to check the value is free: ${(error as Error).message}`,
    );
  }
}

/** Every protocol number named in `places` (rt_protos and rt_protos.d/*.conf of each). */
export async function namedProtocols(places: string[] = RT_PROTOS_PLACES): Promise<NamedProtocol[]> {
  const out: NamedProtocol[] = [];
  for (const dir of places) {
    const main = join(dir, 'rt_protos');
    const text = await textOf(main);
    if (text !== undefined) out.push(...parseRtProtos(text, main));
    let confs: string[] = [];
    try {
      confs = (await readdir(join(dir, 'rt_protos.d'))).filter((n) => n.endsWith('.conf')).sort();
    } catch {
      /* no such directory */
    }
    for (const name of confs) {
      const file = join(dir, 'rt_protos.d', name);
      const conf = await textOf(file);
      if (conf !== undefined) out.push(...parseRtProtos(conf, file));
    }
  }
  return out;
}

/**
 * Throws when `value` is the kernel's own or named by an rt_protos file: another routing daemon (bird, zebra,
 * keepalived, dhcp …) may own routes and rules with it, and mwan would take them for its own and delete them.
 */
export async function checkRouteProtocol(value: number, places: string[] = RT_PROTOS_PLACES): Promise<void> {
  if (KERNEL_PROTOCOLS[value] !== undefined) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `kernel.routeProtocol: ${value} is the kernel's "${KERNEL_PROTOCOLS[value]}" protocol; choose a number from 5 to 255 that no rt_protos file names (the default is 249)`,
    );
  }
  const named = (await namedProtocols(places)).find((p) => p.value === value);
  if (named) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `kernel.routeProtocol: ${value} is named "${named.name}" in ${named.file} (line ${named.line}); another routing daemon may use it: choose a number that no rt_protos file names`,
    );
  }
}
