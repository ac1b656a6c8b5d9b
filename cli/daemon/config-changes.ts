// What a configuration reload changed, in words for the log line: WANs added, removed or changed (which fields), other sections, plugins.
import type { MwanConfig } from '../../config/schema/schema.ts';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The keys whose values differ between two objects (either side may lack a key), sorted. */
function changedKeys(a: object, b: object): string[] {
  const [x, y] = [a as Record<string, unknown>, b as Record<string, unknown>];
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => !same(x[k], y[k])).sort();
}

/**
 * One phrase per change: `wan isp2 changed (weight, probes)`, `wan isp4 added`, `health changed (intervalMs)`,
 * `plugin upnp changed`, `plugins loaded: +force-route`. Empty when nothing changed.
 */
export function configChanges(
  old: MwanConfig,
  next: MwanConfig,
  oldPlugins: string[] = [],
  nextPlugins: string[] = [],
): string[] {
  const out: string[] = [];
  const byName = (c: MwanConfig) => new Map(c.wans.map((w) => [w.name, w]));
  const [before, after] = [byName(old), byName(next)];
  for (const [name, w] of after) {
    const was = before.get(name);
    if (!was) out.push(`wan ${name} added`);
    else if (!same(was, w)) out.push(`wan ${name} changed (${changedKeys(was, w).join(', ')})`);
  }
  for (const name of before.keys()) if (!after.has(name)) out.push(`wan ${name} removed`);
  if (
    !same(
      old.wans.map((w) => w.name),
      next.wans.map((w) => w.name),
    ) &&
    !out.some((c) => / (added|removed)$/.test(c))
  )
    out.push('wan order changed');
  for (const key of changedKeys(
    old as unknown as Record<string, unknown>,
    next as unknown as Record<string, unknown>,
  )) {
    if (key === 'wans') continue;
    if (key === 'plugins') {
      for (const p of changedKeys(old.plugins, next.plugins))
        out.push(
          `plugin ${p} ${next.plugins[p] === false ? 'disabled' : p in old.plugins ? 'options changed' : 'options set'}`,
        );
      continue;
    }
    const [a, b] = [
      (old as unknown as Record<string, unknown>)[key],
      (next as unknown as Record<string, unknown>)[key],
    ];
    const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    out.push(
      isObject(a) && isObject(b)
        ? `${key} changed (${changedKeys(a as Record<string, unknown>, b as Record<string, unknown>).join(', ')})`
        : `${key} changed`,
    );
  }
  const added = nextPlugins.filter((p) => !oldPlugins.includes(p));
  const removed = oldPlugins.filter((p) => !nextPlugins.includes(p));
  if (added.length || removed.length)
    out.push(`plugins loaded: ${[...added.map((p) => `+${p}`), ...removed.map((p) => `-${p}`)].join(' ')}`);
  return out;
}

/**
 * The WANs whose health state carries over a reload: same device, same probes and the same health settings (its own
 * and the global ones). Their verdict, state and `since` stay; the others start afresh.
 */
export function wansKeepingHealth(old: MwanConfig, next: MwanConfig): string[] {
  if (!same(old.health, next.health)) return [];
  return next.wans
    .filter((w) => {
      const was = old.wans.find((o) => o.name === w.name);
      return was !== undefined && was.device === w.device && same(was.probes, w.probes) && same(was.health, w.health);
    })
    .map((w) => w.name);
}
