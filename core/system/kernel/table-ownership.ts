// Refuses to start when a routing table in mwan's range holds routes mwan did not make (another protocol): never replace or delete them.
import { MwanError } from '../../errors.ts';
import { tableNumber } from './ip-names.ts';
import type { JsonRoute } from './ip-read.ts';

export interface TableOwnership {
  routeProtocol: number;
  tableRange: [number, number];
}

/** A route in mwan's range that another tool made, as `ip route` would show it (numbers, not names). */
export interface ForeignRoute {
  table: number;
  protocol: number;
  text: string;
}

/** Kernels that can list every route in mwan's tables, whoever made it (the real one; test doubles need not). */
export interface ForeignRouteReader {
  foreignRoutes?(own: TableOwnership): Promise<ForeignRoute[]>;
}

/** Routes of `ip -N -json route show table all` in mwan's table range whose protocol is not mwan's. */
export function parseForeignRoutes(json: string, own: TableOwnership): ForeignRoute[] {
  const out: ForeignRoute[] = [];
  for (const r of JSON.parse(json || '[]') as JsonRoute[]) {
    if (r.table === undefined) continue;
    const table = tableNumber(r.table);
    if (!(table >= own.tableRange[0] && table <= own.tableRange[1])) continue;
    // `ip` leaves out the protocol of routes added without one (boot, 3).
    const protocol = Number(r.protocol ?? 3);
    if (protocol === own.routeProtocol) continue;
    const paths = r.nexthops ?? [{ gateway: r.gateway, dev: r.dev }];
    const via = paths
      .map((p) => `${p.gateway ? ` via ${p.gateway}` : ''}${p.dev ? ` dev ${p.dev}` : ''}`)
      .join(' nexthop');
    const text = `${r.dst}${via} table ${table} proto ${protocol}${r.metric ? ` metric ${r.metric}` : ''}`;
    out.push({ table, protocol, text });
  }
  return out;
}

/** Throws naming the first table in mwan's range that holds another tool's route, and that route. */
export function assertTablesOwned(foreign: ForeignRoute[], own: TableOwnership): void {
  if (foreign.length === 0) return;
  const first = foreign[0];
  const tables = [...new Set(foreign.map((f) => f.table))];
  throw new MwanError(
    'MWAN_CONFIG_INVALID',
    `kernel.tableBase: routing table ${first.table} (mwan's tables are ${own.tableRange[0]}-${own.tableRange[1]}) holds a route mwan did not make: ` +
      `"${first.text}"${foreign.length > 1 ? ` (and ${foreign.length - 1} more, in table${tables.length > 1 ? 's' : ''} ${tables.join(', ')})` : ''}; ` +
      `mwan never replaces or deletes another tool's routes: move them, or choose another kernel.tableBase`,
  );
}

/**
 * Asked before mwan's first change: a table in its range holding another tool's routes is refused, never taken over.
 * One listing however many reconciles wait for it; a refusal is checked afresh next time. Kernels without the listing
 * (test doubles) have nothing to check.
 */
export class TablesOwnedCheck {
  private owned = false;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly kernel: ForeignRouteReader,
    private readonly own: TableOwnership,
  ) {}

  /** Whether `check` must still pass before mwan changes the kernel. */
  get pending(): boolean {
    return !this.owned && this.kernel.foreignRoutes !== undefined;
  }

  check(): Promise<void> {
    this.checking ??= (async () => {
      assertTablesOwned(await this.kernel.foreignRoutes!(this.own), this.own);
      this.owned = true;
    })().catch((error: unknown) => {
      this.checking = undefined;
      throw error;
    });
    return this.checking;
  }
}
