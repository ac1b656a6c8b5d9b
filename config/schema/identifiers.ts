// Stable kernel identifiers per WAN (id, mark, routing table, rule priorities), independent of config order; plugins add their parts of the layout.
import { MwanError } from '../../core/errors.ts';
import type { MwanConfig } from './schema.ts';
import { maskShift } from './validators.ts';
import { fnv1a } from './fnv1a.ts';

/** Rule priorities reserved for plugins, right after the `main` lookup. */
export const PLUGIN_PRIORITY_SLOTS = 100;

export interface WanIds {
  id: number;
  mark: number;
  table: number;
  fwmarkPriority: number;
  fromPriority: number;
}

/**
 * Parts of the layout plugins add (MwanPlugin.configuration.layout), declared by merging into this interface like
 * PluginSections (the policies plugin: `nfqueue`, its tags and queues).
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the plugins' declaration merging
export interface PluginLayout {}

export interface Layout extends PluginLayout {
  mask: number;
  /** How many WAN ids the mark mask can carry (ids are 1..capacity). */
  capacity: number;
  /** mwan's own table holding the weighted multipath default. */
  balanceTable: number;
  suppressPriority: number;
  balancePriority: number;
  /** Rule priorities plugins may use for their own rules (after `main`'s specific routes, before the WAN marks). */
  pluginPriorities: [number, number];
  /** Every priority and table mwan may own, for ownership checks and `stop`. */
  priorityRange: [number, number];
  tableRange: [number, number];
  routeProtocol: number;
  nftTable: string;
  wans: Map<string, WanIds>;
}

/** The layout before the plugins add their parts. */
export type CoreLayout = Omit<Layout, keyof PluginLayout>;

/**
 * Explicit `id`s are kept; the others hash their name into 1..capacity and probe upwards on collision,
 * visiting names in sorted order so the result never depends on the order of the config file.
 */
export function assignIds(names: { name: string; id?: number }[], capacity: number): Map<string, number> {
  const ids = new Map<string, number>();
  const used = new Set<number>();
  for (const w of names) {
    if (w.id === undefined) continue;
    if (w.id > capacity)
      throw new MwanError(
        'MWAN_CONFIG_INVALID',
        `wans.${w.name}.id: ${w.id} does not fit the mark mask (at most ${capacity})`,
      );
    ids.set(w.name, w.id);
    used.add(w.id);
  }
  const auto = names
    .filter((w) => w.id === undefined)
    .map((w) => w.name)
    .sort();
  if (auto.length + used.size > capacity) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `wans: ${names.length} WANs do not fit the mark mask (room for ${capacity}); widen kernel.markMask`,
    );
  }
  for (const name of auto) {
    let id = (fnv1a(name) % capacity) + 1;
    while (used.has(id)) id = (id % capacity) + 1;
    ids.set(name, id);
    used.add(id);
  }
  return ids;
}

export function computeLayout(cfg: MwanConfig): CoreLayout {
  const { markMask: mask, tableBase, rulePriorityBase: prio, routeProtocol, nftTable } = cfg.kernel;
  const shift = maskShift(mask);
  const capacity = Math.min(mask / 2 ** shift, 1023);
  const tableRange: [number, number] = [tableBase, tableBase + capacity];
  if (tableRange[0] <= 255 && tableRange[1] >= 253) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `kernel.tableBase: tables ${tableRange[0]}-${tableRange[1]} would include the kernel's default/main/local tables (253-255); choose a base above 255 or below ${253 - capacity}`,
    );
  }
  const pluginPriorities: [number, number] = [prio + 1, prio + PLUGIN_PRIORITY_SLOTS];
  const wanBase = prio + PLUGIN_PRIORITY_SLOTS;
  const priorityRange: [number, number] = [prio, wanBase + 2 * capacity + 1];
  if (priorityRange[1] >= 32766) {
    throw new MwanError(
      'MWAN_CONFIG_INVALID',
      `kernel.rulePriorityBase: priorities ${priorityRange[0]}-${priorityRange[1]} must stay below the main table's rule (32766)`,
    );
  }
  const idByName = assignIds(cfg.wans, capacity);
  const wans = new Map<string, WanIds>();
  for (const w of cfg.wans) {
    const id = idByName.get(w.name)!;
    wans.set(w.name, {
      id,
      mark: id * 2 ** shift,
      table: tableBase + id,
      fwmarkPriority: wanBase + id,
      fromPriority: wanBase + capacity + id,
    });
  }
  return {
    mask,
    capacity,
    balanceTable: tableBase,
    suppressPriority: prio,
    balancePriority: priorityRange[1],
    pluginPriorities,
    priorityRange,
    tableRange,
    routeProtocol,
    nftTable,
    wans,
  };
}
