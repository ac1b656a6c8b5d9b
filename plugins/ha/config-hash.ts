// The configuration hash the two routers of a pair compare: per top-level section, leaving out what may differ per node.
import { fnv1a, type MwanConfig } from '../../plugin-api/index.ts';

/**
 * Sections that are each node's own business (where it keeps its files and socket, how much it logs); everything
 * else must match, since marks, tables, set names and SNAT addresses are computed from it.
 */
const NODE_LOCAL = new Set(['stateDir', 'control', 'log', 'pluginsDir']);

export interface ConfigHashes {
  /** The hash of every compared section (8 hex digits per section, hashed again). */
  all: string;
  /** One hash per compared top-level section, by its name. */
  sections: Record<string, string>;
}

/** JSON with object keys sorted (undefined members left out), so equal values give equal text. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonical(v))).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value as object)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Leaves out what legitimately differs: the nodes' priorities and each WAN's or LAN's own addresses. */
function comparable(name: string, value: unknown): unknown {
  if (name === 'ha') {
    const ha = value as { nodes?: { priority?: number }[] };
    return { ...ha, nodes: ha.nodes?.map(({ priority: _priority, ...rest }) => rest) };
  }
  if (name === 'wans') return (value as { address?: unknown }[]).map(({ address: _address, ...rest }) => rest);
  if (name === 'lan') return (value as { addresses?: unknown }[]).map(({ addresses: _addresses, ...rest }) => rest);
  return value;
}

const hex8 = (text: string) => fnv1a(text).toString(16).padStart(8, '0');

export function configHashes(config: MwanConfig): ConfigHashes {
  const sections: Record<string, string> = {};
  for (const name of Object.keys(config).sort()) {
    const value = (config as unknown as Record<string, unknown>)[name];
    if (NODE_LOCAL.has(name) || value === undefined) continue;
    sections[name] = hex8(canonical(comparable(name, value)));
  }
  return { all: hex8(canonical(sections)), sections };
}

/** The sections whose hashes differ (present on one side only counts), sorted. */
export function differingSections(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}
