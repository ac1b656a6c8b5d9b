// The names of the nft objects policies and rules own: chains, persistence and learning maps, rule chains.

/** The chain that marks a connection for WAN `id` and counts it (shared by every policy). */
export const chainFor = (id: number) => `to_wan${id}`;
export const counterFor = (id: number) => `new_wan${id}`;
/** Marks a connection for WAN `id` without counting it: NFQUEUE policies count the decision later (mark_postrouting). */
export const setChainFor = (id: number) => `set_wan${id}`;
/** The default policy keeps the chain name mwan always used for its balance. */
export const DEFAULT_CHAIN = 'balance';
export const CLASSIFY_CHAIN = 'classify';
/** The rules that apply to the router's own new connections. */
export const CLASSIFY_LOCAL_CHAIN = 'classify_local';
export const policyChain = (policy: string, isDefault: boolean) => (isDefault ? DEFAULT_CHAIN : `policy_${policy}`);
/** A persistence map's name carries its key, so a key change makes a new map (nft cannot change a set's type). */
export const persistMap = (policy: string, key: 'src' | 'src-dst') =>
  `persist_${policy}_${key === 'src' ? 'src' : 'pair'}`;
export const fastestMap = (policy: string) => `fastest_${policy}`;
export const ruleLabel = (rule: { name?: string }, index: number) => rule.name ?? String(index);
export const ruleChain = (label: string) => `rule_${label}`;
export const stickyMap = (label: string) => `sticky_${label}`;
/** The chain that refreshes a remembered WAN in `map` and marks the connection for it. */
export const keepChain = (map: string, id: number) => `keep_${map}_${id}`;
