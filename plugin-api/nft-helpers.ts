// Small nft rule-text helpers several plugins share (sets, port matches, DNAT statements); exported through the plugin API.
import { forwardTarget, portRange } from '../config/schema/validators.ts';

/** `{ "a", "b" }` for interface names, `{ 1.2.3.4, 5.6.7.8 }` for addresses; callers never pass an empty list. */
export const nftSet = (items: string[], quote = true): string =>
  `{ ${items.map((i) => (quote ? `"${i}"` : i)).join(', ')} }`;

/** `tcp dport 80`, `udp dport 8000-8010`. */
export function portMatch(proto: 'tcp' | 'udp', port: number | string): string {
  const r = portRange(port);
  if (!r) throw new Error(`invalid forward port ${JSON.stringify(port)}`);
  return `${proto} dport ${r.from === r.to ? r.from : `${r.from}-${r.to}`}`;
}

/** `dnat ip to 10.0.0.5:8080`, or without a port: the destination port stays (ranges keep theirs). */
export function dnatStatement(f: { to: string }): string {
  const t = forwardTarget(f.to);
  if (!t) throw new Error(`invalid forward target ${JSON.stringify(f.to)}`);
  return `dnat ip to ${t.address}${t.port === undefined ? '' : `:${t.port}`}`;
}
