// Tests reading mappings from miniupnpd's nft table: the rules miniupnpd writes, other spellings nft may print, and refusals.
import assert from 'node:assert/strict';
import { mappingsFromNft, ruleMapping } from './nft-mappings.ts';
import { miniupnpdRule, miniupnpdTable } from './testing.ts';

type Rule = Record<string, unknown> & { expr: Record<string, unknown>[] };
const ruleOf = (r: Record<string, Record<string, unknown>>): Rule => r.rule as Rule;

describe("upnp mappings from miniupnpd's nft table", () => {
  it('reads the DNAT rules miniupnpd 2.3.1 writes, oldest (lowest handle) first; filter-chain rules are not mappings', () => {
    const table = miniupnpdTable([
      miniupnpdRule(10, 'udp', 5558, '10.77.0.2', 5559),
      miniupnpdRule(8, 'tcp', 5557, '10.77.0.2', 5557),
      miniupnpdRule(9, 'tcp', 5557, '10.77.0.2', 5557, 'miniupnpd'),
    ]);
    assert.deepEqual(mappingsFromNft(table, 'prerouting_miniupnpd'), {
      mappings: [
        { handle: 8, proto: 'tcp', externalPort: 5557, address: '10.77.0.2', port: 5557 },
        { handle: 10, proto: 'udp', externalPort: 5558, address: '10.77.0.2', port: 5559 },
      ],
      refused: [],
    });
    assert.deepEqual(mappingsFromNft(miniupnpdTable([]), 'prerouting_miniupnpd'), { mappings: [], refused: [] });
  });

  it('accepts the protocol as nft may print it: l4proto, ip protocol by name, tcp/udp dport; counters are ignored', () => {
    const rule = ruleOf(miniupnpdRule(4, 'tcp', 7000, '10.77.0.5', 7001));
    rule.expr[1] = { match: { op: '==', left: { meta: { key: 'l4proto' } }, right: 'tcp' } };
    rule.expr.splice(3, 0, { counter: { packets: 0, bytes: 0 } });
    assert.deepEqual(ruleMapping(rule), {
      handle: 4,
      proto: 'tcp',
      externalPort: 7000,
      address: '10.77.0.5',
      port: 7001,
    });
    rule.expr[1] = { match: { op: '==', left: { payload: { protocol: 'ip', field: 'protocol' } }, right: 'tcp' } };
    rule.expr[2] = { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 7000 } };
    assert.equal((ruleMapping(rule) as { proto: string }).proto, 'tcp');
  });

  it('refuses, naming the rule and the expression, what it does not understand rather than guess', () => {
    const cases: [(r: Rule) => void, RegExp][] = [
      [
        (r) => {
          r.expr[1] = { match: { op: '==', left: { payload: { base: 'nh', offset: 72, len: 8 } }, right: 132 } };
        },
        /protocol 132 \(only tcp and udp\)/,
      ],
      [
        (r) => {
          r.expr[2] = { match: { op: '!=', left: { payload: { protocol: 'th', field: 'dport' } }, right: 80 } };
        },
        /operator "!="/,
      ],
      [
        (r) => {
          r.expr[2] = {
            match: { op: '==', left: { payload: { protocol: 'th', field: 'dport' } }, right: { range: [1, 65535] } },
          };
        },
        /destination port \{"range"/,
      ],
      [
        (r) => {
          r.expr.splice(0, 0, {
            match: { op: '==', left: { payload: { base: 'nh', offset: 96, len: 32 } }, right: 1 },
          });
        },
        /a match on \{"payload"/,
      ],
      [
        (r) => {
          r.expr[3] = { dnat: { family: 'ip', addr: '10.77.0.0/24', port: 22 } };
        },
        /dnat address "10\.77\.0\.0\/24" is not an IPv4 address/,
      ],
      [
        (r) => {
          r.expr[3] = { dnat: { family: 'ip6', addr: 'fd00::2', port: 22 } };
        },
        /dnat family "ip6"/,
      ],
      [
        (r) => {
          r.expr[3] = { dnat: { family: 'ip', addr: '10.77.0.2', port: 0 } };
        },
        /dnat port 0/,
      ],
      [
        (r) => {
          r.expr[3] = { dnat: { family: 'ip', addr: '10.77.0.2', port: 22, flags: 'random' } };
        },
        /unrecognised dnat/,
      ],
      [
        (r) => {
          r.expr.push({ accept: null });
        },
        /statement "accept" after the dnat/,
      ],
      [
        (r) => {
          r.expr[3] = { jump: { target: 'x' } };
        },
        /unrecognised statement "jump"/,
      ],
      [
        (r) => {
          r.expr.pop();
        },
        /no dnat statement/,
      ],
      [
        (r) => {
          r.expr.splice(1, 1);
        },
        /no protocol match/,
      ],
      [
        (r) => {
          r.expr[2] = { match: { op: '==', left: { payload: { protocol: 'udp', field: 'dport' } }, right: 5557 } };
        },
        /protocol udp contradicts tcp/,
      ],
      [
        (r) => {
          r.handle = 'x';
        },
        /no rule handle \("x"\)/,
      ],
    ];
    for (const [spoil, reason] of cases) {
      const item = miniupnpdRule(12, 'tcp', 5557, '10.77.0.2', 5557);
      spoil(ruleOf(item));
      const { mappings, refused } = mappingsFromNft(miniupnpdTable([item]), 'prerouting_miniupnpd');
      assert.deepEqual(mappings, [], String(reason));
      assert.equal(refused.length, 1);
      assert.match(refused[0].what, /^rule (12|"x") of chain prerouting_miniupnpd$/);
      assert.match(refused[0].reason, reason);
    }
  });
});
