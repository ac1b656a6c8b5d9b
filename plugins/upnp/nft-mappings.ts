// Reads the mappings miniupnpd recorded as DNAT rules in its nft table (`nft -j`): structured fields, never lease text.
import { isIPv4, type NftJsonItem } from '../../plugin-api/index.ts';
import type { Mapping, Refusal } from './mapping.ts';

/** A mapping with the rule handle it came from (handles grow with age: the oldest rules come first). */
export interface RuleMapping extends Mapping {
  handle: number;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPort = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
/** Short JSON of an untrusted value for a reason text. */
const shown = (v: unknown): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};

const PROTOCOLS: Record<string, 'tcp' | 'udp'> = { 6: 'tcp', 17: 'udp', tcp: 'tcp', udp: 'udp' };

/** What a match's left side tests: the input device, the layer-4 protocol, the destination port; undefined: unknown. */
function subjectOf(
  left: unknown,
): { kind: 'iif' } | { kind: 'proto' } | { kind: 'dport'; proto?: 'tcp' | 'udp' } | undefined {
  if (!isObject(left)) return undefined;
  const meta = left.meta;
  if (isObject(meta) && Object.keys(left).length === 1) {
    if (meta.key === 'iif' || meta.key === 'iifname') return { kind: 'iif' };
    if (meta.key === 'l4proto') return { kind: 'proto' };
    return undefined;
  }
  const p = left.payload;
  if (!isObject(p) || Object.keys(left).length !== 1) return undefined;
  // miniupnpd writes the IPv4 protocol field raw (@nh,72,8); newer nft may print it by name.
  if ((p.base === 'nh' && p.offset === 72 && p.len === 8) || (p.protocol === 'ip' && p.field === 'protocol'))
    return { kind: 'proto' };
  if (p.field === 'dport' && (p.protocol === 'th' || p.protocol === 'tcp' || p.protocol === 'udp')) {
    return { kind: 'dport', proto: p.protocol === 'th' ? undefined : p.protocol };
  }
  return undefined;
}

/** One rule of miniupnpd's DNAT chain as a mapping, or the reason it is not one mwan understands. */
export function ruleMapping(rule: Json): RuleMapping | string {
  const handle = rule.handle;
  if (!Number.isInteger(handle)) return `no rule handle (${shown(handle)})`;
  const expr = rule.expr;
  if (!Array.isArray(expr) || expr.length === 0) return 'no expressions';
  let proto: 'tcp' | 'udp' | undefined;
  let externalPort: number | undefined;
  let target: { address: string; port: number } | undefined;
  const setProto = (p: 'tcp' | 'udp'): string | undefined => {
    if (proto && proto !== p) return `protocol ${p} contradicts ${proto}`;
    proto = p;
    return undefined;
  };
  for (const [i, e] of expr.entries()) {
    if (!isObject(e) || Object.keys(e).length !== 1) return `expression ${i} is not one statement: ${shown(e)}`;
    const [kind] = Object.keys(e);
    const body = e[kind];
    if (target) return `statement "${kind}" after the dnat`;
    if (kind === 'counter') continue;
    if (kind === 'dnat') {
      if (!isObject(body) || Object.keys(body).some((k) => !['family', 'addr', 'port'].includes(k)))
        return `unrecognised dnat ${shown(body)}`;
      if (body.family !== undefined && body.family !== 'ip') return `dnat family ${shown(body.family)} (only ip)`;
      if (typeof body.addr !== 'string' || !isIPv4(body.addr))
        return `dnat address ${shown(body.addr)} is not an IPv4 address`;
      if (!isPort(body.port)) return `dnat port ${shown(body.port)} is not a port 1-65535`;
      target = { address: body.addr, port: body.port };
      continue;
    }
    if (kind !== 'match' || !isObject(body)) return `unrecognised statement "${kind}"`;
    if (body.op !== '==') return `a match with operator ${shown(body.op)}`;
    const subject = subjectOf(body.left);
    if (!subject) return `a match on ${shown(body.left)}`;
    if (subject.kind === 'iif') {
      if (typeof body.right !== 'string') return `input device ${shown(body.right)}`;
    } else if (subject.kind === 'proto') {
      const p = typeof body.right === 'string' || typeof body.right === 'number' ? PROTOCOLS[body.right] : undefined;
      if (!p) return `protocol ${shown(body.right)} (only tcp and udp)`;
      const clash = setProto(p);
      if (clash) return clash;
    } else {
      if (!isPort(body.right)) return `destination port ${shown(body.right)} is not a port 1-65535`;
      if (externalPort !== undefined) return 'two destination port matches';
      externalPort = body.right;
      const clash = subject.proto ? setProto(subject.proto) : undefined;
      if (clash) return clash;
    }
  }
  if (!proto) return 'no protocol match';
  if (externalPort === undefined) return 'no destination port match';
  if (!target) return 'no dnat statement';
  return { handle: handle as number, proto, externalPort, address: target.address, port: target.port };
}

/**
 * The mappings in miniupnpd's DNAT chain `chain` of a listed table, oldest first; rules mwan does not understand are
 * refused (named by their handle), never guessed at. Other chains (filter, peer) are not mappings.
 */
export function mappingsFromNft(items: NftJsonItem[], chain: string): { mappings: RuleMapping[]; refused: Refusal[] } {
  const mappings: RuleMapping[] = [];
  const refused: Refusal[] = [];
  for (const item of items) {
    const rule = item.rule;
    if (!isObject(rule) || rule.chain !== chain) continue;
    const m = ruleMapping(rule);
    if (typeof m === 'string')
      refused.push({
        what: `rule ${shown(rule.handle)} of chain ${chain}`,
        reason: `not a mapping mwan understands: ${m}`,
      });
    else mappings.push(m);
  }
  mappings.sort((a, b) => a.handle - b.handle);
  return { mappings, refused };
}
