// The names of the nft objects policies and rules own: chains, persistence and learning maps, rule chains.

/** The chain that marks a connection for WAN `id` and counts it (shared by every policy). */
export const chainFor = (id: number) => `to_wan${id}`;
export const counterFor = (id: number) => `new_wan${id}`;
/** Marks a connection for WAN `id` without counting it: NFQUEUE policies count the decision later (mark_postrouting). */
export const setChainFor = (id: number) => `set_wan${id}`;
/** Metric of the unreachable route in an enforced WAN's table: below any real default, kept when the device goes. */
export const ENFORCE_METRIC = 4294967295;
/** The default policy keeps the chain name mwan always used for its balance. */
export const DEFAULT_CHAIN = 'balance';
export const CLASSIFY_CHAIN = 'classify';
/** IPv6's classify chain (ipv6.mode npt): the rules that apply to IPv6, to the policies' IPv6 chains. */
export const CLASSIFY_CHAIN6 = 'classify6';
/** The default policy's IPv6 chain. */
export const DEFAULT_CHAIN6 = 'balance6';
/** An address family: IPv6 objects are twins of IPv4's, their names marked with a 6. */
export type Family = 'ipv4' | 'ipv6';
const six = (family: Family) => (family === 'ipv6' ? '6' : '');
/** The rules that apply to the router's own new connections. */
export const CLASSIFY_LOCAL_CHAIN = 'classify_local';
export const policyChain = (policy: string, isDefault: boolean, family: Family = 'ipv4') =>
  isDefault ? DEFAULT_CHAIN + six(family) : `policy${six(family)}_${policy}`;
/** A persistence map's name carries its key, so a key change makes a new map (nft cannot change a set's type). */
export const persistMap = (policy: string, key: 'src' | 'src-dst', family: Family = 'ipv4') =>
  `persist${six(family)}_${policy}_${key === 'src' ? 'src' : 'pair'}`;
/** fastest-response's learned map: `ipv4_addr : mark` (`fastest_<policy>`) and its `ipv6_addr` twin (`fastest6_<policy>`). */
export const fastestMap = (policy: string, family: Family = 'ipv4') => `fastest${six(family)}_${policy}`;
/** The `ipv6_addr` twin of a rule's named set: `<name>6` (dnsmasq: `nftset=/example.org/4#inet#mwan#NAME,6#inet#mwan#NAME6`). */
export const ruleSet6 = (name: string) => `${name}6`;
export const ruleLabel = (rule: { name?: string }, index: number) => rule.name ?? String(index);
export const ruleChain = (label: string, family: Family = 'ipv4') => `rule${six(family)}_${label}`;
export const stickyMap = (label: string, family: Family = 'ipv4') => `sticky${six(family)}_${label}`;
/** The chain that refreshes a remembered WAN in `map` and marks the connection for it. */
export const keepChain = (map: string, id: number) => `keep_${map}_${id}`;
