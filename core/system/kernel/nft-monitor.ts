// Parses `nft monitor` lines: changes to mwan's own table, and deletions that may have taken its NFQUEUE rules (iptables-nft's nat table).
import type { OwnStateChange } from './adapter.ts';

// e.g. `delete table inet mwan`, `add chain inet mwan balance`, `delete rule inet mwan prerouting handle 12`
const OBJECT_LINE =
  /^(add|delete|replace|flush|update) (table|chain|rule|set|map|counter|quota|limit|flowtable|ct \S+) (\S+) (\S+)(?: (\S+))?(?: handle (\d+))?/;
/** iptables-nft keeps the NFQUEUE rules (core/system/nfqueue/rules.ts) in `table ip nat`: its PREROUTING jump and MWAN_NFQ* chains. */
const NAT_CHAIN = /^(PREROUTING|MWAN_NFQ\S*)$/;

/**
 * What one `nft monitor` line says about mwan: undefined when it concerns neither mwan's table nor the NFQUEUE rules.
 * Set elements are left out: run-time sets change all the time (mwan fills some itself) and are not repaired.
 */
export function parseNftMonitorLine(line: string, table: string, watchNat = true): OwnStateChange | undefined {
  const m = OBJECT_LINE.exec(line.trim());
  if (!m) return undefined;
  const [, op, object, family, name, chain, handle] = m;
  const deleted = op === 'delete';
  if (family === 'inet' && name === table) {
    const where =
      object === 'table'
        ? `nft table inet ${table}`
        : object === 'rule'
          ? `a rule of nft chain inet ${table} ${chain}${handle ? ` (handle ${handle})` : ''}`
          : `nft ${object} inet ${table} ${chain ?? ''}`.trimEnd();
    return { kind: 'nft', deleted, what: `${where} ${deleted ? 'deleted' : op === 'flush' ? 'flushed' : 'changed'}` };
  }
  if (!watchNat || family !== 'ip' || name !== 'nat' || !(deleted || op === 'flush')) return undefined;
  if (object === 'table')
    return {
      kind: 'nfqueue',
      deleted: true,
      what: `iptables nat table (table ip nat) ${deleted ? 'deleted' : 'flushed'}`,
    };
  if ((object === 'chain' || object === 'rule') && chain && NAT_CHAIN.test(chain)) {
    return {
      kind: 'nfqueue',
      deleted: true,
      what: `${object === 'rule' ? 'a rule of ' : ''}iptables nat chain ${chain} ${deleted ? 'deleted' : 'flushed'}`,
    };
  }
  return undefined;
}
