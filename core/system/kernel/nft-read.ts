// Parses `nft -json list table` into what the nft renderer needs: chains with their hooks, sets, counters, rule counts.
export interface CurrentChain {
  name: string;
  type?: string;
  hook?: string;
  priority?: number;
  policy?: string;
  rules: number;
}
export interface CurrentNft {
  chains: Map<string, CurrentChain>;
  sets: Set<string>;
  counters: Map<string, { packets: number; bytes: number }>;
}

type JsonItem = Record<string, Record<string, unknown>>;

export function parseNftTable(json: string): CurrentNft {
  const items = (JSON.parse(json) as { nftables: JsonItem[] }).nftables;
  const state: CurrentNft = { chains: new Map(), sets: new Set(), counters: new Map() };
  for (const item of items) {
    if (item.chain) {
      const c = item.chain;
      state.chains.set(String(c.name), {
        name: String(c.name),
        type: c.type as string | undefined,
        hook: c.hook as string | undefined,
        priority: c.prio as number | undefined,
        policy: c.policy as string | undefined,
        rules: 0,
      });
    } else if (item.set || item.map) {
      state.sets.add(String((item.set ?? item.map).name));
    } else if (item.counter) {
      state.counters.set(String(item.counter.name), {
        packets: Number(item.counter.packets),
        bytes: Number(item.counter.bytes),
      });
    } else if (item.rule) {
      const chain = state.chains.get(String(item.rule.chain));
      if (chain) chain.rules++;
    }
  }
  return state;
}

/** `nft -j list counters …` output as counters by name. */
export function parseNftCounters(json: string): Record<string, { packets: number; bytes: number }> {
  const items = (JSON.parse(json) as { nftables?: JsonItem[] }).nftables ?? [];
  const out: Record<string, { packets: number; bytes: number }> = {};
  for (const item of items)
    if (item.counter)
      out[String(item.counter.name)] = { packets: Number(item.counter.packets), bytes: Number(item.counter.bytes) };
  return out;
}
