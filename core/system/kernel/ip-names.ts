// How `ip -json` names routing tables, route types and scopes (numbers with `ip -N`, names without): the readers' translations.

const TABLE_NAMES: Record<string, number> = { main: 254, local: 255, default: 253, unspec: 0 };

export function tableNumber(t: string | number): number {
  if (typeof t === 'number') return t;
  return TABLE_NAMES[t] ?? Number(t);
}

/** Route types as `ip -N` prints them (numbers) or without it (names): only the ones mwan writes matter. */
const ROUTE_TYPES: Record<string, string> = { 1: 'unicast', 6: 'blackhole', 7: 'unreachable' };
export const routeTypeOf = (t: string | undefined): string | undefined =>
  t === undefined ? undefined : (ROUTE_TYPES[t] ?? t);

/** Route scopes, numeric (`ip -N`) or named: 0 global, 253 link, 254 host. */
const SCOPES: Record<string, string> = {
  0: 'global',
  200: 'site',
  253: 'link',
  254: 'host',
  255: 'nowhere',
  universe: 'global',
};
export const scopeOf = (s: string | undefined): string | undefined => (s === undefined ? undefined : (SCOPES[s] ?? s));
