// Reads Net-ISP-Balance's configuration (balance.conf, and network.conf when given): the service table and key=value settings.

/** One row of the service table: `service device role ping-ip weight gateway`. */
export interface ServiceRow {
  service: string;
  device: string;
  role: string;
  ping?: string;
  weight?: string;
  gateway?: string;
  where: string;
}

/** One `key=value` line (forwarding_group may repeat). */
export interface Setting {
  key: string;
  value: string;
  where: string;
}

export interface BalanceFiles {
  services: ServiceRow[];
  settings: Setting[];
}

/**
 * Parses the text of one file (`name` is used in `where`, e.g. `balance.conf:12`). Blank lines and `#` comments
 * (the shipped file's commented-out examples) are skipped; a line with `=` is a setting, any other a table row.
 */
export function parseBalanceText(
  text: string,
  name: string,
  into: BalanceFiles = { services: [], settings: [] },
): BalanceFiles {
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const where = `${name}:${i + 1}`;
    const eq = line.indexOf('=');
    if (eq > 0 && !/\s/.test(line.slice(0, eq).trim())) {
      into.settings.push({ key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim(), where });
      return;
    }
    const [service, device, role, ping, weight, gateway] = line.split(/\s+/);
    into.services.push({ service, device: device ?? '', role: role ?? '', ping, weight, gateway, where });
  });
  return into;
}
